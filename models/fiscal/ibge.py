"""The IBGE codes of the states: the first two digits of every municipality's 7-digit code
(cMun) name its state, and the NFCom rejects an address whose code and UF disagree."""

UF_BY_CODE = {
    "11": "RO", "12": "AC", "13": "AM", "14": "RR", "15": "PA", "16": "AP", "17": "TO",
    "21": "MA", "22": "PI", "23": "CE", "24": "RN", "25": "PB", "26": "PE", "27": "AL",
    "28": "SE", "29": "BA",
    "31": "MG", "32": "ES", "33": "RJ", "35": "SP",
    "41": "PR", "42": "SC", "43": "RS",
    "50": "MS", "51": "MT", "52": "GO", "53": "DF",
}  # fmt: skip
# 7 digits, the first two a state's code (which state, the address's UF says: a rule JSON Schema
# cannot state, checked by the schemas).
CITY_CODE_PATTERN = f"^(?:{'|'.join(UF_BY_CODE)})[0-9]{{5}}$"


def uf_of_city_code(code: str | None) -> str | None:
    """The UF a municipality's IBGE code belongs to; None for no code or an unknown prefix."""
    if not code or len(code) != 7 or not code.isdigit():
        return None
    return UF_BY_CODE.get(code[:2])
