"""E-mail notices (boleto and overdue) [5.1.7, 5.1.8]: what was sent, and the templates."""

from flask import current_app

from models.errors import Forbidden
from models.notices import email_templates, notices, previews
from schemas.notices.notices import (
    EmailTemplateInput,
    EmailTemplateList,
    EmailTemplateOutput,
    EmailTemplatePreviewInput,
    EmailTemplatePreviewOutput,
    NoticeOutput,
    NoticePage,
    NoticeQuery,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import may, requires

URL_PREFIX = ""
blp = Blueprint("notices", __name__, description="E-mail notices and their templates")


@blp.route("/notices", methods=["GET"])
@blp.arguments(NoticeQuery, location="query")
@blp.response(200, NoticePage)
@requires("notices", READ)
def list_notices(args):
    """Notices, newest first; ?status=failed lists those that need someone to look, and
    ?status=unknown (finance and admins) those whose outcome is unknown, each with its
    `next_step`."""
    if args.get("status") == notices.UNKNOWN and not may("notice_outcomes", READ):
        raise Forbidden("Only finance and admins list the notices whose outcome is unknown.")
    page, per_page = args.pop("page"), args.pop("per_page")
    found, total = notices.list_notices(args, page, per_page)
    return {"items": found, "total": total, "page": page, "per_page": per_page}


@blp.route("/notices/<int:notice_id>/resend", methods=["POST"])
@blp.response(202, NoticeOutput)
@blp.alt_response(409, description="The notice is not failed or skipped.")
@requires("notice_resends", WRITE)
def resend(notice_id):
    """Send a failed or skipped notice again (202: a worker sends it). For a failure whose
    outcome is unknown, check the mail server's log for its Message-ID first."""
    notice = notices.send_again(notice_id)
    return notice


@blp.route("/notices/<int:notice_id>/mark-sent", methods=["POST"])
@blp.response(200, NoticeOutput)
@blp.alt_response(409, description="The notice's outcome is not unknown.")
@requires("notice_outcomes", WRITE)
def mark_sent(notice_id):
    """Mark a notice whose outcome is unknown sent, once the mail server's log shows it took
    the message (its Message-ID is in `next_step`)."""
    notice = notices.mark_delivered(notice_id)
    return notice


@blp.route("/email-templates", methods=["GET"])
@blp.response(200, EmailTemplateList)
@requires("notices", READ)
def list_templates():
    """Every e-mail template, with the variables it may use."""
    return {"items": email_templates.list_templates()}


@blp.route("/email-templates/<string:kind>", methods=["GET"])
@blp.response(200, EmailTemplateOutput)
@requires("notices", READ)
def get_template(kind):
    """One template: boleto or overdue_notice."""
    return email_templates.get_template(kind)


@blp.route("/email-templates/<string:kind>", methods=["PUT"])
@blp.arguments(EmailTemplateInput)
@blp.response(200, EmailTemplateOutput)
@requires("notices", WRITE)
def put_template(data, kind):
    """Replace a template; one that does not render with its variables is a 422 naming the part."""
    template = email_templates.update_template(kind, data)
    return template


@blp.route("/email-templates/<string:kind>/preview", methods=["POST"])
@blp.arguments(EmailTemplatePreviewInput)
@blp.response(200, EmailTemplatePreviewOutput)
@blp.alt_response(404, description="No such kind of template, or no such customer")
@requires("notices", READ)
def preview_template(data, kind):
    """The e-mail a customer would get from these parts (those left out: the stored ones), with
    the customer's real data; nothing is saved. A part that does not render is a 422 naming it,
    as saving it would be."""
    return previews.preview(kind, data, current_app.config["ISP_NAME"])
