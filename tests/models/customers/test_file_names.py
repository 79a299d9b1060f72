"""Upload names: cleaned for display, made safe for a download's Content-Disposition."""

import pytest

from models.customers.file_names import ascii_name, attachment_disposition, display_name

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("contrato.pdf", "contrato.pdf"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("\\\\server\\share\\z.doc", "z.doc"),
        ("C:y.pdf", "y.pdf"),
        ("dir/", "document"),
        ("..", "document"),
        ("", "document"),
        (None, "document"),
        ("  nome  com espaços .pdf ", "nome  com espaços .pdf"),
        ("a\x00b\x01c\x1f\x7f\x9f.txt", "abc.txt"),
        ("linha\r\nquebrada.txt", "linhaquebrada.txt"),
        ("fatura\u202efdp.exe", "faturafdp.exe"),  # a right-to-left override disguises names
        ("sep\u2028arado.txt", "separado.txt"),
        ("Relato\u0301rio.pdf", "Relatório.pdf"),  # NFC
        (".bashrc", "bashrc"),
    ],
)
def test_display_name(raw, shown):
    assert display_name(raw) == shown


def test_a_long_name_keeps_its_extension_and_255_characters():
    assert display_name("x" * 300 + ".pdf") == "x" * 251 + ".pdf"
    assert display_name("x" * 300) == "x" * 255
    assert len(display_name("y" * 250 + "." + "z" * 40)) == 255  # an "extension" that long is not


@pytest.mark.parametrize(
    ("name", "plain"),
    [("Relatório ção.pdf", "Relatorio cao.pdf"), ("契約.pdf", "__.pdf"), ('a"b\\c', "c")],
)
def test_ascii_name(name, plain):
    assert ascii_name(name) == plain


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("a.pdf", 'attachment; filename="a.pdf"'),
        ('x"; filename="evil.exe', 'attachment; filename="x__ filename=_evil.exe"'),
        ("a\r\nSet-Cookie: x=1", 'attachment; filename="aSet-Cookie_ x=1"'),
        ("ç", "attachment; filename=\"c\"; filename*=UTF-8''%C3%A7"),
        ("100% ok.txt", 'attachment; filename="100% ok.txt"'),
        ("100% ção", "attachment; filename=\"100% cao\"; filename*=UTF-8''100%25%20%C3%A7%C3%A3o"),
    ],
)
def test_attachment_disposition(name, header):
    assert attachment_disposition(name) == header
    assert "\r" not in header and "\n" not in header
