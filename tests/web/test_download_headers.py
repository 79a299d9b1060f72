"""Every answer, and above all every file, is taken as the type it declares (nosniff); a text
file declares its charset once."""

import io

import pytest

from tests.builders import build_customer, build_receivable
from tests.tasks.extracts.sessions import customer_with_login, load_sessions
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.payment_payloads import card, created, methods_url

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def assert_not_sniffed(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


def _exported(client, headers, code: int, file_format: str):
    answer = client.post(
        f"{API}/exports",
        json={"source": "connections", "format": file_format, "filters": {"customer_code": code}},
        headers=headers,
    )
    assert answer.status_code == 202, answer.get_json()
    location = answer.headers["Location"]

    def done():
        return client.get(location, headers=headers).get_json()["status"] in ("done", "failed")

    assert wait_until(done, timeout=60)
    assert client.get(location, headers=headers).get_json()["status"] == "done"
    return client.get(f"{location}/file", headers=headers)


@pytest.mark.parametrize(
    ("file_format", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("txt", "text/plain; charset=utf-8"),
        ("xlsx", XLSX),
    ],
)
def test_an_export_download_declares_one_type_and_is_not_sniffed(
    app, client, admin, celery_worker, file_format, content_type
):
    code = customer_with_login(app, "maria.pppoe")
    load_sessions(app, "maria.pppoe", 3)
    download = _exported(client, admin, code, file_format)
    assert_not_sniffed(download)
    assert download.headers["Content-Type"] == content_type
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_the_boleto_pdf_is_not_sniffed(app, client, admin):
    response = client.get(f"{API}/receivables/{build_receivable(app)}/boleto.pdf", headers=admin)
    assert_not_sniffed(response)
    assert response.headers["Content-Type"] == "application/pdf"


def test_the_debit_authorization_pdf_is_not_sniffed(app, client, admin):
    code = build_customer(app)
    method = created(client, admin, code, card())
    response = client.get(methods_url(code, method["id"]) + "/authorization.pdf", headers=admin)
    assert_not_sniffed(response)
    assert response.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<html><script>alert(1)</script></html>\n", "text/plain; charset=utf-8"),
        (b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    ],
)
def test_a_customer_document_is_not_sniffed(app, client, admin, content, content_type):
    code = build_customer(app)
    upload = client.post(
        f"{API}/customers/{code}/documents",
        data={"file": (io.BytesIO(content), "arquivo.html"), "description": "Um arquivo"},
        headers=admin,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    response = client.get(upload.headers["Location"] + "/download", headers=admin)
    assert_not_sniffed(response)
    assert response.headers["Content-Type"] == content_type
    assert response.data == content


def test_personal_data_is_not_sniffed(app, client, admin):
    response = client.get(f"{API}/customers/{build_customer(app)}/personal-data", headers=admin)
    assert_not_sniffed(response)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/openapi.json", 200),
        ("/me", 401),
        ("/no-such-thing", 404),
        ("/customers?per_page=0", 401),
    ],
)
def test_every_answer_is_not_sniffed(client, path, status):
    assert_not_sniffed(client.get(API + path), status)


def test_errors_after_login_are_not_sniffed(client, admin):
    assert_not_sniffed(client.get(f"{API}/customers?per_page=0", headers=admin), 422)
    assert_not_sniffed(client.delete(f"{API}/me", headers=admin), 405)
