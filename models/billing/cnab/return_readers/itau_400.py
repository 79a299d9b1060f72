"""Itaú (341), CNAB 400 retorno: Itaú's "Cobrança CNAB 400" layout, positions as brcobranca's
lib/brcobranca/retorno/cnab400/itau.rb reads them (0-based + 1). The nosso número (63-70) is
our 8 digits, its DAC apart (94). The trailer's detail count (213-220) and total (221-234) are
checked.
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
    ReturnFile,
    reader,
)

# Header (0).
HEADER = Record(
    "Itaú header",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("direction", 2, 2, "X"),
        Field("literal", 3, 9, "X"),
        Field("service", 10, 11, "X"),
        Field("service_name", 12, 26, "X"),
        Field("agency", 27, 30, "X"),
        Field("zeros", 31, 32, "X"),
        Field("account", 33, 37, "X"),
        Field("account_dv", 38, 38, "X"),
        blank(39, 46),
        Field("company_name", 47, 76, "X"),
        Field("bank", 77, 79, "X"),
        Field("bank_name", 80, 94, "X"),
        Field("created_on", 95, 100, "D6"),
        Field("density", 101, 105, "X"),
        Field("density_unit", 106, 108, "X"),
        Field("sequence", 109, 113, "X"),
        Field("credit_date", 114, 119, "D6"),
        blank(120, 394),
        Field("number", 395, 400, "X"),
    ],
)

# Detalhe (1).
DETAIL = Record(
    "Itaú detail",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("document_type", 2, 3, "X"),
        Field("document", 4, 17, "X"),
        Field("agency", 18, 21, "X"),
        Field("zeros", 22, 23, "X"),
        Field("account", 24, 28, "X"),
        Field("account_dv", 29, 29, "X"),
        Field("filler", 30, 37, "X"),
        Field("company_use", 38, 62, "X"),
        Field("nosso_numero", 63, 70, "X"),
        Field("filler_2", 71, 82, "X"),
        Field("wallet", 83, 85, "X"),
        Field("nosso_numero_again", 86, 93, "X"),
        Field("nosso_numero_dac", 94, 94, "X"),
        Field("filler_3", 95, 107, "X"),
        Field("wallet_code", 108, 108, "X"),
        Field("code", 109, 110, "X"),
        Field("occurred_on", 111, 116, "D6"),
        Field("document_number", 117, 126, "X"),
        Field("nosso_numero_confirmed", 127, 134, "X"),
        Field("filler_4", 135, 146, "X"),
        Field("due_date", 147, 152, "D6"),
        Field("amount", 153, 165, "V"),
        Field("collecting_bank", 166, 168, "X"),
        Field("collecting_agency", 169, 173, "X"),
        Field("kind", 174, 175, "X"),
        Field("fee", 176, 188, "V"),
        Field("filler_5", 189, 214, "X"),
        Field("iof", 215, 227, "V"),
        Field("rebate", 228, 240, "V"),
        Field("discount", 241, 253, "V"),
        Field("credited", 254, 266, "V"),  # valor principal (lançado em conta)
        Field("interest", 267, 279, "V"),  # juros de mora e multa
        Field("other_credits", 280, 292, "V"),
        Field("dda", 293, 293, "X"),
        Field("filler_6", 294, 295, "X"),
        Field("credit_date", 296, 301, "D6"),
        Field("cancelled_instruction", 302, 305, "X"),
        Field("filler_7", 306, 324, "X"),
        Field("payer_name", 325, 354, "X"),
        Field("filler_8", 355, 377, "X"),
        Field("reasons", 378, 385, "X"),  # erros / mensagem informativa
        Field("filler_9", 386, 392, "X"),
        Field("channel", 393, 394, "X"),
        Field("number", 395, 400, "X"),
    ],
)

# Trailer (9).
TRAILER = Record(
    "Itaú trailer",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("direction", 2, 2, "X"),
        Field("service", 3, 4, "X"),
        Field("bank", 5, 7, "X"),
        blank(8, 17),
        Field("simple_count", 18, 25, "X"),
        Field("simple_total", 26, 39, "X"),
        Field("simple_notice", 40, 47, "X"),
        Field("filler", 48, 207, "X"),
        Field("file_control", 208, 212, "X"),
        Field("details", 213, 220, "9"),
        Field("total", 221, 234, "V"),
        blank(235, 394),
        Field("number", 395, 400, "X"),
    ],
)

# Códigos de ocorrência (109-110).
MOVEMENTS = {
    "02": (CONFIRMED, "Entrada confirmada"),
    "03": (REJECTED, "Entrada rejeitada"),
    "04": (OTHER, "Alteração de dados - nova entrada ou alteração/exclusão de dados acatada"),
    "05": (OTHER, "Alteração de dados - baixa"),
    "06": (SETTLED, "Liquidação normal"),
    "07": (SETTLED, "Liquidação parcial - cobrança inteligente (B2B)"),
    "08": (SETTLED, "Liquidação em cartório"),
    "09": (WRITTEN_OFF, "Baixa simples"),
    "10": (WRITTEN_OFF, "Baixa por ter sido liquidado"),
    "11": (OTHER, "Em ser (só no retorno mensal)"),
    "12": (OTHER, "Abatimento concedido"),
    "13": (OTHER, "Abatimento cancelado"),
    "14": (OTHER, "Vencimento alterado"),
    "15": (REJECTED, "Baixas rejeitadas"),
    "16": (REJECTED, "Instruções rejeitadas"),
    "17": (REJECTED, "Alteração/exclusão de dados rejeitados"),
    "18": (REJECTED, "Cobrança contratual - instruções/alterações rejeitadas/pendentes"),
    "19": (OTHER, "Confirma recebimento de instrução de protesto"),
    "20": (OTHER, "Confirma recebimento de instrução de sustação de protesto/tarifa"),
    "21": (OTHER, "Confirma recebimento de instrução de não protestar"),
    "23": (OTHER, "Título enviado a cartório/tarifa"),
    "24": (REJECTED, "Instrução de protesto rejeitada/sustada/pendente"),
    "25": (OTHER, "Alegações do pagador"),
    "26": (OTHER, "Tarifa de aviso de cobrança"),
    "27": (OTHER, "Tarifa de extrato posição (B40X)"),
    "28": (OTHER, "Tarifa de relação das liquidações"),
    "29": (OTHER, "Tarifa de manutenção de títulos vencidos"),
    "30": (OTHER, "Débito mensal de tarifas (para entradas e baixas)"),
    "32": (WRITTEN_OFF, "Baixa por ter sido protestado"),
    "33": (OTHER, "Custas de protesto"),
    "34": (OTHER, "Custas de sustação"),
    "35": (OTHER, "Custas de cartório distribuidor"),
    "36": (OTHER, "Custas de edital"),
    "57": (OTHER, "Instrução cancelada"),
}


def itau_nosso_numero(fields: dict, line: int) -> str:
    return digits(fields["nosso_numero"], line, "Itaú nosso número").zfill(8)


def check_trailer(trailer: dict, occurrences: list, line: int) -> None:
    cnab400.count_check("details", trailer["details"], len(occurrences), line)
    cnab400.total_check("total", trailer["total"], sum(o.amount for o in occurrences), line)


@reader("341", 400)
def read(lines: list[str]) -> ReturnFile:
    return cnab400.read(
        lines,
        bank="341",
        header=HEADER,
        details={"1": DETAIL},
        trailer=TRAILER,
        nosso_numero=itau_nosso_numero,
        movements=MOVEMENTS,
        reasons={},
        check_trailer=check_trailer,
    )
