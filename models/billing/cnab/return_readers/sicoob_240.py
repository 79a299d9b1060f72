"""Sicoob (756), CNAB 240 retorno: FEBRABAN's records (febraban240.py) with segment T's nosso
número field (38-57) split as Sicoob fills it: nosso número with its check digit (10, right
aligned), parcela (2), modalidade (2), tipo de formulário (1), blanks (5); brcobranca's
lib/brcobranca/retorno/cnab240/sicoob.rb reads 38-47. Our nosso número is the 7-digit sequence
without the check digit (models/billing/banks/sicoob.py).
"""

from models.billing.cnab.layout import Field
from models.billing.cnab.return_readers import febraban240 as febraban
from models.billing.cnab.returns import BadReturnFile, ReturnFile, reader

SEGMENT_T = febraban.segment_t(
    [
        *febraban.T_ACCOUNT[:5],
        Field("nosso_numero", 38, 47, "X"),
        Field("installment", 48, 49, "X"),
        Field("modality", 50, 51, "X"),
        Field("form", 52, 52, "X"),
        Field("sicoob_blank", 53, 57, "X"),
    ],
    "Sicoob segment T",
)


def sicoob_nosso_numero(t: dict, line: int) -> str:
    number = febraban.digits(t["nosso_numero"], line, "Sicoob nosso número")[:-1]
    if len(number.lstrip("0")) > 7:
        raise BadReturnFile(line, f"Sicoob nosso número {number!r} has more than 7 digits")
    return number[-7:].zfill(7)


@reader("756", 240)
def read(lines: list[str]) -> ReturnFile:
    return febraban.read(lines, nosso_numero=sicoob_nosso_numero, t_record=SEGMENT_T)
