"""A customer's documents [5.8]: upload, list and search, describe, download, delete, roles."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from models.db import db
from tests.builders import build_customer
from tests.web.api_helpers import API, assert_envelope

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
SERVER_NAME = re.compile(r"(?P<shard>[0-9a-f]{2})/(?P=shard)[0-9a-f]{30}")


def docs_url(code: int, document_id: int | None = None) -> str:
    url = f"{API}/customers/{code}/documents"
    return url if document_id is None else f"{url}/{document_id}"


def quoted(filename: str) -> str:
    """The name as a quoted header parameter holds it (werkzeug's test client sends it raw)."""
    return filename.replace("\\", "\\\\").replace('"', '\\"')


def upload(client, headers, code, content=PDF, filename="contrato.pdf", **form):
    form.setdefault("description", "Contrato assinado")
    body = {"file": (io.BytesIO(content), quoted(filename)), **form}
    return client.post(
        docs_url(code), data=body, headers=headers, content_type="multipart/form-data"
    )


def uploaded(client, headers, code, content=PDF, filename="contrato.pdf", **form) -> dict:
    response = upload(client, headers, code, content, filename, **form)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def storage(app) -> Path:
    return Path(app.config["DOCUMENTS_DIR"])


def stored_files(app) -> list[str]:
    """Every file in the storage folder, as paths relative to it."""
    root = storage(app)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def document_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(text("SELECT count(*) FROM customer_documents"))


def assert_nothing_stored(app):
    assert document_rows(app) == 0
    assert stored_files(app) == []  # no file and no .part left behind


def history(client, headers, code) -> list[dict]:
    response = client.get(f"{API}/customers/{code}/history", headers=headers)
    return [e for e in response.get_json()["items"] if e["entity"] == "customer_documents"]


@pytest.fixture
def code(app):
    return build_customer(app)


def test_storage_is_under_the_var_dir_and_made_on_demand(app, client, admin, code, settings):
    assert storage(app).is_relative_to(settings.var_dir)
    assert not storage(app).exists()
    uploaded(client, admin, code)
    assert storage(app).is_dir()


def test_an_upload_is_stored_under_a_server_name_with_what_the_bytes_say(app, client, admin, code):
    response = upload(client, admin, code, observation="Via original\nna pasta 3")
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(docs_url(code, body["id"]))
    assert body["description"] == "Contrato assinado"
    assert body["observation"] == "Via original\nna pasta 3"
    assert body["original_name"] == "contrato.pdf"
    assert body["size"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["content_type"] == "application/pdf"
    assert body["uploaded_by"] == "admin.user"
    assert body["uploaded_at"]
    (name,) = stored_files(app)
    assert SERVER_NAME.fullmatch(name)
    assert (storage(app) / name).read_bytes() == PDF
    assert client.get(response.headers["Location"], headers=admin).get_json() == body


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PNG, "image/png"),
        (b"Ol\xc3\xa1, texto simples\n", "text/plain"),
        (b"<html><script>alert(1)</script></html>", "text/plain"),
        (b"\xff\xfe\x00binary\x81", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_the_content_type_comes_from_the_bytes_not_the_client(
    client, admin, code, content, expected
):
    body = {
        "file": (io.BytesIO(content), "foto.pdf", "application/pdf"),
        "description": "Arquivo",
    }
    response = client.post(docs_url(code), data=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == expected


def test_a_blank_observation_is_none(client, admin, code):
    body = uploaded(client, admin, code, description="  RG  ", observation=" \n ")
    assert (body["description"], body["observation"]) == ("RG", None)


def test_a_file_larger_than_one_megabyte_is_taken(app, client, admin, code):
    content = PDF + b"0" * (3 * 1024 * 1024)  # over the 1 MB JSON limit, under the upload one
    body = uploaded(client, admin, code, content)
    assert body["size"] == len(content)


def test_an_upload_over_the_limit_is_a_413_and_stores_nothing(app, client, admin, code):
    response = upload(client, admin, code, b"0" * (21 * 1024 * 1024))
    assert_envelope(response, 413, "payload_too_large")
    assert_nothing_stored(app)


def test_the_limit_is_the_setting(app, client, admin, code):
    limit = app.config["DOCUMENTS_MAX_BYTES"]
    app.config["DOCUMENTS_MAX_BYTES"] = 2048
    try:
        assert_envelope(upload(client, admin, code, b"0" * 4096), 413, "payload_too_large")
        assert upload(client, admin, code, b"0" * 100).status_code == 201
    finally:
        app.config["DOCUMENTS_MAX_BYTES"] = limit


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 201}, "description"),
        ({"description": "linha 1\nlinha 2"}, "description"),
        ({"description": "tab\there"}, "description"),
        ({"description": "nul\x00"}, "description"),
        ({"observation": "bell\x07"}, "observation"),
        ({"observation": "x" * 4001}, "observation"),
        ({"original_name": "x.pdf"}, "original_name"),
    ],
)
def test_bad_fields_are_422_naming_them_and_store_nothing(app, client, admin, code, form, field):
    body = assert_envelope(upload(client, admin, code, **form), 422, "validation_error")
    assert field in body["errors"]
    assert_nothing_stored(app)
    assert history(client, admin, code) == []


