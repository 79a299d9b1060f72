"""Sicredi (748), CNAB 240 retorno: FEBRABAN's records (febraban240.py). The nosso número
(segment T 38-57, left-aligned) is AA + byte + sequence (8) and its check digit: our nosso número
is the 8 digits (models/billing/banks/sicredi.py); brcobranca's
lib/brcobranca/retorno/cnab240/sicredi.rb reads the 9 with the digit.
"""

from models.billing.cnab.return_readers import febraban240 as febraban
from models.billing.cnab.returns import BadReturnFile, ReturnFile, reader


def sicredi_nosso_numero(t: dict, line: int) -> str:
    number = febraban.digits(t["nosso_numero"], line, "Sicredi nosso número")
    if len(number) != 9:
        raise BadReturnFile(line, f"Sicredi nosso número {number!r} is not 8 digits + DV")
    return number[:8]


@reader("748", 240)
def read(lines: list[str]) -> ReturnFile:
    return febraban.read(lines, nosso_numero=sicredi_nosso_numero)
