"""Banco do Brasil (001), CNAB 240 retorno: FEBRABAN's records (febraban240.py).

BB's header carries the convênio in positions 33-41 (then 42-45 "0014" cobrança, 46-47
carteira, 48-50 variação). The nosso número (segment T 38-57, left-aligned) is convênio (7) +
sequence (10) = 17 digits without check digit, or for a convênio of 4 or 6 digits 11 digits +
its check digit: our nosso número is the 17, or the 11 without the check digit
(models/billing/banks/banco_do_brasil.py).
"""

from models.billing.cnab.return_readers import febraban240 as febraban
from models.billing.cnab.returns import BadReturnFile, ReturnFile, reader


def bb_nosso_numero(t: dict, line: int) -> str:
    number = febraban.digits(t["nosso_numero"], line, "Banco do Brasil nosso número")
    if len(number) == 17:  # convênio of 7 digits: no check digit
        return number
    if len(number) == 12:  # convênio of 4 or 6: 11 digits and the check digit
        return number[:11]
    raise BadReturnFile(line, f"Banco do Brasil nosso número {number!r}: not 17 or 11 + DV digits")


@reader("001", 240)
def read(lines: list[str]) -> ReturnFile:
    return febraban.read(
        lines,
        nosso_numero=bb_nosso_numero,
        agreement=lambda head: str(head["agreement"])[:9].strip().lstrip("0"),
    )
