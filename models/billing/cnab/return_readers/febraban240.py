"""FEBRABAN's CNAB 240 retorno de cobrança, declared once for the banks that follow it.

Records as FEBRABAN's "Layout Padrão CNAB 240" (v10) numbers them, the positions brcobranca's
lib/brcobranca/retorno/retorno_cnab240.rb reads (its 0-based ranges + 1). A bank's module
(`<bank>_240.py`) registers the reader: it passes its segment T (only positions 18-57, the
account and the nosso número, differ between banks) and how its nosso número field becomes the
digits `models/billing/banks/<bank>.py` numbers boletos by. This module registers nothing.

Movement codes: FEBRABAN's table C044; motive codes: table C047, whose meaning depends on the
movement (A: rejections, for 02, 03, 26, 30; B: tarifas, for 28; C: liquidação and baixa, for
06, 09, 17).
"""

from collections.abc import Callable, Sequence
from datetime import date

from models.billing.cnab.layout import Field, FieldValueError, Record, blank, zeros
from models.billing.cnab.returns import (
    CONFIRMED,
    OTHER,
    REJECTED,
    SETTLED,
    WRITTEN_OFF,
    BadReturnFile,
    ReturnFile,
    ReturnOccurrence,
)

# What every line starts with: enough to know which record it is (FEBRABAN G001-G003, G039).
LINE_KIND = Record(
    "line",
    240,
    [
        Field("bank", 1, 3, "9"),
        Field("batch", 4, 7, "9"),
        Field("record_type", 8, 8, "9"),  # 0 file header, 1 batch header, 3 detail, 5/9 trailers
        Field("number", 9, 13, "X"),  # a detail's number within the batch
        Field("segment", 14, 14, "X"),
        Field("rest", 15, 240, "X"),
    ],
)

# Header de arquivo (registro 0).
FILE_HEADER = Record(
    "file header",
    240,
    [
        Field("bank", 1, 3, "9"),
        zeros(4, 7),
        Field("record_type", 8, 8, "9"),
        blank(9, 17),
        Field("document_type", 18, 18, "9"),
        Field("document", 19, 32, "9"),
        Field("agreement", 33, 52, "X"),
        Field("agency", 53, 57, "9"),
        Field("agency_dv", 58, 58, "X"),
        Field("account", 59, 70, "9"),
        Field("account_dv", 71, 71, "X"),
        Field("agency_account_dv", 72, 72, "X"),
        Field("company_name", 73, 102, "X"),
        Field("bank_name", 103, 132, "X"),
        blank(133, 142),
        Field("direction", 143, 143, "9"),  # 1 remessa, 2 retorno
        Field("created_on", 144, 151, "D8"),
        Field("created_at", 152, 157, "9"),
        Field("sequence", 158, 163, "9"),
        Field("layout_version", 164, 166, "X"),
        Field("density", 167, 171, "X"),
        Field("bank_reserved", 172, 191, "X"),
        Field("company_reserved", 192, 211, "X"),
        blank(212, 240),
    ],
)

# Trailer de lote (registro 5), cobrança.
BATCH_TRAILER = Record(
    "batch trailer",
    240,
    [
        Field("bank", 1, 3, "9"),
        Field("batch", 4, 7, "9"),
        Field("record_type", 8, 8, "9"),
        blank(9, 17),
        Field("records", 18, 23, "9"),  # the batch's lines, its header and trailer included
        Field("simple_count", 24, 29, "9"),
        Field("simple_total", 30, 46, "V"),
        Field("linked_count", 47, 52, "9"),
        Field("linked_total", 53, 69, "V"),
        Field("pledged_count", 70, 75, "9"),
        Field("pledged_total", 76, 92, "V"),
        Field("discounted_count", 93, 98, "9"),
        Field("discounted_total", 99, 115, "V"),
        Field("notice", 116, 123, "X"),
        blank(124, 240),
    ],
)