def test_a_missing_description_or_file_is_422(app, client, admin, code):
    no_description = {"file": (io.BytesIO(PDF), "a.pdf")}
    body = client.post(docs_url(code), data=no_description, headers=admin).get_json()
    assert body["status"] == 422 and "description" in body["errors"]
    no_file = {"description": "Sem arquivo"}
    response = client.post(
        docs_url(code), data=no_file, headers=admin, content_type="multipart/form-data"
    )
    assert "file" in assert_envelope(response, 422, "validation_error")["errors"]
    as_text = {"description": "Texto", "file": "not a file part"}
    response = client.post(
        docs_url(code), data=as_text, headers=admin, content_type="multipart/form-data"
    )
    assert "file" in assert_envelope(response, 422, "validation_error")["errors"]
    assert_nothing_stored(app)


def test_only_multipart_is_taken_here_and_only_json_elsewhere(app, client, admin, code):
    as_json = client.post(docs_url(code), json={"description": "x"}, headers=admin)
    assert_envelope(as_json, 415, "unsupported_media_type")
    urlencoded = client.post(docs_url(code), data={"description": "x"}, headers=admin)
    assert_envelope(urlencoded, 415, "unsupported_media_type")
    document = uploaded(client, admin, code)
    patch = client.patch(
        docs_url(code, document["id"]),
        data={"description": "y"},
        headers=admin,
        content_type="multipart/form-data",
    )
    assert_envelope(patch, 415, "unsupported_media_type")
    new_customer = client.post(
        f"{API}/customers",
        data={"name": "x", "file": (io.BytesIO(b"x"), "x.txt")},
        headers=admin,
    )
    assert_envelope(new_customer, 415, "unsupported_media_type")
    assert document_rows(app) == 1


def test_an_unknown_customer_is_404_and_stores_nothing(app, client, admin):
    assert_envelope(upload(client, admin, 999), 404, "not_found")
    assert_envelope(client.get(docs_url(999), headers=admin), 404, "not_found")
    assert_nothing_stored(app)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:y.pdf", "y.pdf"),
        ("ab\x01c\x7f\x1b.txt", "abc.txt"),
        ("nul\x00.txt", "nul.txt"),
        ("..", "document"),
        ("relat\u202eftp.exe", "relatftp.exe"),
        ("Relatório ção.pdf", "Relatório ção.pdf"),
    ],
)
def test_a_path_in_the_name_never_leaves_the_storage_folder(app, client, admin, code, given, shown):
    body = uploaded(client, admin, code, filename=given)
    assert body["original_name"] == shown
    (name,) = stored_files(app)
    assert SERVER_NAME.fullmatch(name)
    var_dir = storage(app).parent
    outside = [p for p in var_dir.rglob("*") if p.is_file() and shown in p.name]
    assert outside == []


def test_a_very_long_name_is_cut_keeping_its_extension(client, admin, code):
    body = uploaded(client, admin, code, filename="a" * 400 + ".pdf")
    assert body["original_name"] == "a" * 251 + ".pdf"


