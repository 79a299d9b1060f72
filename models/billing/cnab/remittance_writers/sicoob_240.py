"""Sicoob (756) CNAB 240 remessa: where it differs from FEBRABAN's (febraban240.py).

Source: Sicoob's "Leiaute cobrança Sicoob - sistemas de terceiros", sheet "05.Remessa - Opção
CNAB240" (brcobranca docs/Sicoob/LEIAUTE COBRANCA SICOOB SISTEMAS DE TERCEIRO.XLSX) and
brcobranca's lib/brcobranca/remessa/cnab240/sicoob.rb (commit 325e0ee), whose fixture is
spec/fixtures/remessa/remessa-bancoob-cnab240.rem.
"""

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

BANK_NAME = "SICOOB"
# Código de Movimento Remessa (07.3P): 01 Entrada de Títulos, 02 Solicitação de Baixa, 06
# Prorrogação de Vencimento, 31 Alterações de outros dados (Sicoob has no 47).
MOVEMENTS = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06", AMOUNT: "31"}
NO_INTEREST = "0"  # 27.3P Código do Juros de Mora: '0' = Isento

FILE_HEADER = F.record(
    "Sicoob 240 header de arquivo",
    F.FILE_HEADER,
    [Field("", 164, 166, "9", value="081"), zeros(167, 171)],
)
LOT_HEADER = F.record(
    "Sicoob 240 header de lote", F.LOT_HEADER, [Field("", 14, 16, "9", value="040")]
)

# Segmento P: nosso número = número do título with its DV (10) + parcela 01 + modalidade +
# tipo formulário 4 (A4 sem envelopamento) + 5 blanks; carteira 1, forma de cadastramento 0,
# tipo de documento blank, beneficiário emite (2) and distribui (2); espécie 02 (duplicata
# mercantil); código para baixa "0" and its prazo blank, as the sheet asks (38.3P, 39.3P).
SEGMENT_P = F.record(
    "Sicoob 240 segmento P",
    F.SEGMENT_P,
    [
        Field("nosso_numero", 38, 47, "9"),
        Field("", 48, 49, "9", value="01"),
        Field("modality", 50, 51, "9"),
        Field("", 52, 52, "9", value="4"),
        blank(53, 57),
        Field("", 58, 62, "X", value="10 22"),
        Field("", 107, 108, "9", value="02"),
        Field("", 224, 224, "9", value="0"),
        blank(225, 227),
    ],
)
SEGMENT_Q = F.record("Sicoob 240 segmento Q", F.SEGMENT_Q)
SEGMENT_R = F.record("Sicoob 240 segmento R", F.SEGMENT_R)
LOT_TRAILER = F.record("Sicoob 240 trailer de lote", F.LOT_TRAILER)
FILE_TRAILER = F.record(
    "Sicoob 240 trailer de arquivo", F.FILE_TRAILER, [zeros(30, 35), blank(36, 240)]
)

LAYOUT = F.Layout240(
    FILE_HEADER, LOT_HEADER, (SEGMENT_P, SEGMENT_Q, SEGMENT_R), LOT_TRAILER, FILE_TRAILER
)


def _extra(remittance: RemittanceFile, item: RemittanceItem | None) -> dict:
    beneficiary = remittance.beneficiary
    if item is None:
        return {FILE_HEADER.name: {"bank_name": BANK_NAME}}
    # The boleto's bank number drops its leading zeros (models.billing.boletos.bank_number);
    # Sicoob's check digit is computed over the 7 digits.
    digits = item.nosso_numero.zfill(7)
    number = bank_for("756").nosso_numero_with_dv(digits, beneficiary.bank_account())
    return {SEGMENT_P.name: {"nosso_numero": number, "modality": beneficiary.variation}}


@writer("756", 240)
def lines(remittance: RemittanceFile) -> list[str]:
    return F.lines(remittance, LAYOUT, MOVEMENTS, _extra, no_interest_code=NO_INTEREST)