# Trailer de arquivo (registro 9).
FILE_TRAILER = Record(
    "file trailer",
    240,
    [
        Field("bank", 1, 3, "9"),
        Field("batch", 4, 7, "9"),  # 9999
        Field("record_type", 8, 8, "9"),
        blank(9, 17),
        Field("batches", 18, 23, "9"),
        Field("records", 24, 29, "9"),  # every line of the file
        Field("accounts", 30, 35, "X"),
        blank(36, 240),
    ],
)

# Segment T positions 18-57 as FEBRABAN has them: agência, conta, DVs and nosso número (20).
T_ACCOUNT = (
    Field("agency", 18, 22, "9"),
    Field("agency_dv", 23, 23, "X"),
    Field("account", 24, 35, "9"),
    Field("account_dv", 36, 36, "X"),
    Field("agency_account_dv", 37, 37, "X"),
    Field("nosso_numero", 38, 57, "X"),
)


def segment_t(account_fields: Sequence[Field] = T_ACCOUNT, name: str = "segment T") -> Record:
    """Segmento T (retorno): the título, its amount and the bank's tarifa and motives; a bank
    whose positions 18-57 differ passes its own `account_fields` (they must cover 18-57)."""
    return Record(
        name,
        240,
        [
            Field("bank", 1, 3, "9"),
            Field("batch", 4, 7, "9"),
            Field("record_type", 8, 8, "9"),
            Field("number", 9, 13, "9"),
            Field("segment", 14, 14, "X"),
            blank(15, 15),
            Field("code", 16, 17, "X"),
            *account_fields,
            Field("wallet", 58, 58, "X"),
            Field("document_number", 59, 73, "X"),
            Field("due_date", 74, 81, "D8"),
            Field("amount", 82, 96, "V"),
            Field("collecting_bank", 97, 99, "X"),
            Field("collecting_agency", 100, 104, "X"),
            Field("collecting_agency_dv", 105, 105, "X"),
            Field("company_use", 106, 130, "X"),
            Field("currency", 131, 132, "X"),
            Field("payer_document_type", 133, 133, "X"),
            Field("payer_document", 134, 148, "X"),
            Field("payer_name", 149, 188, "X"),
            Field("credit_contract", 189, 198, "X"),
            Field("fee", 199, 213, "V"),
            Field("reasons", 214, 223, "X"),
            blank(224, 240),
        ],
    )


SEGMENT_T = segment_t()

# Segmento U (retorno): what was paid and credited, and when.
SEGMENT_U = Record(
    "segment U",
    240,
    [
        Field("bank", 1, 3, "9"),
        Field("batch", 4, 7, "9"),
        Field("record_type", 8, 8, "9"),
        Field("number", 9, 13, "9"),
        Field("segment", 14, 14, "X"),
        blank(15, 15),
        Field("code", 16, 17, "X"),
        Field("interest", 18, 32, "V"),  # juros, multa e encargos
        Field("discount", 33, 47, "V"),
        Field("rebate", 48, 62, "V"),
        Field("iof", 63, 77, "V"),
        Field("paid", 78, 92, "V"),
        Field("credited", 93, 107, "V"),
        Field("other_expenses", 108, 122, "V"),
        Field("other_credits", 123, 137, "V"),
        Field("occurred_on", 138, 145, "D8"),
        Field("credit_date", 146, 153, "D8"),
        Field("payer_occurrence", 154, 157, "X"),
        Field("payer_occurrence_date", 158, 165, "X"),
        Field("payer_occurrence_amount", 166, 180, "X"),
        Field("payer_occurrence_text", 181, 210, "X"),
        Field("correspondent_bank", 211, 213, "X"),
        Field("correspondent_nosso_numero", 214, 233, "X"),
        blank(234, 240),
    ],
)