def test_list_search_and_period(app, client, admin, code):
    other = build_customer(app)
    first = uploaded(client, admin, code, description="Contrato assinado")["id"]
    second = uploaded(client, admin, code, description="RG do titular")["id"]
    third = uploaded(client, admin, code, description="Comprovante de ENDEREÇO")["id"]
    uploaded(client, admin, other, description="Contrato do vizinho")
    with app.app_context():
        # 02:30 UTC on 1 March is still 28 February in São Paulo (UTC-3).
        for doc_id, at in ((first, "2026-03-01 02:30"), (second, "2026-03-01 03:30")):
            db.session.execute(
                text("UPDATE customer_documents SET uploaded_at = :at WHERE id = :id"),
                {"at": f"{at}+00:00", "id": doc_id},
            )
        db.session.commit()

    def ids(**query):
        response = client.get(docs_url(code), query_string=query, headers=admin)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids() == [third, second, first]  # newest first, only this customer's
    assert ids(q="endereco") == [third]  # accents and case ignored
    assert ids(q="contrato") == [first]
    assert ids(q="rg titular") == [second]
    assert ids(q="100%") == []
    assert ids(**{"from": "2026-02-28", "to": "2026-02-28"}) == [first]
    assert ids(**{"from": "2026-03-01", "to": "2026-03-01"}) == [second]
    assert ids(**{"from": "2026-03-02"}) == [third]
    assert ids(to="2026-03-01") == [second, first]
    page = client.get(docs_url(code), query_string={"per_page": 1, "page": 2}, headers=admin)
    assert page.get_json()["total"] == 3
    assert [item["id"] for item in page.get_json()["items"]] == [second]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"per_page": 500}, "per_page"),
        ({"q": "x" * 201}, "q"),
        ({"sort": "name"}, "sort"),
    ],
)
def test_bad_list_queries_are_422(client, admin, code, query, field):
    response = client.get(docs_url(code), query_string=query, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]


def test_upload_shows_in_the_customer_history(client, admin, code):
    document = uploaded(client, admin, code, observation="Original")
    (entry,) = history(client, admin, code)
    assert entry["action"] == "create"
    assert entry["entity_id"] == str(document["id"])
    changes = {change["field"]: change["new"] for change in entry["changes"]}
    assert changes["description"] == "Contrato assinado"
    assert changes["original_name"] == "contrato.pdf"
    assert changes["sha256"] == document["sha256"]
    assert "search_description" not in changes


def test_description_and_observation_are_edited_with_history(app, client, admin, code):
    document = uploaded(client, admin, code, observation="Antiga")
    url = docs_url(code, document["id"])
    response = client.patch(url, json={"description": "Contrato (2ª via)"}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["description"] == "Contrato (2ª via)"
    assert response.get_json()["observation"] == "Antiga"
    cleared = client.patch(url, json={"observation": None}, headers=admin).get_json()
    assert cleared["observation"] is None
    assert cleared["sha256"] == document["sha256"]
    update, *_ = history(client, admin, code)
    assert update["action"] == "update"
    assert update["changes"] == [{"field": "observation", "old": "Antiga", "new": None}]
    found = client.get(docs_url(code), query_string={"q": "2ª via"}, headers=admin).get_json()
    assert found["total"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"description": ""},
        {"description": "x" * 201},
        {"original_name": "x.exe"},
        {"content_type": "text/html"},
        {"description": None},
    ],
)
def test_bad_edits_are_422_and_change_nothing(client, admin, code, change):
    document = uploaded(client, admin, code)
    url = docs_url(code, document["id"])
    assert_envelope(client.patch(url, json=change, headers=admin), 422, "validation_error")
    assert client.get(url, headers=admin).get_json() == document
    assert len(history(client, admin, code)) == 1


def test_delete_removes_the_row_and_the_file_with_history(app, client, admin, code):
    kept = uploaded(client, admin, code, content=PNG)
    document = uploaded(client, admin, code)
    url = docs_url(code, document["id"])
    assert client.delete(url, headers=admin).status_code == 204
    assert_envelope(client.get(url, headers=admin), 404, "not_found")
    assert_envelope(client.delete(url, headers=admin), 404, "not_found")
    assert document_rows(app) == 1
    (name,) = stored_files(app)
    assert (storage(app) / name).read_bytes() == PNG
    assert client.get(docs_url(code, kept["id"]) + "/download", headers=admin).data == PNG
    deleted = history(client, admin, code)[0]
    assert (deleted["action"], deleted["entity_id"]) == ("delete", str(document["id"]))


