"""Reading a PDF's barcodes back with real readers: poppler renders, zbar reads."""

import subprocess


def read_barcodes(pdf: bytes, folder) -> dict[str, set[str]]:
    """Render at 300 dpi with pdftoppm and read every symbol with zbarimg, by symbology."""
    (folder / "boleto.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", "boleto.pdf", "page"],
        cwd=folder,
        check=True,
        timeout=60,
    )
    result = subprocess.run(
        ["zbarimg", "-q", str(folder / "page.png")], capture_output=True, text=True, timeout=60
    )
    found: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        kind, _, data = line.partition(":")
        found.setdefault(kind, set()).add(data)
    return found
