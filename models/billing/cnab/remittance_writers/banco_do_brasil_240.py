"""Banco do Brasil (001) CNAB 240 remessa: where it differs from FEBRABAN's (febraban240.py).

Source: brcobranca's lib/brcobranca/remessa/cnab240/banco_brasil.rb (commit 325e0ee), whose
comments quote BB's manual (its CNAB 240 manual is not in brcobranca's docs/).
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

BANK_NAME = "BANCO DO BRASIL S.A."
# Códigos de movimento tratados pelo BB (banco_brasil.rb): 01 Entrada de títulos, 02 Pedido de
# baixa, 06 Alteração de vencimento, 31 Alteração de outros dados.
MOVEMENTS = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06", AMOUNT: "31"}


def _agreement(start: int) -> list[Field]:
    """Convênio (9) + cobrança cedente 0014 + carteira (2) + variação (3) + 2 blanks."""
    return [
        Field("agreement", start, start + 8, "9"),
        Field("", start + 9, start + 12, "9", value="0014"),
        Field("wallet", start + 13, start + 14, "9"),
        Field("variation", start + 15, start + 17, "9"),
        blank(start + 18, start + 19),
    ]


FILE_HEADER = F.record(
    "Banco do Brasil 240 header de arquivo",
    F.FILE_HEADER,
    [*_agreement(33), Field("", 164, 166, "9", value="083"), zeros(167, 171), zeros(172, 211)],
)
LOT_HEADER = F.record(
    "Banco do Brasil 240 header de lote",
    F.LOT_HEADER,
    [Field("", 14, 16, "9", value="042"), *_agreement(34)],
)

# Segmento P: carteira code 7 (carteira 17 simples), com cadastramento, tipo de documento
# blank, emissão and distribuição 0 (not read by BB); espécie 02; baixa 0 / 000.
SEGMENT_P = F.record(
    "Banco do Brasil 240 segmento P",
    F.SEGMENT_P,
    [
        Field("", 58, 62, "X", value="71 00"),
        Field("", 107, 108, "9", value="02"),
        Field("", 224, 227, "9", value="0000"),
    ],
)
SEGMENT_Q = F.record("Banco do Brasil 240 segmento Q", F.SEGMENT_Q)
SEGMENT_R = F.record("Banco do Brasil 240 segmento R", F.SEGMENT_R)
LOT_TRAILER = F.record("Banco do Brasil 240 trailer de lote", F.LOT_TRAILER, [zeros(24, 240)])
FILE_TRAILER = F.record("Banco do Brasil 240 trailer de arquivo", F.FILE_TRAILER)

LAYOUT = F.Layout240(
    FILE_HEADER, LOT_HEADER, (SEGMENT_P, SEGMENT_Q, SEGMENT_R), LOT_TRAILER, FILE_TRAILER
)


def _extra(remittance: RemittanceFile, item: RemittanceItem | None) -> dict:
    beneficiary = remittance.beneficiary
    agreement = {
        "agreement": beneficiary.agreement,
        "wallet": beneficiary.wallet,
        "variation": beneficiary.variation,
    }
    if item is None:
        return {
            FILE_HEADER.name: {**agreement, "bank_name": BANK_NAME},
            LOT_HEADER.name: agreement,
        }
    account = beneficiary.bank_account()
    printed = bank_for("001").nosso_numero_with_dv(item.nosso_numero, account)
    return {SEGMENT_P.name: {"nosso_numero": re.sub(r"\W", "", printed)}}


@writer("001", 240)
def lines(remittance: RemittanceFile) -> list[str]:
    return F.lines(remittance, LAYOUT, MOVEMENTS, _extra)
