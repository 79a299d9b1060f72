"""Fixtures for the stand-in SVRS's own tests: an SVRS, and the adapter pointed at it."""

import pytest

from models.fiscal.sefaz_client import HOMOLOGATION, Sefaz
from tests.sefaz import SvrsStandIn


@pytest.fixture
def svrs():
    with SvrsStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def sefaz(svrs):
    with Sefaz(
        HOMOLOGATION, svrs.certificate_pem, svrs.key_pem, svrs.ca_pem, svrs.urls, timeout=5
    ) as client:
        yield client
