"""Bradesco (237), CNAB 400 retorno: Bradesco's "Layout Cobrança" (4008.524.0121), positions as
brcobranca's lib/brcobranca/retorno/cnab400/bradesco.rb reads them (0-based + 1). The nosso
número (71-82) is our 11 digits and its check digit (0-9 or P). The trailer's counts of
entradas (02), liquidações (06) and baixas (09/10) are checked.
"""

from models.billing.cnab.layout import Field, Record, blank
from models.billing.cnab.return_readers import cnab400
from models.billing.cnab.return_readers.febraban240 import digits
from models.billing.cnab.returns import (
    CONFIRMED,
    OTHER,
    REJECTED,
    SETTLED,
    WRITTEN_OFF,
    BadReturnFile,
    ReturnFile,
    reader,
)

# Header (0).
HEADER = Record(
    "Bradesco header",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("direction", 2, 2, "X"),
        Field("literal", 3, 9, "X"),
        Field("service", 10, 11, "X"),
        Field("service_name", 12, 26, "X"),
        Field("agreement", 27, 46, "X"),  # código da empresa
        Field("company_name", 47, 76, "X"),
        Field("bank", 77, 79, "X"),
        Field("bank_name", 80, 94, "X"),
        Field("created_on", 95, 100, "D6"),
        Field("density", 101, 108, "X"),
        Field("sequence", 109, 113, "X"),  # nº do aviso bancário
        blank(114, 379),
        Field("credit_date", 380, 385, "D6"),
        blank(386, 394),
        Field("number", 395, 400, "X"),
    ],
)

# Detalhe (1).
DETAIL = Record(
    "Bradesco detail",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("document_type", 2, 3, "X"),
        Field("document", 4, 17, "X"),
        Field("zeros", 18, 21, "X"),
        Field("wallet", 22, 24, "X"),
        Field("agency", 25, 29, "X"),
        Field("account", 30, 36, "X"),
        Field("account_dv", 37, 37, "X"),
        Field("company_use", 38, 62, "X"),
        Field("zeros_2", 63, 70, "X"),
        Field("nosso_numero", 71, 82, "X"),
        Field("bank_use", 83, 104, "X"),
        Field("apportionment", 105, 105, "X"),
        Field("partial_payment", 106, 107, "X"),
        Field("wallet_code", 108, 108, "X"),
        Field("code", 109, 110, "X"),
        Field("occurred_on", 111, 116, "D6"),
        Field("document_number", 117, 126, "X"),
        Field("bank_title", 127, 146, "X"),
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
        Field("paid", 254, 266, "V"),
        Field("interest", 267, 279, "V"),  # juros de mora
        Field("other_credits", 280, 292, "V"),
        blank(293, 294),
        Field("reason_code", 295, 295, "X"),
        Field("credit_date", 296, 301, "D6"),
        Field("payment_origin", 302, 304, "X"),
        blank(305, 314),
        Field("bradesco_check", 315, 318, "X"),
        Field("reasons", 319, 328, "X"),  # motivos das rejeições (5 x 2)
        blank(329, 368),
        Field("notary", 369, 370, "X"),
        Field("protocol", 371, 380, "X"),
        blank(381, 394),
        Field("number", 395, 400, "X"),
    ],
)

# Trailer (9).
TRAILER = Record(
    "Bradesco trailer",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("direction", 2, 2, "X"),
        Field("service", 3, 4, "X"),
        Field("bank", 5, 7, "X"),
        blank(8, 17),
        Field("portfolio_count", 18, 25, "X"),
        Field("portfolio_total", 26, 39, "X"),
        Field("notice", 40, 47, "X"),
        blank(48, 57),
        Field("confirmed_count", 58, 62, "9"),
        Field("confirmed_total", 63, 74, "V"),
        Field("settled_amount", 75, 86, "V"),
        Field("settled_count", 87, 91, "9"),
        Field("settled_total", 92, 103, "V"),
        Field("written_off_count", 104, 108, "9"),
        Field("written_off_total", 109, 120, "V"),
        Field("totals", 121, 394, "X"),
        Field("number", 395, 400, "X"),
    ],
)

# Códigos de ocorrência (109-110).
MOVEMENTS = {
    "02": (CONFIRMED, "Entrada Confirmada"),
    "03": (REJECTED, "Entrada Rejeitada"),
    "06": (SETTLED, "Liquidação normal"),
    "09": (WRITTEN_OFF, "Baixado Automat. via Arquivo"),
    "10": (WRITTEN_OFF, "Baixado conforme instruções da Agência"),
    "11": (OTHER, "Em Ser - Arquivo de Títulos pendentes"),
    "12": (OTHER, "Abatimento Concedido"),
    "13": (OTHER, "Abatimento Cancelado"),
    "14": (OTHER, "Vencimento Alterado"),
    "15": (SETTLED, "Liquidação em Cartório"),
    "16": (OTHER, "Título Pago em Cheque - Vinculado"),
    "17": (SETTLED, "Liquidação após baixa ou Título não registrado"),
    "18": (OTHER, "Acerto de Depositária"),
    "19": (OTHER, "Confirmação Receb. Inst. de Protesto"),
    "20": (OTHER, "Confirmação Recebimento Instrução Sustação de Protesto"),
    "21": (OTHER, "Acerto do Controle do Participante"),
    "22": (OTHER, "Título Com Pagamento Cancelado"),
    "23": (OTHER, "Entrada do Título em Cartório"),
    "24": (REJECTED, "Entrada rejeitada por CEP Irregular"),
    "27": (REJECTED, "Baixa Rejeitada"),
    "28": (OTHER, "Débito de tarifas/custas"),
    "29": (OTHER, "Ocorrências do Pagador"),
    "30": (REJECTED, "Alteração de Outros Dados Rejeitados"),
    "32": (REJECTED, "Instrução Rejeitada"),
    "33": (OTHER, "Confirmação Pedido Alteração Outros Dados"),
    "34": (OTHER, "Retirado de Cartório e Manutenção Carteira"),
    "35": (OTHER, "Desagendamento do débito automático"),
}


def bradesco_nosso_numero(fields: dict, line: int) -> str:
    number = str(fields["nosso_numero"])
    if len(number) != 12:
        raise BadReturnFile(line, f"Bradesco nosso número {number!r} is not 11 digits + DV")
    return digits(number[:11], line, "Bradesco nosso número")


def check_trailer(trailer: dict, occurrences: list, line: int) -> None:
    def count(*codes: str) -> int:
        return sum(o.code in codes for o in occurrences)

    cnab400.count_check("entradas confirmadas (02)", trailer["confirmed_count"], count("02"), line)
    cnab400.count_check("liquidações (06)", trailer["settled_count"], count("06"), line)
    cnab400.count_check("baixas (09, 10)", trailer["written_off_count"], count("09", "10"), line)


@reader("237", 400)
def read(lines: list[str]) -> ReturnFile:
    return cnab400.read(
        lines,
        bank="237",
        header=HEADER,
        details={"1": DETAIL},
        trailer=TRAILER,
        nosso_numero=bradesco_nosso_numero,
        movements=MOVEMENTS,
        reasons={},
        check_trailer=check_trailer,
        agency_account=lambda head: ("", "", str(head["agreement"])),
    )
