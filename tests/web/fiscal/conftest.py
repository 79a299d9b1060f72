import pytest
import time_machine

from tests.fiscal_samples import VALID_AT


@pytest.fixture(autouse=True)
def _inside_the_a1s_validity():
    """The test A1s are valid through 2026 only: every fiscal test runs on 2026-12-01 (autouse
    fixtures come first, so tokens are issued at that instant too)."""
    with time_machine.travel(VALID_AT, tick=False):
        yield
