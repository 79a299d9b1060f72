"""The DANFE-COM (Documento Auxiliar da NFCom, MOC NFCom Anexo II): an A4 PDF drawn straight
on a reportlab canvas from the authorized nfcomProc, or from a bare signed NFCom (then marked
as not authorized).

Every figure and text comes from the XML, as the manual requires (nothing the XML lacks but
the protocol): amounts are reformatted, never recomputed. Plain canvas calls and the standard
fonts keep a PDF in a few milliseconds (monthly billing renders one per invoice). Text wider
than its place is cut with "…" so nothing is drawn over anything else.
"""

import io

from lxml import etree
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from models.billing.qr_drawing import draw_qr
from models.fiscal.printed import NS, address, day, fit, instant, money, number, person_document

TITLE = "DANFE-COM"
SUBTITLE = "Documento Auxiliar da Nota Fiscal Fatura de Serviços de Comunicação Eletrônica"
HOMOLOGATION = "EMITIDA EM AMBIENTE DE HOMOLOGAÇÃO — SEM VALOR FISCAL"
UNAUTHORIZED = "SEM VALOR FISCAL — NFCom não autorizada"
CONTINGENCY = "EMITIDA EM CONTINGÊNCIA"
PENDING = "pendente de autorização"
UNITS = {"1": "Min", "2": "MB", "3": "GB", "4": "UN"}  # uMed
LEFT, RIGHT, TOP, BOTTOM = 10 * mm, 200 * mm, 287 * mm, 10 * mm
WIDTH = RIGHT - LEFT
QR_SIZE = 32 * mm
ROW = 4.2 * mm
TOTALS_HEIGHT, INFO_HEIGHT = 20 * mm, 22 * mm
# Item columns: (title, left edge, right edge in mm from LEFT, XPath under det, right-aligned).
COLUMNS = (
    ("Item", 0, 8, "@nItem", False),
    ("cClass", 8, 22, "n:prod/n:cClass", False),
    ("Descrição", 22, 106, "n:prod/n:xProd", False),
    ("Un.", 106, 115, "n:prod/n:uMed", False),
    ("Quantidade", 115, 134, "n:prod/n:qFaturada", True),
    ("Valor unit. (R$)", 134, 156, "n:prod/n:vItem", True),
    ("Desc. (R$)", 156, 173, "n:prod/n:vDesc", True),
    ("Valor (R$)", 173, 190, "n:prod/n:vProd", True),
)


def render(authorized_xml: bytes) -> bytes:
    """The DANFE-COM of an nfcomProc (or of a bare signed NFCom, marked) as an A4 PDF."""
    root = etree.fromstring(authorized_xml)
    nfcom = root if etree.QName(root).localname == "NFCom" else root.find("n:NFCom", NS)
    if nfcom is None:
        raise ValueError("Esperava um nfcomProc ou uma NFCom.")
    doc = _Doc(nfcom.find("n:infNFCom", NS), root.find("n:protNFCom/n:infProt", NS))
    doc.qr = nfcom.findtext("n:infNFComSupl/n:qrCodNFCom", "", NS)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(f"DANFE-COM {doc.text('n:ide/n:nNF')}")
    items = doc.info.findall("n:det", NS)
    pages = _paginate(items, _items_top(doc))
    # Encoding the QR code is most of a page's time: once per document, reused on every page.
    c.beginForm("qr")
    draw_qr(c, doc.qr, 0, 0, QR_SIZE)
    c.endForm()
    for sheet, chunk in enumerate(pages, start=1):
        _items(c, chunk, _page_header(c, doc, f"{sheet}/{len(pages)}"))
        if sheet == len(pages):
            _totals(c, doc, BOTTOM + INFO_HEIGHT + 2 * mm)
            _information(c, doc, BOTTOM)
        c.showPage()
    c.save()
    return buffer.getvalue()


