"""Santander (033) CNAB 400 remessa.

Records as brcobranca (commit 325e0ee) writes them, lib/brcobranca/remessa/cnab400/santander.rb
(positions of Santander's CNAB 400 manual, version 058); checked against
spec/fixtures/remessa/remessa-santander-cnab400.rem byte for byte but for the nosso número
(63-70): brcobranca writes the caller's number as given, we write ours with its check digit
(7 digits + DV, the bank's boleto rule in models/billing/banks/santander.py).

Occurrences (109-110), from santander.rb's list: 01 entrada de título, 02 baixa de título,
06 prorrogação de vencimento. The list has no alteração de valor: refused. Instrução 06
protestar takes its days in 392-393 (santander.rb); multa código 4 com multa, 0 sem multa.
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

BANK = "033"
OCCURRENCES = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06"}
NO_FINE, FINE = "0", "4"
PROTEST = "06"
# Código da carteira (108): brcobranca's default, 1 = eletrônica com registro.
WALLET_CODE = "1"
LONG_ACCOUNT = 8  # an account of more digits ends in 384-385 (santander.rb conta_padrao_novo?)

# Header (registro 0): santander.rb monta_header.
HEADER = Record(
    "santander_400.header",
    400,
    [
        Field("record", 1, 1, "9", value="0"),
        Field("operation", 2, 2, "9", value="1"),
        Field("operation_name", 3, 9, value="REMESSA"),
        Field("service", 10, 11, "9", value="01"),
        Field("service_name", 12, 26, value="COBRANCA"),
        Field("transmission_code", 27, 46, "9"),
        Field("company_name", 47, 76),
        Field("bank", 77, 79, "9", value=BANK),
        Field("bank_name", 80, 94, value="SANTANDER"),
        Field("created", 95, 100, "D6"),
        zeros(101, 116),
        blank(117, 391),
        Field("version", 392, 394, "9", value="058"),
        Field("line", 395, 400, "9", value="1"),
    ],
)

# Detail (registro 1): santander.rb monta_detalhe.
DETAIL = Record(
    "santander_400.detail",
    400,
    [
        Field("record", 1, 1, "9", value="1"),
        Field("company_kind", 2, 3, "9"),
        Field("company_document", 4, 17, "9"),
        Field("transmission_code", 18, 37, "9"),
        Field("control", 38, 62),  # nº de controle do participante
        Field("nosso_numero", 63, 70, "9"),  # with its check digit
        zeros(71, 76),  # data limite do segundo desconto
        blank(77, 77),
        Field("fine_code", 78, 78, "9"),
        Field("fine_percent", 79, 82, "V"),
        zeros(83, 97),  # unidade de valor (00 real), valor em outra unidade
        blank(98, 101),
        zeros(102, 107),  # data da multa: after the due date
        Field("wallet_code", 108, 108, "9", value=WALLET_CODE),
        Field("occurrence", 109, 110, "9"),
        Field("document_number", 111, 120, "9"),  # seu número
        Field("due_date", 121, 126, "D6"),
        Field("amount", 127, 139, "V"),
        Field("bank", 140, 142, "9", value=BANK),
        zeros(143, 147),  # agência cobradora
        Field("kind", 148, 149, "9", value="01"),  # espécie: duplicata
        Field("acceptance", 150, 150, value="N"),
        Field("issue_date", 151, 156, "D6"),
        Field("instruction_1", 157, 158, "9"),
        zeros(159, 160),  # 2ª instrução
        Field("interest_per_day", 161, 173, "V"),
        Field("discount_date", 174, 179, "D6"),
        Field("discount_amount", 180, 192, "V"),
        zeros(193, 218),  # IOF, abatimento
        Field("payer_kind", 219, 220, "9"),
        Field("payer_document", 221, 234, "9"),
        Field("payer_name", 235, 274),
        Field("payer_address", 275, 314),
        Field("payer_district", 315, 326),
        Field("payer_cep", 327, 334, "9"),
        Field("payer_city", 335, 349),
        Field("payer_state", 350, 351),
        blank(352, 382),  # sacador/mensagens, brancos
        Field("account_complement_id", 383, 383),  # "I" for an account of 9 digits
        Field("account_complement", 384, 385),  # its last digit and check digit
        blank(386, 391),
        Field("protest_days", 392, 393, "9"),
        blank(394, 394),
        Field("line", 395, 400, "9"),
    ],
)

# Trailer (registro 9): santander.rb monta_trailer (its count is the trailer's line number).
TRAILER = Record(
    "santander_400.trailer",
    400,
    [
        Field("record", 1, 1, "9", value="9"),
        Field("count", 2, 7, "9"),
        Field("total", 8, 20, "V"),
        zeros(21, 394),
        Field("line", 395, 400, "9"),
    ],
)


def _detail(remittance: RemittanceFile, item: RemittanceItem, line: int) -> str:
    beneficiary = remittance.beneficiary
    with_dv = bank_for(BANK).nosso_numero_with_dv(item.nosso_numero, beneficiary.bank_account())
    long_account = len(beneficiary.account) > LONG_ACCOUNT
    return DETAIL.render(
        {
            "company_kind": document_kind(beneficiary.document),
            "company_document": beneficiary.document,
            "transmission_code": beneficiary.transmission_code,
            "control": control_number(item),
            "nosso_numero": with_dv.replace("-", ""),
            "fine_code": FINE if item.fine_percent else NO_FINE,
            "fine_percent": item.fine_percent,
            "occurrence": occurrence_code(item, OCCURRENCES, "Santander"),
            "document_number": item.document_number,
            "due_date": item.due_date,
            "amount": item.amount,
            "issue_date": item.issue_date,
            "instruction_1": PROTEST if item.protest_days else "00",
            "interest_per_day": item.interest_per_day,
            "discount_date": item.discount_date,
            "discount_amount": item.discount_amount,
            **payer_fields(item),
            "account_complement_id": "I" if long_account else "",
            "account_complement": (
                beneficiary.account[LONG_ACCOUNT] + beneficiary.account_dv if long_account else ""
            ),
            "protest_days": item.protest_days,
            "line": line,
        }
    )


@writer(BANK, 400)
def write_santander_400(remittance: RemittanceFile) -> list[str]:
    beneficiary = remittance.beneficiary
    if not beneficiary.transmission_code:
        raise FieldValueError("Santander CNAB 400: the código de transmissão is missing")
    lines = [
        HEADER.render(
            {
                "transmission_code": beneficiary.transmission_code,
                "company_name": beneficiary.name,
                "created": remittance.created_at,
            }
        )
    ]
    for item in remittance.items:
        refuse(item, "Santander", protest=True)
        lines.append(_detail(remittance, item, len(lines) + 1))
    count = len(lines) + 1
    total = sum(item.amount for item in remittance.items)
    lines.append(TRAILER.render({"count": count, "total": total, "line": count}))
    return lines
