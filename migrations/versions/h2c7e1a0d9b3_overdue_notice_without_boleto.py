"""the default overdue notice prints no empty "Linha digitável:" for customers who pay by card
or debit (a `payment_method` variable tells the template which)

Revision ID: h2c7e1a0d9b3
Revises: h1a7c3e9d2f0
Create Date: 2026-12-05 14:00:00

Only a template still exactly as seeded is replaced: one an admin changed is left as it is
(the admin decides its wording; `payment_method` is available to it now).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "h2c7e1a0d9b3"
down_revision = "h1a7c3e9d2f0"
branch_labels = None
depends_on = None

# The overdue notice's text and HTML as seeded by 9d4f6d1e3a04, and as in
# models/notices/email_template_defaults.py now (a migration does not import models).
SEEDED = {'html_body': '<p>Olá, {{ customer_name }}.</p>\n'
              '<p>Não identificamos o pagamento da fatura <strong>{{ description }}</strong>, '
              'de\n'
              '<strong>{{ amount }}</strong>, vencida em <strong>{{ due_date }}</strong>\n'
              '({{ days_overdue }} dias de atraso).</p>\n'
              '<p>Linha digitável: <code>{{ linha_digitavel }}</code></p>\n'
              '{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code }}</code></p>{% '
              'endif %}\n'
              '{% if stage >= 20 %}<p><strong>Evite a suspensão do serviço: regularize o '
              'pagamento o quanto\n'
              'antes.</strong></p>{% endif %}\n'
              '<p>Se já pagou, por favor desconsidere esta mensagem.</p>\n'
              '<p>Atenciosamente,<br>{{ isp_name }}</p>\n',
 'text_body': 'Olá, {{ customer_name }}.\n'
              '\n'
              'Não identificamos o pagamento da fatura {{ description }}, de {{ amount }}, '
              'vencida em {{ due_date }} ({{ days_overdue }} dias de atraso).\n'
              '\n'
              'Linha digitável: {{ linha_digitavel }}\n'
              '{% if pix_code %}\n'
              'PIX (copia e cola):\n'
              '{{ pix_code }}\n'
              '{% endif %}{% if stage >= 20 %}\n'
              'Evite a suspensão do serviço: regularize o pagamento o quanto antes.\n'
              '{% endif %}\n'
              'Se já pagou, por favor desconsidere esta mensagem.\n'
              '\n'
              'Atenciosamente,\n'
              '{{ isp_name }}\n'}
NOW = {'html_body': '<p>Olá, {{ customer_name }}.</p>\n'
              '<p>Não identificamos o pagamento da fatura <strong>{{ description }}</strong>, '
              'de\n'
              '<strong>{{ amount }}</strong>, vencida em <strong>{{ due_date }}</strong>\n'
              '({{ days_overdue }} dias de atraso).</p>\n'
              '{% if linha_digitavel %}<p>Linha digitável: <code>{{ linha_digitavel '
              '}}</code></p>\n'
              '{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code }}</code></p>{% '
              'endif %}\n'
              '{% elif payment_method == "card" %}<p>A fatura é cobrada no seu cartão de '
              'crédito e a cobrança\n'
              'não foi aprovada. Confira o limite e a validade do cartão, ou fale conosco para '
              'pagar de outra\n'
              'forma.</p>\n'
              '{% elif payment_method == "bank_debit" %}<p>A fatura é cobrada por débito '
              'automático em conta e\n'
              'o débito não foi feito. Confira o saldo da conta, ou fale conosco para pagar de '
              'outra forma.</p>\n'
              '{% else %}<p>A fatura é cobrada na sua conta telefônica e o pagamento não foi '
              'confirmado. Fale\n'
              'conosco para regularizar.</p>\n'
              '{% endif %}\n'
              '{% if stage >= 20 %}<p><strong>Evite a suspensão do serviço: regularize o '
              'pagamento o quanto\n'
              'antes.</strong></p>{% endif %}\n'
              '<p>Se já pagou, por favor desconsidere esta mensagem.</p>\n'
              '<p>Atenciosamente,<br>{{ isp_name }}</p>\n',
 'text_body': 'Olá, {{ customer_name }}.\n'
              '\n'
              'Não identificamos o pagamento da fatura {{ description }}, de {{ amount }}, '
              'vencida em {{ due_date }} ({{ days_overdue }} dias de atraso).\n'
              '\n'
              '{% if linha_digitavel %}Linha digitável: {{ linha_digitavel }}\n'
              '{% if pix_code %}\n'
              'PIX (copia e cola):\n'
              '{{ pix_code }}\n'
              '{% endif %}{% elif payment_method == "card" %}A fatura é cobrada no seu cartão '
              'de crédito e a cobrança não foi aprovada. Confira o limite e a validade do '
              'cartão, ou fale conosco para pagar de outra forma.\n'
              '{% elif payment_method == "bank_debit" %}A fatura é cobrada por débito '
              'automático em conta e o débito não foi feito. Confira o saldo da conta, ou fale '
              'conosco para pagar de outra forma.\n'
              '{% else %}A fatura é cobrada na sua conta telefônica e o pagamento não foi '
              'confirmado. Fale conosco para regularizar.\n'
              '{% endif %}{% if stage >= 20 %}\n'
              'Evite a suspensão do serviço: regularize o pagamento o quanto antes.\n'
              '{% endif %}\n'
              'Se já pagou, por favor desconsidere esta mensagem.\n'
              '\n'
              'Atenciosamente,\n'
              '{{ isp_name }}\n'}


def _replace(old: dict, new: dict) -> None:
    templates = sa.table(
        "email_templates", *(sa.column(name, sa.Text) for name in ("kind", "text_body", "html_body"))
    )
    for part in ("text_body", "html_body"):
        op.execute(
            templates.update()
            .where(templates.c.kind == "overdue_notice", templates.c[part] == old[part])
            .values({part: new[part]})
        )


def upgrade():
    _replace(SEEDED, NOW)


def downgrade():
    _replace(NOW, SEEDED)
