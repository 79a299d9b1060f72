"""Fiscal activity codes the admin keeps [5.1.4]: CNAE subclasses or service-list items."""

import re

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.db import db, flush_or_conflict, get_row
from models.errors import Conflict, Invalid

# A CNAE 2.x subclass ("6110-8/01") or an item of the LC 116/2003 service list ("1.07").
CODE_PATTERN = r"[0-9]{4}-[0-9]/[0-9]{2}|[0-9]{1,2}\.[0-9]{2}"


class FiscalActivityCode(Audited, db.Model):
    """One code a customer's invoices may carry; withdrawn ones stay for the options that hold
    them, but cannot be chosen again."""

    __tablename__ = "fiscal_activity_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def is_code(value: str) -> bool:
    """Whether `value` has the form of a CNAE subclass or a service-list item."""
    return re.fullmatch(CODE_PATTERN, value) is not None


def list_codes(active: bool | None) -> list[FiscalActivityCode]:
    query = db.select(FiscalActivityCode).order_by(FiscalActivityCode.code)
    if active is not None:
        query = query.where(FiscalActivityCode.active == active)
    return list(db.session.scalars(query))


def get_code(code_id: int) -> FiscalActivityCode:
    return get_row(FiscalActivityCode, code_id, "Fiscal activity code")


def create_code(data: dict) -> FiscalActivityCode:
    """Add a code; one already listed is a conflict."""
    if not is_code(data["code"]):
        raise Invalid.field("code", "A CNAE subclass (6110-8/01) or a service item (1.07).")
    row = FiscalActivityCode(**{"active": True, **data})
    db.session.add(row)
    taken = Conflict(f"{row.code} is already listed.", {"code": ["Already listed."]})
    flush_or_conflict("uq_fiscal_activity_codes_code", taken)
    return row


def update_code(code_id: int, changes: dict) -> FiscalActivityCode:
    """Change the description or withdraw a code; the code itself never changes (options
    refer to it)."""
    row = get_row(FiscalActivityCode, code_id, "Fiscal activity code", for_update=True)
    for key, value in changes.items():
        setattr(row, key, value)
    db.session.flush()
    return row


def usable_code(code: str | None, field: str = "fiscal_activity_code") -> str | None:
    """`code` if it is None or an active listed code, else Invalid naming `field`."""
    if code is None:
        return None
    found = db.session.scalar(
        db.select(FiscalActivityCode.code).where(
            FiscalActivityCode.code == code, FiscalActivityCode.active.is_(True)
        )
    )
    if found is None:
        raise Invalid.field(field, "Not an active code of GET /api/v1/fiscal-activity-codes.")
    return found
