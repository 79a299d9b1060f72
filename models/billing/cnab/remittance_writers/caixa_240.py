"""Caixa (104) CNAB 240 remessa, SIGCB: where it differs from FEBRABAN's (febraban240.py).

Source: Caixa's "Leiaute de arquivo eletrônico padrão CNAB 240, cobrança bancária Caixa -
SIGCB" (brcobranca docs/Caixa/Manual_Leiaute_CNAB240_SIGCB.pdf) and brcobranca's
lib/brcobranca/remessa/cnab240/caixa.rb (commit 325e0ee).
"""

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

BANK_NAME = "CAIXA ECONOMICA FEDERAL"
# Códigos de movimento remessa, the manual's note C004: 01 Entrada de Título, 02 Pedido de
# Baixa, 06 Alteração de Vencimento, 47 Alteração do Valor Nominal do Título.
MOVEMENTS = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06", AMOUNT: "47"}
NOT_PROTESTED_WRITE_OFF = ("1", "120")  # baixar/devolver, 120 days, when not protested
PROTESTED_WRITE_OFF = ("2", "000")  # não baixar/não devolver

# Header de arquivo: convênio in the conta's place, version 050, the company's literal.
FILE_HEADER = F.record(
    "Caixa 240 header de arquivo",
    F.FILE_HEADER,
    [
        zeros(33, 52),  # uso exclusivo CAIXA
        Field("beneficiary_code", 59, 64, "9"),  # código do convênio (beneficiário)
        zeros(65, 72),  # uso exclusivo CAIXA
        Field("", 164, 166, "9", value="050"),
        zeros(167, 171),
        blank(172, 191),
        Field("", 192, 211, "X", value="REMESSA-PRODUCAO"),
        Field("app_version", 212, 215, "X", align="right"),  # versão aplicativo CAIXA
        blank(216, 240),
    ],
)

# Header de lote: serviço "00", version 030, convênio twice.
LOT_HEADER = F.record(
    "Caixa 240 header de lote",
    F.LOT_HEADER,
    [
        zeros(12, 13),
        Field("", 14, 16, "9", value="030"),
        Field("beneficiary_code", 34, 39, "9"),
        zeros(40, 53),
        Field("beneficiary_code", 60, 65, "9"),
        zeros(66, 73),
    ],
)

# Segmento P: convênio, modalidade and nosso número in the conta's place; Caixa's constants
# (carteira simples, com cadastramento, escritural, beneficiário emite and posta, espécie 99).
SEGMENT_P = F.record(
    "Caixa 240 segmento P",
    F.SEGMENT_P,
    [
        Field("beneficiary_code", 24, 29, "9"),
        zeros(30, 40),
        Field("nosso_numero", 41, 57, "9"),  # modalidade (2) + identificação do título (15)
        Field("", 58, 62, "X", value="11220"),
        Field("document_number", 63, 73, "9"),
        blank(74, 77),
        zeros(106, 106),
        Field("", 107, 108, "9", value="99"),
        Field("company_reference", 196, 206, "9"),
        blank(207, 220),
    ],
)

SEGMENT_Q = F.record("Caixa 240 segmento Q", F.SEGMENT_Q)

# Segmento R: e-mail do pagador (50) and FEBRABAN's 11 where the débito automático fields were.
SEGMENT_R = F.record("Caixa 240 segmento R", F.SEGMENT_R, [blank(180, 240)])

LOT_TRAILER = F.record("Caixa 240 trailer de lote", F.LOT_TRAILER, [zeros(24, 92), blank(93, 240)])
FILE_TRAILER = F.record("Caixa 240 trailer de arquivo", F.FILE_TRAILER)

LAYOUT = F.Layout240(
    FILE_HEADER, LOT_HEADER, (SEGMENT_P, SEGMENT_Q, SEGMENT_R), LOT_TRAILER, FILE_TRAILER
)


def _extra(remittance: RemittanceFile, item: RemittanceItem | None, app_version: str) -> dict:
    code = remittance.beneficiary.agreement
    if item is None:
        return {
            FILE_HEADER.name: {
                "beneficiary_code": code,
                "bank_name": BANK_NAME,
                "app_version": app_version,
            },
            LOT_HEADER.name: {"beneficiary_code": code},
        }
    write_off = NOT_PROTESTED_WRITE_OFF if item.protest_days is None else PROTESTED_WRITE_OFF
    return {
        SEGMENT_P.name: {
            "beneficiary_code": code,
            "nosso_numero": item.nosso_numero,
            "write_off_code": write_off[0],
            "write_off_days": write_off[1],
        }
    }


def lines(remittance: RemittanceFile, app_version: str = "") -> list[str]:
    """The remessa's lines; `app_version` is the Versão Aplicativo CAIXA, blank for a file not
    made by Caixa's own application (the manual's default)."""
    return F.lines(
        remittance,
        LAYOUT,
        MOVEMENTS,
        lambda r, i: _extra(r, i, app_version),
        interest_delay=1,  # juros and multa from the day after the due date (caixa.rb)
        fine_delay=1,
    )


writer("104", 240)(lines)
