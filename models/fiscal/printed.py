"""How the fiscal documents print what the XML holds: amounts and dates the Brazilian way,
CPF and CNPJ with their masks, addresses on one line, text cut to its room.

Figures are the XML's text reformatted (its separators swapped), never recomputed: the printed
document must say what the signed one says.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from reportlab.pdfbase.pdfmetrics import stringWidth

NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def number(text: str) -> str:
    """A schema decimal ("1234.5") the Brazilian way ("1.234,5"): digits as written."""
    if not text:
        return "0,00"
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}".replace(",", ".")
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def money(text: str) -> str:
    """R$ 1.234,56 from the schema's "1234.56"."""
    return f"R$ {number(text)}"


def instant(text: str) -> str:
    """An XML instant as dd/mm/aaaa hh:mm:ss in Brasília's time."""
    if not text:
        return ""
    return datetime.fromisoformat(text).astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M:%S")


def day(text: str) -> str:
    """An XML date as dd/mm/aaaa."""
    return date.fromisoformat(text).strftime("%d/%m/%Y") if text else ""


def person_document(cpf: str, cnpj: str) -> str:
    """CPF 000.000.000-00 or CNPJ 00.000.000/0000-00 (alphanumeric CNPJs by position)."""
    if cpf:
        return f"CPF {cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    return f"CNPJ {cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}" if cnpj else ""


def address(element) -> str:
    """An address (enderEmit, enderDest) on one line, without the country (Anexo II)."""
    part = lambda name: element.findtext(f"n:{name}", "", NS).strip()  # noqa: E731
    street = ", ".join(filter(None, (part("xLgr"), part("nro"), part("xCpl"))))
    cep = part("CEP")
    city = f"{part('xMun')}/{part('UF')}"
    return f"{street} - {part('xBairro')} - {city} - CEP {cep[:5]}-{cep[5:]}"


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut to `width` with "…" when it is wider."""
    full = stringWidth(text, font, size)
    if full <= width:
        return text
    text = text[: int(len(text) * width / full) + 1]  # a first cut by proportion, then by letter
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
