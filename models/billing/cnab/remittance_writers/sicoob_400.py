"""Sicoob (756) CNAB 400 remessa.

Records as brcobranca (commit 325e0ee) writes them, lib/brcobranca/remessa/cnab400/sicoob.rb
(positions and codes of Sicoob's CNAB 400 manual, which it quotes); checked against
spec/fixtures/remessa/remessa-sicoob-cnab400.rem byte for byte but for the nosso número
(63-74): brcobranca writes the number it is given ("com DV"), we are given it without check
digit and append Sicoob's (models/billing/banks/sicoob.py, sicoob_dv over cooperativa +
código do cliente + number). The convênio (código do cliente with its DV) fills 9 digits.

Occurrences ("comando/movimento", 109-110), from sicoob.rb's list: 01 registro de títulos,
02 solicitação de baixa, 06 alteração de vencimento. It has no alteração de valor (only 31
alteração de outros dados): refused, as are protests (sicoob.rb writes dias para protesto
"00", the cooperativa's default) and a multa in reais (the field is a taxa).
"""

from models.billing.banks.sicoob import sicoob_dv
from models.billing.boleto_banks import padded_digits
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
    document_kind,
    occurrence_code,
    payer_fields,
    refuse,
)

BANK = "756"
OCCURRENCES = {ENTRY: "01", CANCEL: "02", DUE_DATE: "06"}

# Header (registro 0): sicoob.rb monta_header.
HEADER = Record(
    "sicoob_400.header",
    400,
    [
        Field("record", 1, 1, "9", value="0"),
        Field("operation", 2, 2, "9", value="1"),
        Field("operation_name", 3, 9, value="REMESSA"),
        Field("service", 10, 11, "9", value="01"),
        Field("service_name", 12, 26, value="COBRANCA"),
        Field("agency", 27, 30, "9"),  # prefixo da cooperativa
        Field("agency_dv", 31, 31),
        Field("agreement", 32, 40, "9"),  # código do cliente/beneficiário with its DV
        blank(41, 46),  # convênio líder
        Field("company_name", 47, 76),
        Field("bank", 77, 79, "9", value=BANK),
        Field("bank_name", 80, 94, value="BANCOOBCED"),
        Field("created", 95, 100, "D6"),
        Field("sequence", 101, 107, "9"),  # sequencial da remessa
        blank(108, 394),
        Field("line", 395, 400, "9", value="1"),
    ],
)

# Detail (registro 1): sicoob.rb monta_detalhe.
DETAIL = Record(
    "sicoob_400.detail",
    400,
    [
        Field("record", 1, 1, "9", value="1"),
        Field("company_kind", 2, 3, "9"),
        Field("company_document", 4, 17, "9"),
        Field("agency", 18, 21, "9"),
        Field("agency_dv", 22, 22),
        Field("account", 23, 30, "9"),
        Field("account_dv", 31, 31),
        zeros(32, 37),  # convênio de cobrança do beneficiário: "000000"
        blank(38, 62),  # número de controle do participante: brancos
        Field("nosso_numero", 63, 74, "9"),  # with its check digit
        Field("instalment", 75, 76, "9", value="01"),  # parcela: "01" parcela única
        zeros(77, 78),  # grupo de valor
        blank(79, 85),  # indicativo de mensagem/sacador, prefixo do título
        zeros(86, 101),  # variação, conta caução, contrato garantia and DV, borderô
        blank(102, 105),
        Field("issuer", 106, 106, "9", value="2"),  # tipo de emissão: 2 cliente
        Field("wallet", 107, 108, "9"),  # carteira/modalidade: 01 simples com registro
        Field("occurrence", 109, 110, "9"),
        Field("document_number", 111, 120, "9"),
        Field("due_date", 121, 126, "D6"),
        Field("amount", 127, 139, "V"),
        Field("bank", 140, 142, "9", value=BANK),
        Field("collecting_agency", 143, 146, "9"),
        Field("collecting_agency_dv", 147, 147),
        Field("kind", 148, 149, "9", value="01"),  # espécie: duplicata mercantil
        Field("acceptance", 150, 150, "9", value="0"),  # aceite: 0 = N
        Field("issue_date", 151, 156, "D6"),
        zeros(157, 160),  # 1ª instrução, dias válidos para a instrução
        Field("interest_per_day", 161, 166, "V"),
        Field("fine_percent", 167, 172, "V"),
        Field("delivery", 173, 173, "9", value="2"),  # distribuição: 2 cliente
        Field("discount_date", 174, 179, "D6"),
        Field("discount_amount", 180, 192, "V"),
        zeros(193, 218),  # moeda and IOF, abatimento
        Field("payer_kind", 219, 220, "9"),
        Field("payer_document", 221, 234, "9"),
        Field("payer_name", 235, 274),
        Field("payer_address", 275, 311),
        Field("payer_district", 312, 326),
        Field("payer_cep", 327, 334, "9"),
        Field("payer_city", 335, 349),
        Field("payer_state", 350, 351),
        blank(352, 391),  # observações/mensagem or sacador/avalista
        zeros(392, 393),  # dias para protesto: the cooperativa's default
        blank(394, 394),
        Field("line", 395, 400, "9"),
    ],
)

