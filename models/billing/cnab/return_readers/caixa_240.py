"""Caixa (104), CNAB 240 SIGCB retorno: FEBRABAN's records (febraban240.py) but for segment T's
positions 24-57, where Caixa puts its código do beneficiário (6) and the nosso número of 17
digits (modalidade 2 + 15) in 40-56, as brcobranca's lib/brcobranca/retorno/cnab240/caixa.rb
reads it (39..55). The header's 59-64 is the código do beneficiário.
"""

from models.billing.cnab.layout import Field
from models.billing.cnab.return_readers import febraban240 as febraban
from models.billing.cnab.returns import BadReturnFile, ReturnFile, reader

SEGMENT_T = febraban.segment_t(
    [
        Field("agency", 18, 22, "9"),
        Field("agency_dv", 23, 23, "X"),
        Field("beneficiary", 24, 29, "9"),
        Field("caixa_reserved", 30, 39, "X"),
        Field("nosso_numero", 40, 56, "X"),
        Field("caixa_reserved_2", 57, 57, "X"),
    ],
    "Caixa segment T",
)


def caixa_nosso_numero(t: dict, line: int) -> str:
    number = febraban.digits(t["nosso_numero"], line, "Caixa nosso número")
    if len(number) != 17:
        raise BadReturnFile(line, f"Caixa nosso número {number!r} is not 17 digits")
    return number


@reader("104", 240)
def read(lines: list[str]) -> ReturnFile:
    return febraban.read(
        lines,
        nosso_numero=caixa_nosso_numero,
        t_record=SEGMENT_T,
        agreement=lambda head: str(head["account"])[:6],
    )
