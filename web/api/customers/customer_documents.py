"""A customer's documents [5.8]: upload, list and search, describe, download, delete."""

from functools import wraps

from flask import current_app, request, url_for

from models.customers import customer_documents as documents
from models.customers import document_storage
from models.effects import on_commit, on_rollback
from schemas.customers.customer_documents import (
    DocumentOutput,
    DocumentPage,
    DocumentPatch,
    DocumentQuery,
    DocumentUpload,
)
from web.downloads import document_file
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/customers"
blp = Blueprint(
    "customer_documents", __name__, description="A customer's documents: uploaded files"
)


def body_limit(setting: str):
    """Let this route's body be as large as `setting` says (the app's limit is for JSON).

    Outermost under @blp.route: the limit must be set before the body is read.
    """

    def decorate(view):
        @wraps(view)
        def limited(*args, **kwargs):
            request.max_content_length = current_app.config[setting]
            return view(*args, **kwargs)

        return limited

    return decorate


@blp.route("/<int:code>/documents", methods=["POST"])
@body_limit("DOCUMENTS_MAX_BYTES")
@blp.arguments(DocumentUpload, location="multipart")
@blp.created(DocumentOutput, "document")
@requires("customers", WRITE)
def upload(data, code):
    """Upload a document (multipart/form-data, up to DOCUMENTS_MAX_MB); its type is detected."""
    upload = data["file"]
    document = documents.add_document(
        code, upload.stream, upload.filename, data["description"], data.get("observation") or None
    )
    on_rollback(document_storage.remove, document.stored_name)  # no row, no file
    location = url_for(".read", code=code, document_id=document.id)
    return document, 201, {"Location": location}


@blp.route("/<int:code>/documents", methods=["GET"])
@blp.arguments(DocumentQuery, location="query")
@blp.response(200, DocumentPage)
@requires("customers", READ)
def search(args, code):
    """The customer's documents, newest first; q searches the description, from/to the date."""
    search = documents.DocumentSearch(args.get("q"), args.get("from"), args.get("to"))
    found, total = documents.list_documents(code, search, args["page"], args["per_page"])
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:code>/documents/<int:document_id>", methods=["GET"])
@blp.response(200, DocumentOutput)
@requires("customers", READ)
def read(code, document_id):
    """One document's description and file details."""
    return documents.get_document(code, document_id)


@blp.route("/<int:code>/documents/<int:document_id>", methods=["PATCH"])
@blp.arguments(DocumentPatch)
@blp.response(200, DocumentOutput)
@requires("customers", WRITE)
def update(changes, code, document_id):
    """Change the description or the observation."""
    document = documents.update_document(code, document_id, changes)
    return document


@blp.route("/<int:code>/documents/<int:document_id>", methods=["DELETE"])
@blp.response(204)
@requires("customers", WRITE)
def delete(code, document_id):
    """Delete the document and its file (the customer's history keeps the deletion)."""
    stored_name = documents.delete_document(code, document_id)
    on_commit(document_storage.remove, stored_name)  # after it: never a row without its file


@blp.route("/<int:code>/documents/<int:document_id>/download", methods=["GET"])
@blp.response(200, description="The file's bytes, as an attachment")
@requires("customers", READ)
def download(code, document_id):
    """The original bytes, as an attachment named as uploaded; the ETag is the SHA-256."""
    return document_file(code, document_id)