class _Doc:
    """The parsed NFCom and its protocol, with the warnings the page carries."""

    def __init__(self, info, protocol):
        self.info, self.qr = info, ""
        self.protocol = protocol if protocol is not None and _has(protocol, "n:nProt") else None
        self.warnings = []
        if self.text("n:ide/n:tpAmb") == "2":
            self.warnings.append(HOMOLOGATION)
        contingency = self.text("n:ide/n:tpEmis") == "2"
        if contingency:
            since = instant(self.text("n:ide/n:dhCont"))
            pending = f" — {PENDING}" if self.protocol is None else ""
            self.warnings.append(f"{CONTINGENCY} desde {since}{pending}")
        # Offline contingency is the one case a DANFE-COM goes out before the protocol.
        elif self.protocol is None:
            self.warnings.append(UNAUTHORIZED)

    def text(self, path: str, under=None) -> str:
        return (under if under is not None else self.info).findtext(path, "", NS).strip()


def _has(element, path: str) -> bool:
    return bool(element.findtext(path, "", NS).strip())


def _put(c: Canvas, x, y, text, width, size=8.0, bold=False, right=False) -> None:
    font = "Helvetica-Bold" if bold else "Helvetica"
    text = fit(text, font, size, width)
    c.setFont(font, size)
    (c.drawRightString if right else c.drawString)(x, y, text)


def _label(c: Canvas, x, y, text: str) -> None:
    c.setFont("Helvetica", 5.5)
    c.drawString(x, y, text.upper())


def _items_top(doc: _Doc) -> float:
    """Where the item rows start: under the banners, header, key and customer boxes."""
    return TOP - len(doc.warnings) * 4.5 * mm - 80 * mm


def _paginate(items: list, top: float) -> list[list]:
    """Items split into pages: full pages, then a last one with room for the totals."""
    full = int((top - BOTTOM) / ROW)
    last = int((top - BOTTOM - TOTALS_HEIGHT - INFO_HEIGHT - 4 * mm) / ROW)
    pages, start = [], 0
    while len(items) - start > last:
        pages.append(items[start : start + full])
        start += full
    return [*pages, items[start:]]


def _page_header(c: Canvas, doc: _Doc, sheet: str) -> float:
    """Warnings, issuer, identification, key, protocol and customer; returns the rows' top."""
    c.setLineWidth(0.4)
    y = TOP
    c.setFillColorRGB(0.75, 0, 0)
    for warning in doc.warnings:
        y -= 4.5 * mm
        c.setFont("Helvetica-Bold", 10)
        c.drawCentredString(LEFT + WIDTH / 2, y + 1 * mm, fit(warning, "Helvetica-Bold", 10, WIDTH))
    c.setFillColorRGB(0, 0, 0)
    emit = doc.info.find("n:emit", NS)
    text_w = WIDTH - QR_SIZE - 6 * mm
    c.rect(LEFT, y - 38 * mm, WIDTH, 38 * mm)
    x = LEFT + 2 * mm
    _put(c, x, y - 5 * mm, doc.text("n:xNome", emit), text_w, 11, bold=True)
    ie = doc.text("n:IE", emit)
    _put(c, x, y - 9 * mm, f"{person_document('', doc.text('n:CNPJ', emit))}   IE {ie}", text_w)
    _put(c, x, y - 13 * mm, address(emit.find("n:enderEmit", NS)), text_w)
    _put(c, x, y - 20 * mm, TITLE, text_w, 13, bold=True)
    _put(c, x, y - 24 * mm, SUBTITLE, text_w, 8)
    ide = f"Nº {doc.text('n:ide/n:nNF')}   Série {doc.text('n:ide/n:serie')}"
    ide += f"   Emissão {instant(doc.text('n:ide/n:dhEmi'))}   Folha {sheet}"
    _put(c, x, y - 30 * mm, ide, text_w, 9.5, bold=True)
    _put(c, x, y - 35 * mm, f"Consulte pela chave de acesso em {doc.qr.split('?')[0]}", text_w, 7)
    c.saveState()
    c.translate(RIGHT - QR_SIZE - 3 * mm, y - QR_SIZE - 3 * mm)
    c.doForm("qr")
    c.restoreState()
    y -= 52 * mm
    c.rect(LEFT, y, WIDTH, 14 * mm)
    _label(c, x, y + 11.3 * mm, "Chave de acesso")
    key = doc.info.get("Id", "").removeprefix("NFCom")
    _put(c, x, y + 7.5 * mm, " ".join(key[i : i + 4] for i in range(0, 44, 4)), 120 * mm, 10, 1)
    _label(c, x, y + 4.3 * mm, "Protocolo de autorização")
    if doc.protocol is not None:
        received = instant(doc.text("n:dhRecbto", doc.protocol))
        _put(c, x, y + 1 * mm, f"{doc.text('n:nProt', doc.protocol)} - {received}", 120 * mm, 9)
    else:
        c.setFillColorRGB(0.75, 0, 0)
        _put(c, x, y + 1 * mm, doc.warnings[-1], WIDTH - 4 * mm, 9, bold=True)
        c.setFillColorRGB(0, 0, 0)
    return _customer(c, doc, y - 2 * mm)


