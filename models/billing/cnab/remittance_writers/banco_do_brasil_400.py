"""Banco do Brasil (001) CNAB 400 remessa, convênio of 7 digits (BB's CBR641 layout).

Records as brcobranca (commit 325e0ee) writes them, lib/brcobranca/remessa/cnab400/banco_brasil.rb
(positions of BB's "Doc2627CBR641Pos7"); checked byte for byte against
spec/fixtures/remessa/remessa-banco-brasil-cnab400.rem. The nosso número (64-80) is the
convênio's 17 digits (models/billing/banks/banco_do_brasil.py), no check digit. A multa adds a
registro 5, serviço 99 (banco_brasil.rb monta_detalhe_multa): código 1 a value, 2 a percentage.

Occurrences ("comando", 109-110): brcobranca writes the caller's code ("01" registro by
default) and lists none for BB; "02" baixa and "06" alteração de vencimento as the brief gives
them for CNAB 400. Alteração de valor has no code here: refused, as are protests (brcobranca
writes no protest instruction for BB).
"""

from models.billing.boleto_banks import bank_for
from models.billing.cnab.layout import Field, FieldValueError, Record, blank, zeros
from models.billing.cnab.remittance import (
    CANCEL,
    DUE_DATE,
    ENTRY,
    RemittanceFile,
    RemittanceItem,
    writer,
)
from models.billing.cnab.remittance_writers._cnab400 import (
    control_number,
    document_kind,
    occurrence_code,
    payer_fields,
    refuse,
)

BANK = "001"
OCCURRENCES = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06"}
FINE_IN_REAIS, FINE_PERCENT = "1", "2"
AGREEMENT_DIGITS = 7  # CBR641 is the layout of 7-digit convênios

# Header (registro 0): cnab400/base.rb monta_header with banco_brasil.rb info_conta/complemento.
HEADER = Record(
    "banco_do_brasil_400.header",
    400,
    [
        Field("record", 1, 1, "9", value="0"),
        Field("operation", 2, 2, "9", value="1"),
        Field("operation_name", 3, 9, value="REMESSA"),
        Field("service", 10, 11, "9", value="01"),
        Field("service_name", 12, 26, value="COBRANCA"),
        Field("agency", 27, 30, "9"),
        Field("agency_dv", 31, 31),
        Field("account", 32, 39, "9"),
        Field("account_dv", 40, 40),
        zeros(41, 46),
        Field("company_name", 47, 76),
        Field("bank", 77, 79, "9", value=BANK),
        Field("bank_name", 80, 94, value="BANCODOBRASIL"),
        Field("created", 95, 100, "D6"),
        Field("sequence", 101, 107, "9"),  # sequencial da remessa
        blank(108, 129),
        Field("leader_agreement", 130, 136, "9"),  # convênio líder (optional)
        blank(137, 394),
        Field("line", 395, 400, "9", value="1"),
    ],
)

# Detail (registro 7): banco_brasil.rb monta_detalhe.
DETAIL = Record(
    "banco_do_brasil_400.detail",
    400,
    [
        Field("record", 1, 1, "9", value="7"),
        Field("company_kind", 2, 3, "9"),
        Field("company_document", 4, 17, "9"),
        Field("agency", 18, 21, "9"),
        Field("agency_dv", 22, 22),
        Field("account", 23, 30, "9"),
        Field("account_dv", 31, 31),
        Field("agreement", 32, 38, "9"),
        blank(39, 63),  # controle do participante
        Field("nosso_numero", 64, 80, "9"),
        zeros(81, 84),  # número da prestação, grupo de valor
        blank(85, 91),  # mensagem/sacador, prefixo do título
        Field("variation", 92, 94, "9"),
        zeros(95, 101),  # conta caução, borderô
        Field("collection_kind", 102, 106),  # tipo de cobrança: blank is simples
        Field("wallet", 107, 108, "9"),
        Field("occurrence", 109, 110, "9"),
        Field("document_number", 111, 120, "9"),  # número atribuído pela empresa
        Field("due_date", 121, 126, "D6"),
        Field("amount", 127, 139, "V"),
        Field("bank", 140, 142, "9", value=BANK),
        zeros(143, 146),  # prefixo da agência cobradora
        blank(147, 147),
        Field("kind", 148, 149, "9", value="01"),  # espécie: duplicata mercantil
        Field("acceptance", 150, 150, value="N"),
        Field("issue_date", 151, 156, "D6"),
        zeros(157, 160),  # 1ª and 2ª instrução
        Field("interest_per_day", 161, 173, "V"),
        Field("discount_date", 174, 179, "D6"),
        Field("discount_amount", 180, 192, "V"),
        zeros(193, 218),  # IOF, abatimento
        Field("payer_kind", 219, 220, "9"),
        Field("payer_document", 221, 234, "9"),
        Field("payer_name", 235, 271),
        blank(272, 274),
        Field("payer_address", 275, 314),
        Field("payer_district", 315, 326),
        Field("payer_cep", 327, 334, "9"),
        Field("payer_city", 335, 349),
        Field("payer_state", 350, 351),
        blank(352, 391),  # sacador/avalista
        zeros(392, 393),  # dias para protesto
        blank(394, 394),
        Field("line", 395, 400, "9"),
    ],
)

