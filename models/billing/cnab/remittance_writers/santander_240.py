"""Santander (033) CNAB 240 remessa: where it differs from FEBRABAN's (febraban240.py).

Source: Santander's "Layout Padrão 240, versão 2.5, setembro 2014" (brcobranca
docs/Santander/) and brcobranca's lib/brcobranca/remessa/cnab240/santander.rb (commit 325e0ee).
"""

import re

from models.billing.boleto_banks import bank_for
from models.billing.cnab.layout import Field, FieldValueError, blank, zeros
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

BANK_NAME = "BANCO SANTANDER"
# Nota 14, código de movimento para remessa: 01 Entrada de título, 02 Pedido de baixa, 06
# Alteração de vencimento, 31 Alteração de outros dados.
MOVEMENTS = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06", AMOUNT: "31"}

# Header de arquivo: inscrição in 17-32, código de transmissão (15) in the convênio's place, no
# time, version 040, no density.
FILE_HEADER = F.record(
    "Santander 240 header de arquivo",
    F.FILE_HEADER,
    [
        blank(9, 16),
        Field("company_kind", 17, 17, "9"),
        Field("company_document", 18, 32, "9"),
        Field("transmission", 33, 47, "9"),
        blank(48, 72),
        blank(152, 157),
        Field("", 164, 166, "9", value="040"),
        blank(167, 171),
    ],
)
LOT_HEADER = F.record(
    "Santander 240 header de lote",
    F.LOT_HEADER,
    [
        Field("", 14, 16, "9", value="030"),
        blank(34, 53),
        Field("transmission", 54, 68, "9"),
        blank(69, 73),
    ],
)

# Segmento P: agência (4) + DV, conta corrente and conta cobrança (9 + DV each), nosso número
# with its DV (13); carteira 1, com cadastramento, escritural; seu número and identificação
# left-aligned; espécie 02; baixa "3" (santander_spec's codigo_baixa), "0", 00 days, moeda 00.
SEGMENT_P = F.record(
    "Santander 240 segmento P",
    F.SEGMENT_P,
    [
        Field("agency", 18, 21, "9"),
        Field("agency_dv", 22, 22, "X"),
        Field("account", 23, 31, "9"),
        Field("account_dv", 32, 32, "X"),
        Field("account", 33, 41, "9"),
        Field("account_dv", 42, 42, "X"),
        blank(43, 44),
        Field("nosso_numero", 45, 57, "9"),
        Field("", 58, 62, "X", value="112"),
        Field("document_number", 63, 77, "X"),
        Field("", 107, 108, "9", value="02"),
        Field("company_reference", 196, 220, "X"),
        Field("", 224, 229, "9", value="300000"),
        blank(230, 240),
    ],
)
SEGMENT_Q = F.record("Santander 240 segmento Q", F.SEGMENT_Q, [zeros(210, 221), blank(222, 240)])
SEGMENT_R = F.record("Santander 240 segmento R", F.SEGMENT_R, [blank(180, 240)])
LOT_TRAILER = F.record("Santander 240 trailer de lote", F.LOT_TRAILER, [blank(24, 240)])
FILE_TRAILER = F.record("Santander 240 trailer de arquivo", F.FILE_TRAILER)

LAYOUT = F.Layout240(
    FILE_HEADER, LOT_HEADER, (SEGMENT_P, SEGMENT_Q, SEGMENT_R), LOT_TRAILER, FILE_TRAILER
)


def _extra(remittance: RemittanceFile, item: RemittanceItem | None) -> dict:
    beneficiary = remittance.beneficiary
    if item is None:
        if not beneficiary.transmission_code:
            raise FieldValueError("Santander CNAB 240: the código de transmissão is missing")
        transmission = {"transmission": beneficiary.transmission_code}
        return {
            FILE_HEADER.name: {**transmission, "bank_name": BANK_NAME},
            LOT_HEADER.name: transmission,
        }
    account = beneficiary.bank_account()
    printed = bank_for("033").nosso_numero_with_dv(item.nosso_numero, account)
    return {SEGMENT_P.name: {"nosso_numero": re.sub(r"\D", "", printed)}}


@writer("033", 240)
def lines(remittance: RemittanceFile) -> list[str]:
    return F.lines(remittance, LAYOUT, MOVEMENTS, _extra)
