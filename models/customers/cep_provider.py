"""An online CEP provider (ViaCEP-compatible), asked on a directory miss: one short HTTP call.

`{base}/{cep}/json/` answers `{cep, logradouro, bairro, localidade, uf}`, or `{"erro": true}`
for a CEP it does not know. Anything else (no answer in time, 5xx, not JSON, a malformed
answer) is `ProviderUnavailable`: the caller answers 503, never a 500. No Flask here.
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from models.customers.identifiers import UFS
from models.errors import DomainError

log = logging.getLogger(__name__)

# Longest values the directory stores (models/customers/ceps.py); a longer answer is not trusted.
LIMITS = {"street": 200, "district": 120, "city": 120}


class ProviderUnavailable(DomainError):
    """The CEP provider could not say whether it knows the CEP (down, slow, or garbled)."""

    status = 503
    code = "service_unavailable"


@dataclass(frozen=True)
class CepProvider:
    """Where to ask, and for how long at most (settings CEP_PROVIDER_URL, _TIMEOUT_S)."""

    base_url: str | None
    timeout_s: float = 2.0

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


def fetch(provider: CepProvider, cep: str) -> dict | None:
    """The provider's entry for 8-digit `cep` as a directory row, or None when it has none."""
    try:
        response = requests.get(f"{provider.base_url}/{cep}/json/", timeout=provider.timeout_s)
    except requests.Timeout:
        raise _unavailable(provider, f"no answer within {provider.timeout_s} s") from None
    except requests.RequestException as error:
        raise _unavailable(provider, f"request failed ({type(error).__name__})") from None
    if response.status_code != 200:
        raise _unavailable(provider, f"HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise _unavailable(provider, "the answer is not JSON") from None
    if isinstance(answer, dict) and answer.get("erro") in (True, "true"):
        return None
    row = _as_row(answer, cep)
    if row is None:
        raise _unavailable(provider, "the answer is not a CEP entry")
    return row


def _as_row(answer, cep: str) -> dict | None:
    """The answer as {cep, street, district, city, state}, or None when it is malformed."""
    if not isinstance(answer, dict):
        return None
    names = {"street": "logradouro", "district": "bairro", "city": "localidade", "state": "uf"}
    values = {key: answer.get(name) or "" for key, name in names.items()}
    if not all(isinstance(value, str) for value in values.values()):
        return None
    values = {key: value.strip() for key, value in values.items()}
    digits = str(answer.get("cep", "")).replace("-", "")
    if digits != cep or values["state"] not in UFS or not values["city"]:
        return None
    if any(len(values[key]) > limit for key, limit in LIMITS.items()):
        return None
    return {
        "cep": cep,
        "street": values["street"] or None,
        "district": values["district"] or None,
        "city": values["city"],
        "state": values["state"],
    }


def _unavailable(provider: CepProvider, reason: str) -> ProviderUnavailable:
    # The host and the reason only: no CEP, nothing that could tie the lookup to a person.
    log.warning("CEP provider %s unavailable: %s", urlsplit(provider.base_url).netloc, reason)
    return ProviderUnavailable(
        f"The CEP provider is unavailable ({reason}); try again, or type the address in."
    )
