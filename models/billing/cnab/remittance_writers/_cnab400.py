"""What the CNAB 400 remessa writers share: the occurrence table lookup, the payer's and the
beneficiary's kind of document, and the refusal of what a bank's layout cannot say."""

from collections.abc import Mapping

from models.billing.cnab.remittance import RemittanceItem


class UnsupportedOccurrence(ValueError):
    """An occurrence (or an item's option) that this bank's CNAB 400 layout cannot carry."""


def occurrence_code(item: RemittanceItem, codes: Mapping[str, str], bank: str) -> str:
    """The bank's código de ocorrência for the item; UnsupportedOccurrence when it has none."""
    try:
        return codes[item.occurrence]
    except KeyError:
        raise UnsupportedOccurrence(
            f"{bank} CNAB 400: no código de ocorrência for {item.occurrence!r}"
        ) from None


def document_kind(document: str) -> str:
    """ "01" for a CPF, "02" for a CNPJ (brcobranca's Util::Empresa#tipo: up to 11 digits is a
    CPF)."""
    digits = "".join(ch for ch in document if ch.isdigit())
    return "01" if len(digits) <= 11 else "02"


def payer_fields(item: RemittanceItem) -> dict:
    """The payer's fields, as every layout but Bradesco's names them (219-351)."""
    payer = item.payer
    return {
        "payer_kind": document_kind(payer.document),
        "payer_document": payer.document,
        "payer_name": payer.name,
        "payer_address": payer.address,
        "payer_district": payer.district,
        "payer_cep": payer.cep,
        "payer_city": payer.city,
        "payer_state": payer.state,
    }


def control_number(item: RemittanceItem) -> str:
    """The número de controle do participante: brcobranca's `documento_ou_numero`."""
    return item.control_number or item.document_number


def refuse(item: RemittanceItem, bank: str, *, fine_amount=False, fine_percent=True, protest=False):
    """UnsupportedOccurrence for what the item asks that the bank's layout has no field for
    (rather than a file that silently drops it)."""
    if item.fine_amount and not fine_amount:
        raise UnsupportedOccurrence(f"{bank} CNAB 400: multa as a value (fine_amount) unknown")
    if item.fine_percent and not fine_percent:
        raise UnsupportedOccurrence(f"{bank} CNAB 400: multa as a percentage unknown")
    if item.fine_amount and item.fine_percent:
        raise UnsupportedOccurrence(f"{bank} CNAB 400: multa as a value and a percentage")
    if item.protest_days and not protest:
        raise UnsupportedOccurrence(f"{bank} CNAB 400: no protest instruction in this layout")
