"""Registration by discovery: a package's modules are found on disk, not listed by hand.

Adding a module to a domain folder is enough for its models to reach the metadata (Alembic), its
blueprint to be served and its tasks to be known to the worker.
"""

import importlib
import pkgutil
from types import ModuleType


def import_submodules(package_name: str) -> list[ModuleType]:
    """Import every module under the package, sub-packages included, in name order."""
    package = importlib.import_module(package_name)
    found = pkgutil.walk_packages(package.__path__, prefix=package_name + ".")
    return [importlib.import_module(info.name) for info in sorted(found, key=lambda i: i.name)]