# FEBRABAN C044: código de movimento retorno -> (our kind, the manual's words).
MOVEMENTS = {
    "02": (CONFIRMED, "Entrada Confirmada"),
    "03": (REJECTED, "Entrada Rejeitada"),
    "04": (OTHER, "Transferência de Carteira/Entrada"),
    "05": (OTHER, "Transferência de Carteira/Baixa"),
    "06": (SETTLED, "Liquidação"),
    "07": (OTHER, "Confirmação do Recebimento da Instrução de Desconto"),
    "08": (OTHER, "Confirmação do Recebimento do Cancelamento do Desconto"),
    "09": (WRITTEN_OFF, "Baixa"),
    "11": (OTHER, "Títulos em Carteira (Em Ser)"),
    "12": (OTHER, "Confirmação Recebimento Instrução de Abatimento"),
    "13": (OTHER, "Confirmação Recebimento Instrução de Cancelamento Abatimento"),
    "14": (OTHER, "Confirmação Recebimento Instrução Alteração de Vencimento"),
    "15": (OTHER, "Franco de Pagamento"),
    "17": (SETTLED, "Liquidação Após Baixa ou Liquidação Título Não Registrado"),
    "19": (OTHER, "Confirmação Recebimento Instrução de Protesto"),
    "20": (OTHER, "Confirmação Recebimento Instrução de Sustação/Cancelamento de Protesto"),
    "23": (OTHER, "Remessa a Cartório (Aponte em Cartório)"),
    "24": (OTHER, "Retirada de Cartório e Manutenção em Carteira"),
    "25": (WRITTEN_OFF, "Protestado e Baixado (Baixa por Ter Sido Protestado)"),
    "26": (REJECTED, "Instrução Rejeitada"),
    "27": (OTHER, "Confirmação do Pedido de Alteração de Outros Dados"),
    "28": (OTHER, "Débito de Tarifas/Custas"),
    "29": (OTHER, "Ocorrências do Pagador"),
    "30": (REJECTED, "Alteração de Dados Rejeitada"),
    "33": (OTHER, "Confirmação da Alteração dos Dados do Rateio de Crédito"),
    "34": (OTHER, "Confirmação do Cancelamento dos Dados do Rateio de Crédito"),
    "35": (OTHER, "Confirmação do Desagendamento do Débito Automático"),
    "36": (OTHER, "Confirmação de envio de e-mail/SMS"),
    "37": (OTHER, "Envio de e-mail/SMS rejeitado"),
    "38": (OTHER, "Confirmação de alteração do Prazo Limite de Recebimento"),
    "39": (OTHER, "Confirmação de Dispensa de Prazo Limite de Recebimento"),
    "40": (OTHER, "Confirmação da alteração do número do título dado pelo Beneficiário"),
    "41": (OTHER, "Confirmação da alteração do número controle do Participante"),
    "42": (OTHER, "Confirmação da alteração dos dados do Pagador"),
    "43": (OTHER, "Confirmação da alteração dos dados do Sacador/Avalista"),
    "44": (OTHER, "Título pago com cheque devolvido"),
    "45": (OTHER, "Título pago com cheque compensado"),
    "46": (OTHER, "Instrução para cancelar protesto confirmada"),
    "47": (OTHER, "Instrução para protesto para fins falimentares confirmada"),
    "48": (OTHER, "Confirmação de instrução de transferência de carteira/modalidade de cobrança"),
    "49": (OTHER, "Alteração de contrato de cobrança"),
    "50": (OTHER, "Título pago com cheque pendente de liquidação"),
    "51": (OTHER, "Título DDA reconhecido pelo pagador"),
    "52": (OTHER, "Título DDA não reconhecido pelo pagador"),
    "53": (OTHER, "Título DDA recusado pela CIP"),
}

