"""Banco do Brasil (001), CNAB 400 retorno CBR643 (convênios of 7 digits): BB's "Leiaute de
Arquivo Retorno CBR643", positions as brcobranca's lib/brcobranca/retorno/cnab400/banco_brasil.rb
and retorno_cbr643.rb read them (0-based + 1). Details are of type 7; the nosso número (64-80)
is convênio (7) + sequence (10), ours as it is (models/billing/banks/banco_do_brasil.py).

BB's trailer totals are those of the whole carteira, not of the file (zeros in brcobranca's
CBR64310.RET, which has 26 details): not checked; the lines' numbering and the trailer's
presence are.
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
    "BB CBR643 header",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("direction", 2, 2, "X"),
        Field("literal", 3, 9, "X"),  # RETORNO
        Field("service", 10, 11, "X"),
        Field("service_name", 12, 19, "X"),
        blank(20, 26),
        Field("agency", 27, 30, "X"),
        Field("agency_dv", 31, 31, "X"),
        Field("account", 32, 39, "X"),
        Field("account_dv", 40, 40, "X"),
        Field("zeros", 41, 46, "X"),
        Field("company_name", 47, 76, "X"),
        Field("bank", 77, 94, "X"),  # 001BANCODOBRASIL
        Field("created_on", 95, 100, "D6"),
        Field("sequence", 101, 107, "X"),
        Field("filler", 108, 149, "X"),
        Field("agreement", 150, 156, "X"),
        Field("filler_2", 157, 394, "X"),
        Field("number", 395, 400, "X"),
    ],
)

# Detalhe (7).
DETAIL = Record(
    "BB CBR643 detail",
    400,
    [
        Field("record_type", 1, 1, "X"),
        Field("document_type", 2, 3, "X"),
        Field("document", 4, 17, "X"),
        Field("agency", 18, 21, "X"),
        Field("agency_dv", 22, 22, "X"),
        Field("account", 23, 30, "X"),
        Field("account_dv", 31, 31, "X"),
        Field("agreement", 32, 38, "X"),
        Field("company_use", 39, 63, "X"),
        Field("nosso_numero", 64, 80, "X"),
        Field("collection_type", 81, 81, "X"),
        Field("collection_type_72", 82, 82, "X"),
        Field("days", 83, 86, "X"),
        Field("reasons", 87, 88, "X"),  # natureza do recebimento; for comando 03, the motivo
        Field("prefix", 89, 91, "X"),
        Field("variation", 92, 94, "X"),
        Field("pledge_account", 95, 95, "X"),
        Field("discount_rate", 96, 100, "X"),
        Field("iof_rate", 101, 105, "X"),
        blank(106, 106),
        Field("wallet", 107, 108, "X"),
        Field("code", 109, 110, "X"),
        Field("occurred_on", 111, 116, "D6"),  # data de liquidação / do comando
        Field("document_number", 117, 126, "X"),
        Field("filler", 127, 146, "X"),
        Field("due_date", 147, 152, "D6"),
        Field("amount", 153, 165, "V"),
        Field("collecting_bank", 166, 168, "X"),
        Field("collecting_agency", 169, 173, "X"),
        Field("kind", 174, 175, "X"),
        Field("credit_date", 176, 181, "D6"),
        Field("fee", 182, 188, "V"),
        Field("other_expenses", 189, 201, "V"),
        Field("discount_interest", 202, 214, "V"),
        Field("iof", 215, 227, "V"),
        Field("rebate", 228, 240, "V"),
        Field("discount", 241, 253, "V"),
        Field("credited", 254, 266, "V"),  # valor recebido (lançado em conta)
        Field("interest", 267, 279, "V"),  # juros de mora e multa
        Field("other_credits", 280, 292, "V"),
        Field("unused_rebate", 293, 305, "V"),
        Field("entry_amount", 306, 318, "V"),
        Field("entry_sign", 319, 319, "X"),
        Field("value_sign", 320, 320, "X"),
        Field("adjustment", 321, 332, "V"),
        Field("filler_2", 333, 390, "X"),
        Field("partial", 391, 391, "X"),
        blank(392, 392),
        Field("channel", 393, 394, "X"),
        Field("number", 395, 400, "X"),
    ],
)

# Trailer (9).
TRAILER = Record(
    "BB CBR643 trailer",
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

# Comandos (109-110) of the CBR643 retorno.
MOVEMENTS = {
    "02": (CONFIRMED, "Confirmação de Entrada de Título"),
    "03": (REJECTED, "Comando recusado"),
    "05": (SETTLED, "Liquidado sem registro"),
    "06": (SETTLED, "Liquidação Normal"),
    "07": (SETTLED, "Liquidação por Conta"),
    "08": (SETTLED, "Liquidação por Saldo"),
    "09": (WRITTEN_OFF, "Baixa de Título"),
    "10": (WRITTEN_OFF, "Baixa Solicitada"),
    "11": (OTHER, "Títulos em Ser"),
    "12": (OTHER, "Abatimento Concedido"),
    "13": (OTHER, "Abatimento Cancelado"),
    "14": (OTHER, "Alteração de Vencimento do título"),
    "15": (SETTLED, "Liquidação em Cartório"),
    "16": (OTHER, "Confirmação de alteração de juros de mora"),
    "19": (OTHER, "Confirmação de recebimento de instruções para protesto"),
    "20": (OTHER, "Débito em Conta"),
    "21": (OTHER, "Alteração do Nome do Sacado"),
    "22": (OTHER, "Alteração do Endereço do Sacado"),
    "23": (OTHER, "Indicação de encaminhamento a cartório"),
    "24": (OTHER, "Sustar Protesto"),
    "25": (OTHER, "Dispensar Juros de mora"),
    "26": (OTHER, "Alteração do número do título dado pelo Cedente (Seu número)"),
    "28": (OTHER, "Manutenção de titulo vencido"),
    "31": (OTHER, "Conceder desconto"),
    "32": (OTHER, "Não conceder desconto"),
    "33": (OTHER, "Retificar desconto"),
    "34": (OTHER, "Alterar data para desconto"),
    "35": (OTHER, "Cobrar Multa"),
    "36": (OTHER, "Dispensar Multa"),
    "37": (OTHER, "Dispensar Indexador"),
    "38": (OTHER, "Dispensar prazo limite para recebimento"),
    "39": (OTHER, "Alterar prazo limite para recebimento"),
    "44": (OTHER, "Título pago com cheque devolvido"),
    "46": (OTHER, "Título pago com cheque, aguardando compensação"),
    "72": (OTHER, "Alteração de tipo de cobrança"),
    "96": (OTHER, "Despesas de Protesto"),
    "97": (OTHER, "Despesas de Sustação de Protesto"),
    "98": (OTHER, "Débito de Custas Antecipadas"),
}

# Motivos de recusa of comando 03 (positions 87-88), the first of BB's table.
REJECTION_REASONS = {
    "01": "identificação inválida",
    "02": "variação da carteira inválida",
    "03": "valor dos juros por um dia inválido",
    "04": "valor do desconto inválido",
    "05": "espécie de título inválida para carteira",
    "07": "prefixo da agência usuária inválido",
    "08": "valor do título/apólice inválido",
    "09": "data de vencimento inválida",
    "19": "código do cedente inválido",
    "21": "carteira inválida",
    "33": "nosso número já existente",
    "37": "data de emissão do título inválida",
    "38": "data do vencimento anterior à data da emissão do título",
    "63": "DV do nosso número inválido",
    "80": "nosso número inválido",
    "99": "outros motivos",
}


def bb_nosso_numero(fields: dict, line: int) -> str:
    number = digits(fields["nosso_numero"], line, "Banco do Brasil nosso número")
    if len(number) != 17:
        raise BadReturnFile(line, f"Banco do Brasil nosso número {number!r} is not 17 digits")
    return number


@reader("001", 400)
def read(lines: list[str]) -> ReturnFile:
    return cnab400.read(
        lines,
        bank="001",
        header=HEADER,
        details={"7": DETAIL},
        trailer=TRAILER,
        nosso_numero=bb_nosso_numero,
        movements=MOVEMENTS,
        reasons={"03": REJECTION_REASONS},
    )
