"""Santander (033), CNAB 400 retorno: Santander's "Layout CNAB 400 Cobrança", positions as
brcobranca's lib/brcobranca/retorno/cnab400/santander.rb reads them (0-based + 1). The nosso
número (63-70) is 7 digits and its check digit: ours is the 7, zero-padded to our 12
(models/billing/banks/santander.py). Records of type 2 (the PIX QR code data of the detail
before) are skipped. The trailer is required, its totals (the carteira's) not checked.
"""

from models.billing.cnab.layout import Field, Record
from models.billing.cnab.return_readers import cnab400
from models.billing.cnab.return_readers.febraban240 import digits
from models.billing.cnab.returns import (
    CONFIRMED,
    OTHER,
    REJECTED,
    SETTLED,
    WRITTEN_OFF,
    ReturnFile,
    reader,
)

# Header (0).
HEADER = Record(
    "Santander header",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("direction", 2, 2, "X"),
        Field("literal", 3, 9, "X"),
        Field("service", 10, 11, "X"),
        Field("service_name", 12, 26, "X"),
        Field("agency", 27, 30, "X"),
        Field("agreement", 31, 38, "X"),  # conta movimento
        Field("collection_account", 39, 46, "X"),
        Field("company_name", 47, 76, "X"),
        Field("bank", 77, 79, "X"),
        Field("bank_name", 80, 94, "X"),
        Field("created_on", 95, 100, "D6"),
        Field("filler", 101, 394, "X"),
        Field("number", 395, 400, "X"),
    ],
)

# Detalhe (1).
DETAIL = Record(
    "Santander detail",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("document_type", 2, 3, "X"),
        Field("document", 4, 17, "X"),
        Field("agency", 18, 21, "X"),
        Field("account", 22, 29, "X"),
        Field("collection_account", 30, 37, "X"),
        Field("company_use", 38, 62, "X"),
        Field("nosso_numero", 63, 70, "X"),
        Field("filler", 71, 107, "X"),
        Field("wallet", 108, 108, "X"),
        Field("code", 109, 110, "X"),
        Field("occurred_on", 111, 116, "D6"),
        Field("document_number", 117, 126, "X"),
        Field("nosso_numero_again", 127, 134, "X"),
        Field("original_code", 135, 136, "X"),
        Field("reasons", 137, 146, "X"),
        Field("due_date", 147, 152, "D6"),
        Field("amount", 153, 165, "V"),
        Field("collecting_bank", 166, 168, "X"),
        Field("collecting_agency", 169, 173, "X"),
        Field("kind", 174, 175, "X"),
        Field("fee", 176, 188, "V"),
        Field("other_expenses", 189, 201, "V"),
        Field("late_interest", 202, 214, "V"),
        Field("iof", 215, 227, "V"),
        Field("rebate", 228, 240, "V"),
        Field("discount", 241, 253, "V"),
        Field("credited", 254, 266, "V"),  # valor total recebido
        Field("interest", 267, 279, "V"),
        Field("other_credits", 280, 292, "V"),
        Field("filler_2", 293, 295, "X"),
        Field("credit_date", 296, 301, "D6"),
        Field("filler_3", 302, 394, "X"),
        Field("number", 395, 400, "X"),
    ],
)

# Trailer (9).
TRAILER = Record(
    "Santander trailer",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("direction", 2, 2, "X"),
        Field("service", 3, 4, "X"),
        Field("bank", 5, 7, "X"),
        Field("totals", 8, 394, "X"),
        Field("number", 395, 400, "X"),
    ],
)

# Códigos de ocorrência (109-110).
MOVEMENTS = {
    "01": (OTHER, "Título não existe"),
    "02": (CONFIRMED, "Entrada título confirmada"),
    "03": (REJECTED, "Entrada título rejeitada"),
    "06": (SETTLED, "Liquidação"),
    "07": (SETTLED, "Liquidação por conta"),
    "08": (SETTLED, "Liquidação por saldo"),
    "09": (WRITTEN_OFF, "Baixa automática"),
    "10": (WRITTEN_OFF, "Título baixado conforme instrução"),
    "11": (OTHER, "Em ser"),
    "12": (OTHER, "Abatimento concedido"),
    "13": (OTHER, "Abatimento cancelado"),
    "14": (OTHER, "Prorrogação de vencimento"),
    "15": (OTHER, "Enviado para cartório"),
    "16": (OTHER, "Título já baixado/liquidado"),
    "17": (SETTLED, "Liquidado em cartório"),
    "21": (OTHER, "Entrada em cartório"),
    "22": (OTHER, "Retirado de cartório"),
    "24": (OTHER, "Custas de cartório"),
    "25": (OTHER, "Protestar título"),
    "26": (OTHER, "Sustar protesto"),
}


def santander_nosso_numero(fields: dict, line: int) -> str:
    number = digits(fields["nosso_numero"], line, "Santander nosso número")
    return number[:-1].zfill(12)


@reader("033", 400)
def read(lines: list[str]) -> ReturnFile:
    return cnab400.read(
        lines,
        bank="033",
        header=HEADER,
        details={"1": DETAIL},
        ignored=("2",),
        trailer=TRAILER,
        nosso_numero=santander_nosso_numero,
        movements=MOVEMENTS,
        reasons={},
    )
