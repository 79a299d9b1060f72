"""Administração > Usuários: the staff accounts (admins only).

The API's users routes (web/api/staff/users.py) with their schemas and operations: create
(UserInput, users.create_user), change the role or the active flag (UserPatch,
users.update_user: an admin cannot demote or deactivate themself) and lift the failed-login
locks (auth.unlock_user). Each change is a plain form that answers 303 back to the list.
"""

from flask import flash, g, redirect, request, url_for

from models.clock import utcnow
from models.db import db
from models.errors import Conflict, DomainError
from models.staff import auth, users
from models.staff.auth import LoginThrottle
from models.staff.users import ROLES
from schemas.common import PageQuery
from schemas.staff.users import UserInput, UserPatch
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, last_page, load, page_asked
from web.permissions import READ, WRITE
from web.security import requires

PER_PAGE = 50
ROLE_LABELS = {
    "admin": "Administrador",
    "attendant": "Atendente",
    "finance": "Financeiro",
    "technician": "Técnico",
}
assert set(ROLE_LABELS) == set(ROLES)
FIELDS = ("username", "full_name", "role", "password")

add_messages(
    (r"Username '(.*)' is taken\.", "O usuário {0} já existe."),
    (r"Already taken\.", "Já em uso."),
    (r"2-80 letters, digits, \. _ or -\.", "De 2 a 80 letras, dígitos, . _ ou -."),
    (r"2-80 letters, digits, dots, dashes or underscores\.", "De 2 a 80 letras, dígitos, . _ -."),
    (
        r"Contains control characters, not allowed in a password\.",
        "A senha não pode ter caracteres de controle.",
    ),
    (r"You cannot deactivate your own account\.", "Você não pode desativar a própria conta."),
    (r"You cannot demote your own account\.", "Você não pode mudar o próprio perfil."),
    (r"User \d+ not found\.", "Usuário não encontrado."),
)


def _locked(usernames: list[str]) -> set[str]:
    """Which of `usernames` have a failed-login lock in force (from any address)."""
    if not usernames:
        return set()
    query = db.select(LoginThrottle.username).where(
        LoginThrottle.username.in_(usernames), LoginThrottle.locked_until > utcnow()
    )
    return set(db.session.scalars(query))


def _list(typed=None, errors=None, status=200, row_errors=None):
    page, page_errors = page_asked(PageQuery(), PER_PAGE)
    items, total = users.list_users(page, PER_PAGE)
    return (
        render(
            "console/admin/users.html",
            items=items,
            locked=_locked([user.username for user in items]),
            page=page,
            last_page=last_page(total, PER_PAGE),
            typed=typed or {},
            errors=errors or page_errors,
            row_errors=row_errors or {},
            role_labels=ROLE_LABELS,
        ),
        status,
    )


def _back(message: str):
    flash(message, "status")
    return redirect(url_for("console.admin_users", page=request.args.get("page")), 303)


@bp.route("/admin/usuarios", methods=["GET"])
@requires("users", READ)
def admin_users():
    """The staff users, by username, with the form for a new one."""
    return _list()


@bp.route("/admin/usuarios", methods=["POST"])
@requires("users", WRITE)
def create_user():
    """A new staff user (username, name, role, password)."""
    typed = {name: request.form.get(name, "") for name in FIELDS if name != "password"}
    data, errors = load(UserInput(), body_from(request.form, FIELDS))
    if errors:
        return _list(typed, errors, 422)
    try:
        user = users.create_user(**data)
    except Conflict as error:
        db.session.rollback()
        return _list(typed, {"username": ["Este usuário já existe."]}, error.status)
    except DomainError as error:
        db.session.rollback()
        return _list(typed, domain_errors(error), error.status)
    return _back(f"Usuário {user.username} criado.")


def _change(user_id: int, body: dict, done: str):
    """A change of one user through the API's patch: its refusals shown on the user's row."""
    data, errors = load(UserPatch(), body)
    if errors:
        return _list(status=422, row_errors={user_id: errors})
    try:
        user = users.update_user(user_id, data, acting_user=g.user)
    except DomainError as error:
        db.session.rollback()
        return _list(status=error.status, row_errors={user_id: domain_errors(error)})
    return _back(done.format(user.username))


@bp.route("/admin/usuarios/<int:user_id>/perfil", methods=["POST"])
@requires("users", WRITE)
def change_user_role(user_id: int):
    """Another role for the user."""
    role = body_from(request.form, ("role",))
    label = ROLE_LABELS.get(role.get("role"), "")
    return _change(user_id, role, "Perfil de {0} alterado para " + label + ".")


@bp.route("/admin/usuarios/<int:user_id>/situacao", methods=["POST"])
@requires("users", WRITE)
def set_user_active(user_id: int):
    """Deactivate (ends the user's sessions) or reactivate the user."""
    body = {"active": request.form.get("active") == "true"}
    done = "Usuário {0} reativado." if body["active"] else "Usuário {0} desativado."
    return _change(user_id, body, done)


@bp.route("/admin/usuarios/<int:user_id>/desbloquear", methods=["POST"])
@requires("users", WRITE)
def unlock_user(user_id: int):
    """Lift the user's failed-login locks."""
    try:
        user = auth.unlock_user(user_id)
    except DomainError as error:
        db.session.rollback()
        return _list(status=error.status, row_errors={user_id: domain_errors(error)})
    return _back(f"Bloqueios de {user.username} removidos.")
