"""Itaú (341) CNAB 400 remessa.

Records as brcobranca (commit 325e0ee) writes them, lib/brcobranca/remessa/cnab400/itau.rb
(positions of Itaú's "Cobrança CNAB 400" manual); checked byte for byte against
spec/fixtures/remessa/remessa-itau-cnab400.rem. A multa adds a registro 2 after its detail
(itau.rb monta_detalhe_multa): código 1 a value in reais, 2 a percentage (itau.rb
VALOR_EM_REAIS / VALOR_EM_PERCENTUAL), from the due date.

Occurrences (109-110): brcobranca writes the caller's code ("01" entrada by default) and lists
none for Itaú; "02" pedido de baixa and "06" alteração de vencimento as the brief gives them
for CNAB 400. Alteração de valor has no code here: refused.
"""

from models.billing.cnab.layout import Field, Record, blank, zeros
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

BANK = "341"
OCCURRENCES = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06"}
FINE_IN_REAIS, FINE_PERCENT = "1", "2"
PROTEST = "09"  # 1ª instrução protestar: the prazo (392-393) is then the days (itau.rb)
DEFAULT_TERM = "03"  # prazo brcobranca writes when the instruction is not a protest
# Código da carteira (108) by carteira (itau.rb codigo_carteira); every other carteira is "I".
WALLET_CODES = {"150": "U", "191": "1", "147": "E"}

# Header (registro 0): cnab400/base.rb monta_header with itau.rb info_conta.
HEADER = Record(
    "itau_400.header",
    400,
    [
        Field("record", 1, 1, "9", value="0"),
        Field("operation", 2, 2, "9", value="1"),
        Field("operation_name", 3, 9, value="REMESSA"),
        Field("service", 10, 11, "9", value="01"),
        Field("service_name", 12, 26, value="COBRANCA"),
        Field("agency", 27, 30, "9"),
        zeros(31, 32),
        Field("account", 33, 37, "9"),
        Field("account_dv", 38, 38),
        blank(39, 46),
        Field("company_name", 47, 76),
        Field("bank", 77, 79, "9", value=BANK),
        Field("bank_name", 80, 94, value="BANCO ITAU SA"),
        Field("created", 95, 100, "D6"),
        blank(101, 394),
        Field("line", 395, 400, "9", value="1"),
    ],
)

# Detail (registro 1): itau.rb monta_detalhe.
DETAIL = Record(
    "itau_400.detail",
    400,
    [
        Field("record", 1, 1, "9", value="1"),
        Field("company_kind", 2, 3, "9"),
        Field("company_document", 4, 17, "9"),
        Field("agency", 18, 21, "9"),
        zeros(22, 23),
        Field("account", 24, 28, "9"),
        Field("account_dv", 29, 29),
        blank(30, 33),
        zeros(34, 37),  # instrução/alegação a ser cancelada
        Field("control", 38, 62),  # uso da empresa
        Field("nosso_numero", 63, 70, "9"),
        zeros(71, 83),  # quantidade de moeda variável
        Field("wallet", 84, 86, "9"),
        blank(87, 107),  # uso do banco
        Field("wallet_code", 108, 108),
        Field("occurrence", 109, 110, "9"),
        Field("document_number", 111, 120, "9"),
        Field("due_date", 121, 126, "D6"),
        Field("amount", 127, 139, "V"),
        Field("bank", 140, 142, "9", value=BANK),
        zeros(143, 147),  # agência cobradora
        Field("kind", 148, 149, value="01"),  # espécie: duplicata mercantil
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
        Field("payer_name", 235, 264),
        blank(265, 274),
        Field("payer_address", 275, 314),
        Field("payer_district", 315, 326),
        Field("payer_cep", 327, 334, "9"),
        Field("payer_city", 335, 349),
        Field("payer_state", 350, 351),
        blank(352, 385),  # sacador/avalista, brancos
        zeros(386, 391),  # data de mora
        Field("term", 392, 393, "9"),  # prazo (dias) da instrução
        blank(394, 394),
        Field("line", 395, 400, "9"),
    ],
)

# Multa (registro 2): itau.rb monta_detalhe_multa.
FINE = Record(
    "itau_400.fine",
    400,
    [
        Field("record", 1, 1, "9", value="2"),
        Field("fine_code", 2, 2, "9"),
        Field("fine_date", 3, 10, "D8"),
        Field("fine", 11, 23, "V"),
        blank(24, 394),
        Field("line", 395, 400, "9"),
    ],
)

TRAILER = Record(
    "itau_400.trailer",
    400,
    [Field("record", 1, 1, "9", value="9"), blank(2, 394), Field("line", 395, 400, "9")],
)


def _detail(remittance: RemittanceFile, item: RemittanceItem, line: int) -> str:
    beneficiary = remittance.beneficiary
    wallet = beneficiary.wallet.zfill(3)
    return DETAIL.render(
        {
            "company_kind": document_kind(beneficiary.document),
            "company_document": beneficiary.document,
            "agency": beneficiary.agency,
            "account": beneficiary.account,
            "account_dv": beneficiary.account_dv,
            "control": control_number(item),
            "nosso_numero": item.nosso_numero,
            "wallet": wallet,
            "wallet_code": WALLET_CODES.get(wallet, "I"),
            "occurrence": occurrence_code(item, OCCURRENCES, "Itaú"),
            "document_number": item.document_number,
            "due_date": item.due_date,
            "amount": item.amount,
            "issue_date": item.issue_date,
            "instruction_1": PROTEST if item.protest_days else "00",
            "interest_per_day": item.interest_per_day,
            "discount_date": item.discount_date,
            "discount_amount": item.discount_amount,
            **payer_fields(item),
            "term": item.protest_days or DEFAULT_TERM,
            "line": line,
        }
    )


@writer(BANK, 400)
def write_itau_400(remittance: RemittanceFile) -> list[str]:
    beneficiary = remittance.beneficiary
    lines = [
        HEADER.render(
            {
                "agency": beneficiary.agency,
                "account": beneficiary.account,
                "account_dv": beneficiary.account_dv,
                "company_name": beneficiary.name,
                "created": remittance.created_at,
            }
        )
    ]
    for item in remittance.items:
        refuse(item, "Itaú", fine_amount=True, protest=True)
        lines.append(_detail(remittance, item, len(lines) + 1))
        if item.fine_amount or item.fine_percent:
            lines.append(
                FINE.render(
                    {
                        "fine_code": FINE_IN_REAIS if item.fine_amount else FINE_PERCENT,
                        "fine_date": item.due_date,
                        "fine": item.fine_amount or item.fine_percent,
                        "line": len(lines) + 1,
                    }
                )
            )
    lines.append(TRAILER.render({"line": len(lines) + 1}))
    return lines