def _customer(c: Canvas, doc: _Doc, top: float) -> float:
    """The customer, the subscriber and the bill (gFat); returns the rows' top."""
    dest, sub = doc.info.find("n:dest", NS), doc.info.find("n:assinante", NS)
    y, x = top - 24 * mm, LEFT + 2 * mm
    c.rect(LEFT, y, WIDTH, 24 * mm)
    _label(c, x, top - 2.5 * mm, "Destinatário / assinante")
    document = person_document(doc.text("n:CPF", dest), doc.text("n:CNPJ", dest))
    ie = doc.text("n:IE", dest)
    _put(
        c,
        RIGHT - 2 * mm,
        top - 6.5 * mm,
        document + (f"   IE {ie}" if ie else ""),
        66 * mm,
        9,
        1,
        1,
    )
    _put(c, x, top - 6.5 * mm, doc.text("n:xNome", dest), 116 * mm, 9, bold=True)
    _put(c, x, top - 10.5 * mm, address(dest.find("n:enderDest", NS)), WIDTH - 4 * mm)
    competence = doc.text("n:gFat/n:CompetFat")
    start, end = day(doc.text("n:gFat/n:dPerUsoIni")), day(doc.text("n:gFat/n:dPerUsoFim"))
    cells = (
        ("Código do assinante", doc.text("n:iCodAssinante", sub)),
        ("Contrato", doc.text("n:nContrato", sub)),
        ("Referência", f"{competence[4:]}/{competence[:4]}"),
        ("Período de uso", f"{start} a {end}" if start else ""),
        ("Vencimento", day(doc.text("n:gFat/n:dVencFat"))),
        ("Total a pagar", money(doc.text("n:total/n:vNF"))),
    )
    _cells(c, cells, y, 11 * mm, (0.17, 0.17, 0.11, 0.21, 0.13, 0.21))
    return y - 2 * mm


def _cells(c: Canvas, cells, y, height, shares=None, bold_last=True) -> None:
    """A row of labelled values sharing the width (equally unless told); the last one bold."""
    x = LEFT
    c.line(LEFT, y + height, RIGHT, y + height)
    for n, (label, value) in enumerate(cells):
        width = WIDTH * (shares[n] if shares else 1 / len(cells))
        if n:
            c.line(x, y, x, y + height)
        _label(c, x + 1.5 * mm, y + height - 2.8 * mm, label)
        _put(
            c,
            x + 1.5 * mm,
            y + 1.8 * mm,
            value,
            width - 3 * mm,
            8.5,
            bold=bold_last and n == len(cells) - 1,
        )
        x += width