# Multa (registro 5, serviço 99): banco_brasil.rb monta_detalhe_multa.
FINE = Record(
    "banco_do_brasil_400.fine",
    400,
    [
        Field("record", 1, 1, "9", value="5"),
        Field("service", 2, 3, "9", value="99"),
        Field("fine_code", 4, 4, "9"),
        zeros(5, 10),  # data de início da multa: none, after the due date
        Field("fine", 11, 22, "V"),
        blank(23, 394),
        Field("line", 395, 400, "9"),
    ],
)

TRAILER = Record(
    "banco_do_brasil_400.trailer",
    400,
    [Field("record", 1, 1, "9", value="9"), blank(2, 394), Field("line", 395, 400, "9")],
)


def _detail(remittance: RemittanceFile, item: RemittanceItem, line: int) -> str:
    beneficiary = remittance.beneficiary
    number = bank_for(BANK).nosso_numero_with_dv(item.nosso_numero, beneficiary.bank_account())
    return DETAIL.render(
        {
            "company_kind": document_kind(beneficiary.document),
            "company_document": beneficiary.document,
            "agency": beneficiary.agency,
            "agency_dv": beneficiary.agency_dv,
            "account": beneficiary.account,
            "account_dv": beneficiary.account_dv,
            "agreement": beneficiary.agreement,
            "nosso_numero": number,
            "variation": beneficiary.variation,
            "collection_kind": beneficiary.collection_kind,
            "wallet": beneficiary.wallet,
            "occurrence": occurrence_code(item, OCCURRENCES, "Banco do Brasil"),
            "document_number": control_number(item),
            "due_date": item.due_date,
            "amount": item.amount,
            "issue_date": item.issue_date,
            "interest_per_day": item.interest_per_day,
            "discount_date": item.discount_date,
            "discount_amount": item.discount_amount,
            **payer_fields(item),
            "line": line,
        }
    )


@writer(BANK, 400)
def write_banco_do_brasil_400(remittance: RemittanceFile) -> list[str]:
    beneficiary = remittance.beneficiary
    if len(beneficiary.agreement) != AGREEMENT_DIGITS:
        raise FieldValueError(
            f"Banco do Brasil CNAB 400: convênio {beneficiary.agreement!r} must have 7 digits"
        )
    lines = [
        HEADER.render(
            {
                "agency": beneficiary.agency,
                "agency_dv": beneficiary.agency_dv,
                "account": beneficiary.account,
                "account_dv": beneficiary.account_dv,
                "company_name": beneficiary.name,
                "created": remittance.created_at,
                "sequence": remittance.sequence,
                "leader_agreement": beneficiary.leader_agreement,
            }
        )
    ]
    for item in remittance.items:
        refuse(item, "Banco do Brasil", fine_amount=True)
        lines.append(_detail(remittance, item, len(lines) + 1))
        if item.fine_amount or item.fine_percent:
            lines.append(
                FINE.render(
                    {
                        "fine_code": FINE_IN_REAIS if item.fine_amount else FINE_PERCENT,
                        "fine": item.fine_amount or item.fine_percent,
                        "line": len(lines) + 1,
                    }
                )
            )
    lines.append(TRAILER.render({"line": len(lines) + 1}))
    return lines
