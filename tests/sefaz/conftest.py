"""Fixtures for the stand-in SVRS's own tests."""

import pytest

from tests.sefaz import SvrsStandIn


@pytest.fixture
def svrs():
    with SvrsStandIn() as stand_in:
        yield stand_in
