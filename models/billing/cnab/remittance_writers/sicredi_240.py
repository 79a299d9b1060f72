"""Sicredi (748) CNAB 240 remessa: where it differs from FEBRABAN's (febraban240.py).

Source: Sicredi's "Manual CNAB 240" (brcobranca docs/Sicredi/Sicredi.Manual.Cnab.240.pdf) and
brcobranca's lib/brcobranca/remessa/cnab240/sicredi.rb (commit 325e0ee).
"""

import re

from models.billing.boleto_banks import bank_for
from models.billing.cnab.layout import Field, blank, zeros
from models.billing.cnab.remittance import (
    AMOUNT,
    CANCEL,
    DUE_DATE,
    ENTRY,
    RemittanceFile,
    RemittanceItem,
    writer,
)
from models.billing.cnab.remittance_writers import febraban240 as F

BANK_NAME = "SICREDI"
# Código de movimento remessa (07.3P): 01 Entrada de títulos, 02 Pedido de baixa, 06
# Alteração de vencimento, 31 Alteração de outros dados (Sicredi lists no 47).
MOVEMENTS = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06", AMOUNT: "31"}
# The manual's 7.5: CCCCCMDD.CRM, código do beneficiário, month (1-9, O, N, D) and day.
MONTHS = "123456789OND"


def file_name(remittance: RemittanceFile) -> str:
    """CCCCCMDD.CRM (the day's first remessa; a second the same day is .RM2 and so on, which
    the remessa sequence alone cannot tell)."""
    created = remittance.created_at
    code = remittance.beneficiary.agreement.zfill(5)
    return f"{code}{MONTHS[created.month - 1]}{created.day:02d}.CRM"


FILE_HEADER = F.record(
    "Sicredi 240 header de arquivo",
    F.FILE_HEADER,
    [blank(58, 58), Field("", 164, 166, "9", value="081"), Field("", 167, 171, "9", value="01600")],
)
LOT_HEADER = F.record(
    "Sicredi 240 header de lote",
    F.LOT_HEADER,
    [Field("", 14, 16, "9", value="040"), blank(59, 59)],
)

# Segmento P: no agência DV; nosso número with its DV, left-aligned; carteira 1, com
# cadastramento, tipo de documento 1, beneficiário emite (2) and distribui (2); espécie 03;
# desconto code 1, baixa code 1 after 60 days (sicredi.rb's constants).
SEGMENT_P = F.record(
    "Sicredi 240 segmento P",
    F.SEGMENT_P,
    [
        blank(23, 23),
        Field("", 58, 62, "X", value="11122"),
        Field("", 107, 108, "9", value="03"),
        Field("", 142, 142, "9", value="1"),
        Field("", 224, 227, "9", value="1060"),
    ],
)
SEGMENT_Q = F.record("Sicredi 240 segmento Q", F.SEGMENT_Q)
SEGMENT_R = F.record("Sicredi 240 segmento R", F.SEGMENT_R)
LOT_TRAILER = F.record("Sicredi 240 trailer de lote", F.LOT_TRAILER, [zeros(24, 115)])
FILE_TRAILER = F.record(
    "Sicredi 240 trailer de arquivo", F.FILE_TRAILER, [zeros(30, 35), blank(36, 240)]
)

LAYOUT = F.Layout240(
    FILE_HEADER, LOT_HEADER, (SEGMENT_P, SEGMENT_Q, SEGMENT_R), LOT_TRAILER, FILE_TRAILER
)


def _extra(remittance: RemittanceFile, item: RemittanceItem | None) -> dict:
    if item is None:
        return {FILE_HEADER.name: {"bank_name": BANK_NAME}}
    account = remittance.beneficiary.bank_account()
    printed = bank_for("748").nosso_numero_with_dv(item.nosso_numero, account)  # AA/BNNNNN-D
    return {SEGMENT_P.name: {"nosso_numero": re.sub(r"\D", "", printed)}}


@writer("748", 240, file_name=file_name)
def lines(remittance: RemittanceFile) -> list[str]:
    # juros from the day after the due date (sicredi.rb data_mora), multa from the due date
    return F.lines(remittance, LAYOUT, MOVEMENTS, _extra, interest_delay=1)
