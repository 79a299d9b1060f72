"""Bradesco (237) CNAB 400 remessa.

Records as brcobranca (commit 325e0ee) writes them, lib/brcobranca/remessa/cnab400/bradesco.rb
(its comments give the positions of Bradesco's "Cobrança Bradesco - Layout CNAB 400" manual);
checked byte for byte against spec/fixtures/remessa/remessa-bradesco-cnab400.rem.

Occurrences (identificação da ocorrência, 109-110): brcobranca writes the caller's code ("01"
by default, Pagamento#identificacao_ocorrencia) and lists none for Bradesco; "02" pedido de
baixa and "06" alteração de vencimento are the CNAB 400 codes of Bradesco's manual as the
brief gives them. Alteração de valor has no code here: refused.
"""

from models.billing.boleto_banks import bank_for
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
    refuse,
)

BANK = "237"
OCCURRENCES = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06"}
NO_FINE, FINE_PERCENT = "0", "2"  # campo de multa (66): 0 sem multa, 2 percentual

# Header (registro 0): bradesco.rb monta_header / info_conta / complemento.
HEADER = Record(
    "bradesco_400.header",
    400,
    [
        Field("record", 1, 1, "9", value="0"),
        Field("operation", 2, 2, "9", value="1"),
        Field("operation_name", 3, 9, value="REMESSA"),
        Field("service", 10, 11, "9", value="01"),
        Field("service_name", 12, 26, value="COBRANCA"),
        Field("company_code", 27, 46, "9"),  # código da empresa, from Bradesco
        Field("company_name", 47, 76),
        Field("bank", 77, 79, "9", value=BANK),
        Field("bank_name", 80, 94, value="BRADESCO"),
        Field("created", 95, 100, "D6"),
        blank(101, 108),
        Field("system", 109, 110, value="MX"),  # identificação do sistema
        Field("sequence", 111, 117, "9"),  # nº sequencial de remessa
        blank(118, 394),
        Field("line", 395, 400, "9", value="1"),
    ],
)

# Detail (registro 1): bradesco.rb monta_detalhe.
DETAIL = Record(
    "bradesco_400.detail",
    400,
    [
        Field("record", 1, 1, "9", value="1"),
        zeros(2, 20),  # débito automático: agência, razão, conta (unused)
        zeros(21, 21),
        Field("wallet", 22, 24, "9"),  # identificação da empresa: carteira, agência, conta
        Field("agency", 25, 29, "9"),
        Field("account", 30, 36, "9"),
        Field("account_dv", 37, 37),
        Field("control", 38, 62),  # nº de controle do participante
        zeros(63, 65),  # banco (débito automático)
        Field("fine_code", 66, 66, "9"),
        Field("fine_percent", 67, 70, "V"),
        Field("nosso_numero", 71, 81, "9"),
        Field("nosso_numero_dv", 82, 82),
        zeros(83, 92),  # desconto por dia
        Field("issuer", 93, 93, "9", value="2"),  # condição de emissão: 2 cliente emite
        Field("debit_slip", 94, 94, value="N"),
        blank(95, 105),  # operação no banco, indicador de rateio
        Field("debit_notice", 106, 106, "9", value="2"),  # aviso de débito: 2 não emite
        blank(107, 108),
        Field("occurrence", 109, 110, "9"),
        Field("document_number", 111, 120),
        Field("due_date", 121, 126, "D6"),
        Field("amount", 127, 139, "V"),
        zeros(140, 147),  # banco encarregado, agência depositária
        Field("kind", 148, 149, "9", value="01"),  # espécie: duplicata
        Field("identification", 150, 150, value="N"),
        Field("issue_date", 151, 156, "D6"),
        zeros(157, 160),  # 1ª and 2ª instrução
        Field("interest_per_day", 161, 173, "V"),
        Field("discount_date", 174, 179, "D6"),
        Field("discount_amount", 180, 192, "V"),
        zeros(193, 218),  # IOF, abatimento
        Field("payer_kind", 219, 220, "9"),
        Field("payer_document", 221, 234, "9"),
        Field("payer_name", 235, 274),
        Field("payer_address", 275, 314),
        blank(315, 326),  # 1ª mensagem
        Field("payer_cep", 327, 334, "9"),
        blank(335, 394),  # sacador / 2ª mensagem
        Field("line", 395, 400, "9"),
    ],
)

# Trailer (registro 9): cnab400/base.rb monta_trailer.
TRAILER = Record(
    "bradesco_400.trailer",
    400,
    [Field("record", 1, 1, "9", value="9"), blank(2, 394), Field("line", 395, 400, "9")],
)


def payer_address(item: RemittanceItem) -> str:
    """Address, city and UF in 40 characters, as bradesco.rb formata_endereco_sacado cuts them."""
    payer = item.payer
    text = f"{payer.address}, {payer.city}/{payer.state}"
    if len(text) <= 40:
        return text
    return f"{payer.address[:20]} {payer.city[:15]}/{payer.state}"


@writer(BANK, 400)
def write_bradesco_400(remittance: RemittanceFile) -> list[str]:
    beneficiary = remittance.beneficiary
    account = beneficiary.bank_account()
    lines = [
        HEADER.render(
            {
                "company_code": beneficiary.agreement,
                "company_name": beneficiary.name,
                "created": remittance.created_at,
                "sequence": remittance.sequence,
            }
        )
    ]
    for item in remittance.items:
        refuse(item, "Bradesco")
        with_dv = bank_for(BANK).nosso_numero_with_dv(item.nosso_numero, account)
        lines.append(
            DETAIL.render(
                {
                    "wallet": beneficiary.wallet,
                    "agency": beneficiary.agency,
                    "account": beneficiary.account,
                    "account_dv": beneficiary.account_dv,
                    "control": control_number(item),
                    "fine_code": FINE_PERCENT if item.fine_percent else NO_FINE,
                    "fine_percent": item.fine_percent,
                    "nosso_numero": item.nosso_numero,
                    "nosso_numero_dv": with_dv[-1],
                    "occurrence": occurrence_code(item, OCCURRENCES, "Bradesco"),
                    "document_number": item.document_number,
                    "due_date": item.due_date,
                    "amount": item.amount,
                    "issue_date": item.issue_date,
                    "interest_per_day": item.interest_per_day,
                    "discount_date": item.discount_date,
                    "discount_amount": item.discount_amount,
                    "payer_kind": document_kind(item.payer.document),
                    "payer_document": item.payer.document,
                    "payer_name": item.payer.name,
                    "payer_address": payer_address(item),
                    "payer_cep": item.payer.cep,
                    "line": len(lines) + 1,
                }
            )
        )
    lines.append(TRAILER.render({"line": len(lines) + 1}))
    return lines