# C047 A: motivos de rejeição (movements 02, 03, 26, 30).
REJECTION_REASONS = {
    "01": "Código do Banco Inválido",
    "02": "Código do Registro Detalhe Inválido",
    "03": "Código do Segmento Inválido",
    "04": "Código de Movimento Não Permitido para Carteira",
    "05": "Código de Movimento Inválido",
    "06": "Tipo/Número de Inscrição do Beneficiário Inválidos",
    "07": "Agência/Conta/DV Inválido",
    "08": "Nosso Número Inválido",
    "09": "Nosso Número Duplicado",
    "10": "Carteira Inválida",
    "11": "Forma de Cadastramento do Título Inválido",
    "12": "Tipo de Documento Inválido",
    "13": "Identificação da Emissão do Boleto de Pagamento Inválida",
    "14": "Identificação da Distribuição do Boleto de Pagamento Inválida",
    "15": "Características da Cobrança Incompatíveis",
    "16": "Data de Vencimento Inválida",
    "17": "Data de Vencimento Anterior a Data de Emissão",
    "18": "Vencimento Fora do Prazo de Operação",
    "19": "Título a Cargo de Bancos Correspondentes com Vencimento Inferior a XX Dias",
    "20": "Valor do Título Inválido",
    "21": "Espécie do Título Inválida",
    "22": "Espécie do Título Não Permitida para a Carteira",
    "23": "Aceite Inválido",
    "24": "Data da Emissão Inválida",
    "25": "Data da Emissão Posterior a Data de Entrada",
    "26": "Código de Juros de Mora Inválido",
    "27": "Valor/Taxa de Juros de Mora Inválido",
    "28": "Código do Desconto Inválido",
    "29": "Valor do Desconto Maior ou Igual ao Valor do Título",
    "30": "Desconto a Conceder Não Confere",
    "31": "Concessão de Desconto - Já Existe Desconto Anterior",
    "32": "Valor do IOF Inválido",
    "33": "Valor do Abatimento Inválido",
    "34": "Valor do Abatimento Maior ou Igual ao Valor do Título",
    "35": "Valor a Conceder Não Confere",
    "36": "Concessão de Abatimento - Já Existe Abatimento Anterior",
    "37": "Código para Protesto Inválido",
    "38": "Prazo para Protesto Inválido",
    "39": "Pedido de Protesto Não Permitido para o Título",
    "40": "Título com Ordem de Protesto Emitida",
    "41": "Pedido de Cancelamento/Sustação para Títulos sem Instrução de Protesto",
    "42": "Código para Baixa/Devolução Inválido",
    "43": "Prazo para Baixa/Devolução Inválido",
    "44": "Código da Moeda Inválido",
    "45": "Nome do Pagador Não Informado",
    "46": "Tipo/Número de Inscrição do Pagador Inválidos",
    "47": "Endereço do Pagador Não Informado",
    "48": "CEP Inválido",
    "49": "CEP Sem Praça de Cobrança (Não Localizada)",
    "50": "CEP Referente a um Banco Correspondente",
    "51": "CEP incompatível com a Unidade da Federação",
    "52": "Unidade da Federação Inválida",
    "53": "Tipo/Número de Inscrição do Sacador/Avalista Inválidos",
    "54": "Sacador/Avalista Não Informado",
    "55": "Nosso número no Banco Correspondente Não Informado",
    "56": "Código do Banco Correspondente Não Informado",
    "57": "Código da Multa Inválido",
    "58": "Data da Multa Inválida",
    "59": "Valor/Percentual da Multa Inválido",
    "60": "Movimento para Título Não Cadastrado",
    "61": "Alteração da Agência Cobradora/DV Inválida",
    "62": "Tipo de Impressão Inválido",
    "63": "Entrada para Título já Cadastrado",
    "64": "Número da Linha Inválido",
    "79": "Data Juros de Mora Inválido",
    "80": "Data do Desconto Inválida",
    "86": "Seu Número Inválido",
    "A4": "Pagador DDA",
}

