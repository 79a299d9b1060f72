"""QR codes drawn straight on a reportlab canvas, fast enough for a PDF per e-mail."""

from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code's dark modules, error correction M, byte mode.

    Mask pattern 0 instead of the best of eight: any mask is valid (ISO/IEC 18004 only
    recommends scoring them) and scoring them costs about 15 ms, most of a boleto's time.
    """
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.version = code.calculate_version()
    code.makeImpl(False, 0)
    return code.modules


def draw_qr(c: Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code of `text` as a `size` square at (x, y): one filled path of horizontal runs.

    Written as literal PDF operators (integers in module units, one `re` per run): reportlab's
    widget makes a shape per module and formats every coordinate as a float, which cost
    more than the rest of the boleto together.
    """
    modules = qr_modules(text)
    count = len(modules)
    runs = []
    for row, dark in enumerate(modules):
        column = 0
        while column < count:
            if not dark[column]:
                column += 1
                continue
            start = column
            while column < count and dark[column]:
                column += 1
            runs.append(f"{start} {count - row - 1} {column - start} 1 re")
    c.saveState()
    c.translate(x, y)
    c.scale(size / count, size / count)
    c.addLiteral("\n".join(runs) + "\nf")
    c.restoreState()