# Trailer (registro 9): sicoob.rb monta_trailer (zeros where its comment says brancos).
TRAILER = Record(
    "sicoob_400.trailer",
    400,
    [Field("record", 1, 1, "9", value="9"), zeros(2, 394), Field("line", 395, 400, "9")],
)


def nosso_numero_with_dv(remittance: RemittanceFile, item: RemittanceItem) -> str:
    """Number (7) + sicoob_dv over cooperativa (4) + código do cliente (10) + number (7): the
    bank module's rule, taken with the 400 layout's convênio of up to 9 digits."""
    beneficiary = remittance.beneficiary
    number = padded_digits(item.nosso_numero, 7, "Sicoob nosso número")
    agency = padded_digits(beneficiary.agency, 4, "cooperativa")
    client = padded_digits(beneficiary.agreement, 10, "código do cliente")
    return number + sicoob_dv(agency + client + number)


@writer(BANK, 400)
def write_sicoob_400(remittance: RemittanceFile) -> list[str]:
    beneficiary = remittance.beneficiary
    lines = [
        HEADER.render(
            {
                "agency": beneficiary.agency,
                "agency_dv": beneficiary.agency_dv,
                "agreement": beneficiary.agreement,
                "company_name": beneficiary.name,
                "created": remittance.created_at,
                "sequence": remittance.sequence,
            }
        )
    ]
    for item in remittance.items:
        refuse(item, "Sicoob")
        lines.append(
            DETAIL.render(
                {
                    "company_kind": document_kind(beneficiary.document),
                    "company_document": beneficiary.document,
                    "agency": beneficiary.agency,
                    "agency_dv": beneficiary.agency_dv,
                    "account": beneficiary.account,
                    "account_dv": beneficiary.account_dv,
                    "nosso_numero": nosso_numero_with_dv(remittance, item),
                    "wallet": beneficiary.wallet,
                    "occurrence": occurrence_code(item, OCCURRENCES, "Sicoob"),
                    "document_number": item.document_number,
                    "due_date": item.due_date,
                    "amount": item.amount,
                    "collecting_agency": beneficiary.agency,
                    "collecting_agency_dv": beneficiary.agency_dv,
                    "issue_date": item.issue_date,
                    "interest_per_day": item.interest_per_day,
                    "fine_percent": item.fine_percent,
                    "discount_date": item.discount_date,
                    "discount_amount": item.discount_amount,
                    **payer_fields(item),
                    "line": len(lines) + 1,
                }
            )
        )
    lines.append(TRAILER.render({"line": len(lines) + 1}))
    return lines