# C047 B: tarifas e custas (movement 28).
FEE_REASONS = {
    "01": "Tarifa de Extrato de Posição",
    "02": "Tarifa de Manutenção de Título Vencido",
    "03": "Tarifa de Sustação",
    "04": "Tarifa de Protesto",
    "05": "Tarifa de Outras Instruções",
    "06": "Tarifa de Outras Ocorrências",
    "07": "Tarifa de Envio de Duplicata ao Pagador",
    "08": "Custas de Protesto",
    "09": "Custas de Sustação de Protesto",
    "10": "Custas de Cartório Distribuidor",
    "11": "Custas de Edital",
    "12": "Tarifa Sobre Devolução de Título Vencido",
    "13": "Tarifa Sobre Registro Cobrada na Baixa/Liquidação",
    "14": "Tarifa Sobre Reapresentação Automática",
    "15": "Tarifa Sobre Rateio de Crédito",
    "16": "Tarifa Sobre Informações Via Fax",
    "17": "Tarifa Sobre Prorrogação de Vencimento",
    "18": "Tarifa Sobre Alteração de Abatimento/Desconto",
    "19": "Tarifa Sobre Arquivo mensal (Em Ser)",
    "20": "Tarifa Sobre Emissão de Bloqueto Pré-Emitido pelo Banco",
}

# C047 C: formas de liquidação e motivos de baixa (movements 06, 09, 17).
SETTLEMENT_REASONS = {
    "01": "Por Saldo",
    "02": "Por Conta",
    "03": "Liquidação no Guichê de Caixa em Dinheiro",
    "04": "Compensação Eletrônica",
    "05": "Compensação Convencional",
    "06": "Por Meio Eletrônico",
    "07": "Após Feriado Local",
    "08": "Em Cartório",
    "09": "Comandada Banco",
    "10": "Comandada Cliente Arquivo",
    "11": "Comandada Cliente On-line",
    "12": "Decurso Prazo - Cliente",
    "13": "Decurso Prazo - Banco",
    "14": "Protestado",
    "15": "Título Excluído",
    "30": "Liquidação no Guichê de Caixa em Cheque",
    "31": "Liquidação em banco correspondente",
    "32": "Liquidação Terminal de Auto-Atendimento",
    "33": "Liquidação na Internet (Home banking)",
    "34": "Liquidado Office Banking",
    "35": "Liquidado Correspondente em Dinheiro",
    "36": "Liquidado Correspondente em Cheque",
    "37": "Liquidado por meio de Central de Atendimento (Telefone)",
}

REASON_TABLES = {
    **dict.fromkeys(("02", "03", "26", "30"), REJECTION_REASONS),
    "28": FEE_REASONS,
    **dict.fromkeys(("06", "09", "17"), SETTLEMENT_REASONS),
}


def reason_codes(field: str, size: int = 2) -> list[str]:
    """The motive codes of a motives field: pairs (or `size`-long codes), blanks and zeros
    left out (brcobranca's `scan(/.{2}/).reject(&:blank?).reject { '00' }`)."""
    codes = [field[i : i + size] for i in range(0, len(field), size)]
    return [c for c in codes if c.strip() and c.strip("0")]


def describe_reasons(code: str, field: str, tables: dict = REASON_TABLES) -> tuple[str, ...]:
    """Each motive as "NN - words"; a code the table does not know keeps its number."""
    table = tables.get(code, {})
    return tuple(
        f"{c} - {table[c]}" if c in table else f"{c} - motivo não descrito no leiaute"
        for c in reason_codes(field)
    )


def movement(code: str, movements: dict = MOVEMENTS) -> tuple[str, str]:
    return movements.get(code, (OTHER, f"Código de movimento {code}"))


def parse_line(record: Record, line: str, number: int) -> dict[str, object]:
    """`record.parse(line)`, a value the record cannot read being the file's fault."""
    try:
        return record.parse(line)
    except FieldValueError as error:
        raise BadReturnFile(number, str(error)) from None


NossoNumero = Callable[[dict[str, object], int], str]


