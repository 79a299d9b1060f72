"""The console's errors as pages in Portuguese (the API answers its JSON envelope instead).

Not signed in (or the session ended: signed out, expired, user deactivated) goes to "Entrar",
then back; htmx is told to go there too (HX-Redirect), not to paste a sign-in form into a tab.
"""

import logging

from flask import Flask, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from models.db import db
from models.errors import AuthenticationFailed, DomainError
from web.console.blueprint import bp, is_fragment_request, render
from web.errors import handle_http_exception

log = logging.getLogger(__name__)

TITLES = {
    400: "Pedido inválido",
    403: "Acesso negado",
    404: "Não encontrado",
    405: "Operação não permitida",
    409: "Conflito",
    413: "Arquivo grande demais",
    422: "Dados inválidos",
    429: "Muitas tentativas",
}
EXPLANATIONS = {
    403: "Seu perfil não permite esta operação.",
    404: "O que você procura não existe (ou foi removido).",
    413: "O arquivo passa do tamanho máximo permitido.",
}


def error_page(status: int, message: str | None = None):
    title = TITLES.get(status, "Erro")
    text = message or EXPLANATIONS.get(status, "Não foi possível concluir a operação.")
    return render("console/error.html", title=title, message=text, status=status), status


@bp.errorhandler(AuthenticationFailed)
def _sign_in_first(_error):
    db.session.rollback()
    session.clear()
    target = url_for("console.sign_in_form", next=request.full_path.rstrip("?"))
    if is_fragment_request():
        return "", 401, {"HX-Redirect": target}
    return redirect(target, 303)


@bp.errorhandler(CSRFError)
def _forged(_error):
    db.session.rollback()
    return error_page(400, "A página expirou ou não veio desta sessão. Recarregue e tente de novo.")


@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    db.session.rollback()
    return error_page(error.status)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    return error_page(error.code or 500)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    db.session.rollback()
    log.exception("console error on %s", request.path)
    return error_page(500, "Erro inesperado. Tente de novo; se persistir, avise o suporte.")


def _no_such_page(error: HTTPException):
    """A URL no route serves (a mistyped /clientes/abc): a page in Portuguese, unless it was
    meant for the API, which answers its JSON envelope."""
    if request.path == "/api" or request.path.startswith("/api/"):
        return handle_http_exception(error)
    return error_page(error.code or 404)


def install(app: Flask) -> None:
    """Pages for URLs outside every route (the blueprint's handlers cover its own routes)."""
    app.register_error_handler(404, _no_such_page)
    app.register_error_handler(405, _no_such_page)
