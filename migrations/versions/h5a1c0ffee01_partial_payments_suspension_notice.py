"""Partial payments, boletos per balance, the suspension notice

receivables.status gains 'partially_paid' (payments below the amount; the balance is owed);
boletos are unique per (receivable, amount): a partially paid receivable gets a boleto of its
balance with its own nosso número; the "suspension_notice" e-mail template (announces the
suspension and its date), and the overdue notice says whether its days are business or
calendar days.

Revision ID: h5a1c0ffee01
Revises: h2c7e1a0d9b3
Create Date: 2026-12-05 14:00:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "h5a1c0ffee01"
down_revision = "h2c7e1a0d9b3"
branch_labels = None
depends_on = None

# As in models/notices/email_template_defaults.py (a migration does not import the application).
SUSPENSION_NOTICE = {
    'subject': '{{ isp_name }}: aviso de suspensão em {{ suspension_date }}',
    'text_body': 'Olá, {{ customer_name }}.\n\nAVISO DE SUSPENSÃO DO SERVIÇO\n\nNão identificamos o pagamento da fatura {{ description }}, de {{ amount }}, vencida em {{ due_date }} ({{ days_overdue }} dias {{ days_kind }} de atraso).\n\nSe o pagamento não for identificado até lá, o serviço será suspenso a partir de {{ suspension_date }} ({{ notice_days }} dias corridos após este aviso).\n\n{% if linha_digitavel %}Linha digitável: {{ linha_digitavel }}\n{% if pix_code %}\nPIX (copia e cola):\n{{ pix_code }}\n{% endif %}{% else %}Fale conosco para regularizar o pagamento.\n{% endif %}\nSe já pagou, por favor desconsidere esta mensagem.\n\nAtenciosamente,\n{{ isp_name }}\n',
    'html_body': '<p>Olá, {{ customer_name }}.</p>\n<p><strong>AVISO DE SUSPENSÃO DO SERVIÇO</strong></p>\n<p>Não identificamos o pagamento da fatura <strong>{{ description }}</strong>, de\n<strong>{{ amount }}</strong>, vencida em <strong>{{ due_date }}</strong>\n({{ days_overdue }} dias {{ days_kind }} de atraso).</p>\n<p>Se o pagamento não for identificado até lá, o serviço será suspenso a partir de\n<strong>{{ suspension_date }}</strong> ({{ notice_days }} dias corridos após este aviso).</p>\n{% if linha_digitavel %}<p>Linha digitável: <code>{{ linha_digitavel }}</code></p>\n{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code }}</code></p>{% endif %}\n{% else %}<p>Fale conosco para regularizar o pagamento.</p>\n{% endif %}\n<p>Se já pagou, por favor desconsidere esta mensagem.</p>\n<p>Atenciosamente,<br>{{ isp_name }}</p>\n',
}
OLD_DAYS = "{{ days_overdue }} dias de atraso"
NEW_DAYS = "{{ days_overdue }} dias {{ days_kind }} de atraso"
OLD_STATUSES = "status IN ('open', 'paid', 'cancelled')"
NEW_STATUSES = "status IN ('open', 'partially_paid', 'paid', 'cancelled')"


def _statuses(check: str, length: int) -> None:
    with op.batch_alter_table("receivables") as batch_op:
        batch_op.drop_constraint(op.f("ck_receivables_status_known"), type_="check")
        batch_op.alter_column("status", type_=sa.String(length=length), existing_nullable=False)
        batch_op.create_check_constraint(op.f("ck_receivables_status_known"), sa.text(check))


def _overdue_days(old: str, new: str) -> None:
    for part in ("text_body", "html_body"):
        op.execute(
            sa.text(
                f"UPDATE email_templates SET {part} = REPLACE({part}, :old, :new) "
                "WHERE kind = 'overdue_notice'"
            ).bindparams(old=old, new=new)
        )


def upgrade():
    _statuses(NEW_STATUSES, 20)
    with op.batch_alter_table("boletos") as batch_op:
        batch_op.drop_constraint(op.f("uq_boletos_receivable_id"), type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_boletos_receivable_id_amount"), ["receivable_id", "amount"]
        )
    templates = sa.table(
        "email_templates",
        *(sa.column(name, sa.Text) for name in ("kind", "subject", "text_body", "html_body")),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        templates, [{"kind": "suspension_notice", **SUSPENSION_NOTICE, "updated_at": now}]
    )
    _overdue_days(OLD_DAYS, NEW_DAYS)


def downgrade():
    _overdue_days(NEW_DAYS, OLD_DAYS)
    op.execute("DELETE FROM email_templates WHERE kind = 'suspension_notice'")
    with op.batch_alter_table("boletos") as batch_op:
        batch_op.drop_constraint(op.f("uq_boletos_receivable_id_amount"), type_="unique")
        batch_op.create_unique_constraint(op.f("uq_boletos_receivable_id"), ["receivable_id"])
    op.execute("UPDATE receivables SET status = 'open' WHERE status = 'partially_paid'")
    _statuses(OLD_STATUSES, 10)