def read(
    lines: list[str],
    *,
    nosso_numero: NossoNumero,
    t_record: Record = SEGMENT_T,
    header: Record = FILE_HEADER,
    agreement: Callable[[dict[str, object]], str] = lambda h: str(h["agreement"]),
    check_batch_count: bool = True,
    movements: dict = MOVEMENTS,
    reasons: dict = REASON_TABLES,
) -> ReturnFile:
    """A CNAB 240 retorno: one file header, batches of segments T and U (each T followed by its
    U), each batch closed by its trailer, then the file trailer; the trailers' counts checked.

    `nosso_numero(t, line)` turns segment T's fields into our nosso número (no check digit).
    """
    head = parse_line(header, lines[0], 1)
    if head["direction"] != "2":
        raise BadReturnFile(1, "not a retorno (file header position 143 is not 2)")
    occurrences: list[ReturnOccurrence] = []
    batches, batch_start, pending = 0, None, None
    for number, line in enumerate(lines[1:], 2):
        kind = parse_line(LINE_KIND, line, number)
        record_type = kind["record_type"]
        if record_type == "1":
            batch_start, batches = number, batches + 1
        elif record_type == "3":
            if batch_start is None:
                raise BadReturnFile(number, "a detail outside a batch")
            if kind["segment"] == "T":
                if pending:
                    raise BadReturnFile(pending[1], "segment T without its segment U")
                pending = (parse_line(t_record, line, number), number)
            elif kind["segment"] == "U":
                if not pending:
                    raise BadReturnFile(number, "segment U without a segment T before it")
                t, t_line = pending
                u = parse_line(SEGMENT_U, line, number)
                occurrences.append(_occurrence(t, u, t_line, nosso_numero, movements, reasons))
                pending = None
        elif record_type == "5":
            if batch_start is None:
                raise BadReturnFile(number, "a batch trailer without its header")
            if pending:
                raise BadReturnFile(pending[1], "segment T without its segment U")
            trailer = parse_line(BATCH_TRAILER, line, number)
            lines_in_batch = number - batch_start + 1
            if check_batch_count and int(trailer["records"] or 0) != lines_in_batch:
                raise BadReturnFile(
                    number,
                    f"the batch trailer counts {int(trailer['records'] or 0)} lines,"
                    f" the batch has {lines_in_batch}",
                )
            batch_start = None
        elif record_type == "9":
            trailer = parse_line(FILE_TRAILER, line, number)
            if number != len(lines):
                raise BadReturnFile(number + 1, "lines after the file trailer")
            if batch_start is not None:
                raise BadReturnFile(number, "the last batch has no trailer")
            if int(trailer["records"] or 0) != len(lines):
                raise BadReturnFile(
                    number,
                    f"the file trailer counts {int(trailer['records'] or 0)} lines,"
                    f" the file has {len(lines)}",
                )
            if int(trailer["batches"] or 0) != batches:
                raise BadReturnFile(
                    number,
                    f"the file trailer counts {int(trailer['batches'] or 0)} batches,"
                    f" the file has {batches}",
                )
            return ReturnFile(
                bank=str(head["bank"]),
                layout=240,
                agency=str(head["agency"]).lstrip("0") or "0",
                account=str(head["account"]).lstrip("0") or "0",
                agreement=agreement(head),
                created_on=head["created_on"] if isinstance(head["created_on"], date) else None,
                sequence=int(head["sequence"]) if head["sequence"] else None,
                occurrences=tuple(occurrences),
            )
        else:
            raise BadReturnFile(number, f"record type {record_type!r} unknown in CNAB 240")
    raise BadReturnFile(len(lines), "the file ends without its trailer (truncated?)")


def _occurrence(t, u, line, nosso_numero, movements, reasons) -> ReturnOccurrence:
    code = str(t["code"])
    kind, description = movement(code, movements)
    return ReturnOccurrence(
        line=line,
        nosso_numero=nosso_numero(t, line),
        code=code,
        kind=kind,
        description=description,
        reasons=describe_reasons(code, str(t["reasons"]), reasons),
        document_number=str(t["document_number"]),
        amount=t["amount"],
        paid=u["paid"],
        interest=u["interest"],
        discount=u["discount"],
        rebate=u["rebate"],
        fee=t["fee"],
        credited=u["credited"],
        occurred_on=u["occurred_on"],
        credit_date=u["credit_date"],
    )


def digits(value: object, line: int, what: str) -> str:
    """`value` stripped, which must be all digits (a nosso número)."""
    text = str(value).strip()
    if not (text.isdigit() and text.isascii()):
        raise BadReturnFile(line, f"{what} {text!r} is not a number")
    return text
