import pytest

from models.fiscal.signing import load_certificate
from tests.fiscal_samples import VALID_AT, make_a1


@pytest.fixture(scope="session")
def a1():
    """The ISP's test A1: an RSA e-CNPJ from a test CA, as PKCS#12 with its password."""
    return make_a1()


@pytest.fixture(scope="session")
def certificate(a1):
    return load_certificate(a1.pkcs12, a1.password, VALID_AT)