def _items(c: Canvas, items: list, top: float) -> float:
    """The items table (the header always, the rows of this page); returns its bottom."""
    c.setFillColorRGB(0.9, 0.9, 0.9)
    c.rect(LEFT, top - 5 * mm, WIDTH, 5 * mm, fill=1, stroke=0)
    c.setFillColorRGB(0, 0, 0)
    y = top - 3.6 * mm
    for title, left, right, _path, align in COLUMNS:
        x = LEFT + (right - 1) * mm if align else LEFT + (left + 1) * mm
        _put(c, x, y, title, (right - left - 2) * mm, 6.5, bold=True, right=align)
    y = top - 5 * mm
    for det in items:
        y -= ROW
        for title, left, right, path, align in COLUMNS:
            found = det.xpath(path, namespaces=NS)
            value = (found[0] if path[0] == "@" else found[0].text) if found else ""
            if title == "Un.":
                value = UNITS.get(value, value)
            elif align:
                value = number(value or "")
            x = LEFT + (right - 1) * mm if align else LEFT + (left + 1) * mm
            _put(c, x, y + 1.2 * mm, value, (right - left - 2) * mm, 7.5, right=align)
        c.setStrokeColorRGB(0.8, 0.8, 0.8)
        c.line(LEFT, y, RIGHT, y)
        c.setStrokeColorRGB(0, 0, 0)
    return y


def _totals(c: Canvas, doc: _Doc, y: float) -> None:
    """The totals: services, taxes, the IBS/CBS when the XML has them, and vNF."""
    t = lambda path: money(doc.text(f"n:total/{path}"))  # noqa: E731
    first = [
        ("Valor dos serviços", t("n:vProd")),
        ("Descontos", t("n:vDesc")),
        ("Outros", t("n:vOutro")),
        ("Base de cálculo ICMS", t("n:ICMSTot/n:vBC")),
        ("Valor do ICMS", t("n:ICMSTot/n:vICMS")),
        ("PIS", t("n:vPIS")),
        ("COFINS", t("n:vCOFINS")),
    ]
    second = [("FUST", t("n:vFUST")), ("FUNTTEL", t("n:vFUNTTEL"))]
    if _has(doc.info, "n:total/n:IBSCBSTot/n:vBCIBSCBS"):
        second += [
            ("Base IBS/CBS", t("n:IBSCBSTot/n:vBCIBSCBS")),
            ("IBS", t("n:IBSCBSTot/n:gIBS/n:vIBS")),
            ("CBS", t("n:IBSCBSTot/n:gCBS/n:vCBS")),
            ("Total com IBS/CBS", t("n:vTotDFe")),
        ]
    second.append(("Valor total da NFCom", t("n:vNF")))
    c.rect(LEFT, y, WIDTH, TOTALS_HEIGHT)
    _cells(c, first, y + TOTALS_HEIGHT / 2, TOTALS_HEIGHT / 2, bold_last=False)
    _cells(c, second, y, TOTALS_HEIGHT / 2)


def _information(c: Canvas, doc: _Doc, y: float) -> None:
    """infCpl (and infAdFisco) wrapped; lines beyond the box end in "…"."""
    c.rect(LEFT, y, WIDTH, INFO_HEIGHT)
    _label(c, LEFT + 2 * mm, y + INFO_HEIGHT - 2.8 * mm, "Informações complementares")
    texts = [e.text or "" for e in doc.info.findall("n:infAdic/n:infAdFisco", NS)]
    texts += [e.text or "" for e in doc.info.findall("n:infAdic/n:infCpl", NS)]
    lines = [line for text in texts for line in simpleSplit(text, "Helvetica", 7.5, WIDTH - 4 * mm)]
    room = int((INFO_HEIGHT - 4 * mm) / (3.2 * mm))
    if len(lines) > room:
        lines = [*lines[: room - 1], lines[room - 1] + " …"]
    for n, line in enumerate(lines):
        _put(c, LEFT + 2 * mm, y + INFO_HEIGHT - (6.5 + 3.2 * n) * mm, line, WIDTH - 4 * mm, 7.5)
