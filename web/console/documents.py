"""Documentos ("Gerenciador de Documentos") [5.8]: upload (drag and drop or the file chooser),
search by description and upload dates, download, change the description, delete.

The same operations, schemas and size limit as the API's routes
(web/api/customers/customer_documents.py): the file goes to `document_storage`, which names it
itself (the typed name is kept for display and downloads only), so nothing escapes its folder.
"""

from flask import current_app, request

from models.customers import customer_documents as stored
from models.customers import document_storage
from models.customers.customers import get_customer
from models.effects import on_commit, on_rollback
from models.errors import DomainError
from schemas.customers.customer_documents import DocumentPatch, DocumentQuery, DocumentUpload
from web import downloads
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, domain_errors, last_page, load
from web.console.record import changed, render_tab
from web.permissions import READ, WRITE
from web.security import requires

SLUG = "documentos"
TEMPLATE = "console/record/documentos.html"
PER_PAGE = 20
UPLOAD_ENDPOINT = "console.upload_document"

CHOOSE_A_FILE = "Escolha um arquivo."

add_messages(
    (r"Send a file part \(with a filename\), not a text field\.", CHOOSE_A_FILE),
)


@bp.before_app_request
def _upload_limit():
    """An upload's body may be as large as DOCUMENTS_MAX_MB, as the API's route allows. Set
    before anything reads the body (the CSRF check reads the form): the app's limit is JSON's."""
    if request.endpoint == UPLOAD_ENDPOINT and request.method == "POST":
        request.max_content_length = current_app.config["DOCUMENTS_MAX_BYTES"]


def _search_args() -> tuple[dict, dict, dict]:
    """(typed, the query as the API reads it, errors): dates typed dd/mm/aaaa."""
    typed = {name: request.args.get(name, "") for name in ("q", "from", "to")}
    body = body_from(request.args, ("q", "from", "to", "page"), dates=("from", "to"))
    query, errors = load(DocumentQuery(), body | {"per_page": PER_PAGE})
    return typed, query or {"page": 1}, errors


def _tab(code: int, status: int = 200, **context):
    customer = get_customer(code)
    typed, query, errors = _search_args()
    found, total = [], 0
    if not errors:
        search = stored.DocumentSearch(query.get("q"), query.get("from"), query.get("to"))
        try:
            found, total = stored.list_documents(code, search, query["page"], PER_PAGE)
        except DomainError as error:
            errors = domain_errors(error)
    page = query.get("page", 1)
    return render_tab(
        SLUG,
        TEMPLATE,
        customer,
        found=found,
        total=total,
        page=page,
        last_page=last_page(total, PER_PAGE),
        search=typed,
        search_errors=errors,
        upload_typed=context.pop("upload_typed", {}),
        upload_errors=context.pop("upload_errors", {}),
        max_mb=current_app.config["DOCUMENTS_MAX_BYTES"] // (1024 * 1024),
        **context,
    ), status


@bp.route("/clientes/<int:code>/documentos", methods=["GET"])
@requires("customers", READ)
def documents(code: int):
    """The customer's documents, newest first; ?q= words of the description, ?from= ?to= dates."""
    return _tab(code)


@bp.route("/clientes/<int:code>/documentos", methods=["POST"])
@requires("customers", WRITE)
def upload_document(code: int):
    """Upload a document (multipart/form-data, up to DOCUMENTS_MAX_MB); its type is detected."""
    body = body_from(request.form, ("description", "observation"))
    if "file" in request.files and request.files["file"].filename:
        body["file"] = request.files["file"]
    data, errors = load(DocumentUpload(), body)
    if "file" in errors:  # none chosen: the browser sends an empty, nameless part or none
        errors["file"] = [CHOOSE_A_FILE]
    typed = {name: request.form.get(name, "") for name in ("description", "observation")}
    if errors:
        return _tab(code, 422, upload_typed=typed, upload_errors=errors)
    upload = data["file"]
    try:
        document = stored.add_document(
            code,
            upload.stream,
            upload.filename,
            data["description"],
            data.get("observation") or None,
        )
    except DomainError as error:
        return _tab(code, error.status, upload_typed=typed, upload_errors=domain_errors(error))
    on_rollback(document_storage.remove, document.stored_name)  # no row, no file
    return changed(code, "Documento enviado.", _tab, "console.documents")


@bp.route("/clientes/<int:code>/documentos/<int:document_id>/download", methods=["GET"])
@requires("customers", READ)
def download_document(code: int, document_id: int):
    """The original bytes, as an attachment named as uploaded; the ETag is the SHA-256."""
    return downloads.document_file(code, document_id)


@bp.route("/clientes/<int:code>/documentos/<int:document_id>/editar", methods=["GET"])
@requires("customers", WRITE)
def edit_document(code: int, document_id: int):
    """The description and observation of one document, to change [5.8.1]."""
    document = stored.get_document(code, document_id)
    typed = {"description": document.description, "observation": document.observation or ""}
    return _tab(code, editing=document, edit_typed=typed, edit_errors={})


@bp.route("/clientes/<int:code>/documentos/<int:document_id>", methods=["POST"])
@requires("customers", WRITE)
def update_document(code: int, document_id: int):
    """Change the description and/or the observation (the file itself never changes)."""
    document = stored.get_document(code, document_id)
    typed = {name: request.form.get(name, "") for name in ("description", "observation")}
    changes, errors = load(
        DocumentPatch(), body_from(request.form, ("description", "observation"), blank_as_none=True)
    )
    status = 422
    if not errors:
        try:
            stored.update_document(code, document_id, changes)
            return changed(code, "Documento alterado.", _tab, "console.documents")
        except DomainError as error:
            status, errors = error.status, domain_errors(error)
    return _tab(code, status, editing=document, edit_typed=typed, edit_errors=errors)


@bp.route("/clientes/<int:code>/documentos/<int:document_id>/excluir", methods=["POST"])
@requires("customers", WRITE)
def delete_document(code: int, document_id: int):
    """Delete the document and its file once the deletion commits (history keeps it)."""
    stored_name = stored.delete_document(code, document_id)
    on_commit(document_storage.remove, stored_name)  # after it: never a row without its file
    return changed(code, "Documento excluído.", _tab, "console.documents")
