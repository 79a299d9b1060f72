"""The shape of an admin-kept list screen (Motivos de cancelamento, Códigos de atividade
fiscal): every row with the form for a new one; a row renamed or withdrawn / put back in use
through the API's patch schema and operation; refusals shown on their row (or next to the new
one's fields) with the operation's status, success said after a redirect."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, url_for
from marshmallow import Schema

from models.db import db
from models.errors import DomainError
from web.console.blueprint import render
from web.console.forms import domain_errors, load


@dataclass(frozen=True)
class KeptList:
    template: str
    endpoint: str  # the list's page, where a change redirects to
    rows: Callable[[], list]
    patch: type[Schema]
    update: Callable[[int, dict], object]
    # A refusal's errors as shown (the default: the operation's own, in Portuguese).
    refusal: Callable[[DomainError], dict] = domain_errors

    def page(self, typed=None, errors=None, status=200, row_errors=None):
        return (
            render(
                self.template,
                items=self.rows(),
                typed=typed or {},
                errors=errors or {},
                row_errors=row_errors or {},
            ),
            status,
        )

    def back(self, message: str):
        flash(message, "status")
        return redirect(url_for(self.endpoint), 303)

    def refused(self, typed: dict, error: DomainError):
        """The new row's form again with the operation's refusal (nothing it did is kept)."""
        db.session.rollback()
        return self.page(typed, self.refusal(error), error.status)

    def change(self, row_id: int, body: dict, done: Callable[[object], str]):
        """Patch one row; `done(row)` says what happened."""
        data, errors = load(self.patch(), body)
        if errors:
            return self.page(status=422, row_errors={row_id: errors})
        try:
            row = self.update(row_id, data)
        except DomainError as error:
            db.session.rollback()
            return self.page(status=error.status, row_errors={row_id: self.refusal(error)})
        return self.back(done(row))
