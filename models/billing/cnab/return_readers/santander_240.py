"""Santander (033), CNAB 240 retorno: Santander's own file header and segment T (its "Layout
CNAB 240 Cobrança"), FEBRABAN's segment U and trailers (febraban240.py). Positions as brcobranca's
lib/brcobranca/retorno/cnab240/santander.rb reads them (its 0-based ranges + 1).

The nosso número (T 41-53) is 12 digits + check digit: our nosso número is the 12
(models/billing/banks/santander.py). Santander's batch trailer is not checked: its count in
brcobranca's CNAB240SANTANDER.RET (4) is not the batch's lines (6); the file trailer is.
"""

from models.billing.cnab.layout import Field, Record, blank
from models.billing.cnab.return_readers import febraban240 as febraban
from models.billing.cnab.returns import BadReturnFile, ReturnFile, reader

# Header de arquivo.
FILE_HEADER = Record(
    "Santander file header",
    240,
    [
        Field("bank", 1, 3, "9"),
        Field("batch", 4, 7, "9"),
        Field("record_type", 8, 8, "9"),
        blank(9, 16),
        Field("document_type", 17, 17, "9"),
        Field("document", 18, 32, "9"),
        Field("agency", 33, 36, "9"),
        Field("agency_dv", 37, 37, "X"),
        Field("account", 38, 46, "9"),
        Field("account_dv", 47, 47, "X"),
        blank(48, 52),
        Field("agreement", 53, 61, "X"),  # código do beneficiário
        blank(62, 72),
        Field("company_name", 73, 102, "X"),
        Field("bank_name", 103, 132, "X"),
        blank(133, 142),
        Field("direction", 143, 143, "9"),
        Field("created_on", 144, 151, "D8"),
        blank(152, 157),
        Field("sequence", 158, 163, "9"),
        Field("layout_version", 164, 166, "X"),
        blank(167, 240),
    ],
)

# Segmento T.
SEGMENT_T = Record(
    "Santander segment T",
    240,
    [
        Field("bank", 1, 3, "9"),
        Field("batch", 4, 7, "9"),
        Field("record_type", 8, 8, "9"),
        Field("number", 9, 13, "9"),
        Field("segment", 14, 14, "X"),
        blank(15, 15),
        Field("code", 16, 17, "X"),
        Field("agency", 18, 21, "9"),
        Field("agency_dv", 22, 22, "X"),
        Field("account", 23, 31, "9"),
        Field("account_dv", 32, 32, "X"),
        blank(33, 40),
        Field("nosso_numero", 41, 53, "X"),
        Field("wallet", 54, 54, "X"),
        Field("document_number", 55, 69, "X"),
        Field("due_date", 70, 77, "D8"),
        Field("amount", 78, 92, "V"),
        Field("collecting_bank", 93, 95, "X"),
        Field("collecting_agency", 96, 99, "X"),
        Field("collecting_agency_dv", 100, 100, "X"),
        Field("company_use", 101, 125, "X"),
        Field("currency", 126, 127, "X"),
        Field("payer_document_type", 128, 128, "X"),
        Field("payer_document", 129, 143, "X"),
        Field("payer_name", 144, 183, "X"),
        Field("collection_account", 184, 193, "X"),
        Field("fee", 194, 208, "V"),
        Field("reasons", 209, 218, "X"),
        blank(219, 240),
    ],
)


def santander_nosso_numero(t: dict, line: int) -> str:
    number = febraban.digits(t["nosso_numero"], line, "Santander nosso número")
    if len(number) != 13:
        raise BadReturnFile(line, f"Santander nosso número {number!r} is not 12 digits + DV")
    return number[:12]


@reader("033", 240)
def read(lines: list[str]) -> ReturnFile:
    return febraban.read(
        lines,
        nosso_numero=santander_nosso_numero,
        t_record=SEGMENT_T,
        header=FILE_HEADER,
        check_batch_count=False,
    )