def test_download_sends_the_bytes_as_an_attachment(client, admin, code):
    document = uploaded(client, admin, code)
    response = client.get(docs_url(code, document["id"]) + "/download", headers=admin)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="contrato.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{document["sha256"]}"'
    again = client.get(
        docs_url(code, document["id"]) + "/download",
        headers={**admin, "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_a_file_gone_from_storage_is_a_clear_404_and_an_error_in_the_log(
    app, client, admin, code, caplog
):
    document = uploaded(client, admin, code)
    for path in storage(app).rglob("*"):
        if path.is_file():
            path.unlink()
    response = client.get(docs_url(code, document["id"]) + "/download", headers=admin)
    body = assert_envelope(response, 404, "not_found")
    assert "missing from storage" in body["message"]
    assert any("missing from storage" in r.getMessage() for r in caplog.records)
    listed = client.get(docs_url(code), headers=admin).get_json()
    assert [item["id"] for item in listed["items"]] == [document["id"]]  # the row stays


def test_an_html_upload_is_never_served_as_a_page(client, admin, code):
    html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    document = uploaded(client, admin, code, content=html, filename="page.html")
    response = client.get(docs_url(code, document["id"]) + "/download", headers=admin)
    assert response.data == html
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        (
            "Relatório ção.pdf",
            'attachment; filename="Relatorio cao.pdf"; '
            "filename*=UTF-8''Relat%C3%B3rio%20%C3%A7%C3%A3o.pdf",
        ),
        ('a"b;c.pdf', 'attachment; filename="a_b_c.pdf"'),
        ("契約.pdf", "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E5%A5%91%E7%B4%84.pdf"),
    ],
)
def test_the_download_name_is_safe(client, admin, code, name, disposition):
    document = uploaded(client, admin, code, filename=name)
    response = client.get(docs_url(code, document["id"]) + "/download", headers=admin)
    assert response.headers["Content-Disposition"] == disposition


def test_another_customers_document_is_not_found(app, client, admin, code):
    other = build_customer(app)
    document = uploaded(client, admin, other)
    url = docs_url(code, document["id"])
    for response in (
        client.get(url, headers=admin),
        client.get(url + "/download", headers=admin),
        client.patch(url, json={"description": "Meu"}, headers=admin),
        client.delete(url, headers=admin),
    ):
        assert_envelope(response, 404, "not_found")
    assert document_rows(app) == 1 and len(stored_files(app)) == 1


@pytest.mark.parametrize(
    "tail", ["..%2F..%2Fetc%2Fpasswd/download", "../../etc/passwd", "-1/download", "1.0/download"]
)
def test_a_path_in_the_url_id_is_not_a_document(client, admin, code, tail):
    uploaded(client, admin, code)
    response = client.get(f"{docs_url(code)}/{tail}", headers=admin)
    assert response.status_code == 404
    assert b"root:" not in response.data


@pytest.mark.parametrize("role", ["admin", "attendant"])
def test_admin_and_attendant_manage_documents(client, headers_for, code, role):
    headers = headers_for(role)
    document = uploaded(client, headers, code)
    url = docs_url(code, document["id"])
    assert client.patch(url, json={"description": "Outro"}, headers=headers).status_code == 200
    assert client.get(url + "/download", headers=headers).data == PDF
    assert client.delete(url, headers=headers).status_code == 204


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_finance_and_technician_read_and_download_only(app, client, admin, headers_for, code, role):
    headers = headers_for(role)
    document = uploaded(client, admin, code)
    url = docs_url(code, document["id"])
    assert client.get(docs_url(code), headers=headers).get_json()["total"] == 1
    assert client.get(url, headers=headers).get_json() == document
    assert client.get(url + "/download", headers=headers).data == PDF
    assert_envelope(upload(client, headers, code), 403, "forbidden")
    patch = client.patch(url, json={"description": "Outro"}, headers=headers)
    assert_envelope(patch, 403, "forbidden")
    assert_envelope(client.delete(url, headers=headers), 403, "forbidden")
    assert document_rows(app) == 1 and len(stored_files(app)) == 1
    assert client.get(url, headers=admin).get_json() == document


def test_without_a_token_nothing_is_taken(app, client, code):
    assert_envelope(upload(client, {}, code), 401, "unauthorized")
    assert_nothing_stored(app)
