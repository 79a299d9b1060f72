"""The non-payment ladder: reduced speed, holds' flags, CoA-Requests, the stages' notices

subscriptions.speed_reduced_at (the ladder's partial suspension; the status stays active) and
speed_reductions (its periods, for billing); suspension_holds' flags no_suspend ("Suspender")
and no_reduce ("Reduzir"), both true for holds placed before; radius_disconnects carries
CoA-Requests too (kind, rate_limit, address_list); the "reduction_notice" and
"termination_notice" e-mail templates.

Revision ID: k1a2b3c4d5e6
Revises: j1f5a7b9d1c3
Create Date: 2026-12-06 14:26:04

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'k1a2b3c4d5e6'
down_revision = 'j1f5a7b9d1c3'
branch_labels = None
depends_on = None

# As in models/notices/email_template_defaults.py (a migration does not import the application).
TEMPLATES = {'reduction_notice': {'html_body': '<p>Olá, {{ customer_name }}.</p>\n'
                                   '<p><strong>AVISO DE REDUÇÃO DA VELOCIDADE (SUSPENSÃO '
                                   'PARCIAL)</strong></p>\n'
                                   '<p>Não identificamos o pagamento da fatura <strong>{{ '
                                   'description }}</strong>, de\n'
                                   '<strong>{{ amount }}</strong>, vencida em <strong>{{ due_date '
                                   '}}</strong>\n'
                                   '({{ days_overdue }} dias {{ days_kind }} de atraso).</p>\n'
                                   '<p>Se o pagamento não for identificado até lá, a partir de '
                                   '<strong>{{ stage_date }}</strong>\n'
                                   '({{ notice_days }} dias corridos após este aviso) a velocidade '
                                   'da sua conexão será reduzida a\n'
                                   '<strong>{{ speed_percent }}%</strong> da contratada, até o '
                                   'pagamento. Enquanto durar a redução,\n'
                                   'a mensalidade é cobrada na proporção do serviço prestado.</p>\n'
                                   '{% if next_stage %}<p>Se a dívida continuar, a etapa seguinte '
                                   'é {{ next_stage }}, com novo\n'
                                   'aviso antes.</p>{% endif %}\n'
                                   '{% if linha_digitavel %}<p>Linha digitável: <code>{{ '
                                   'linha_digitavel }}</code></p>\n'
                                   '{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code '
                                   '}}</code></p>{% endif %}\n'
                                   '{% else %}<p>Fale conosco para regularizar o pagamento.</p>\n'
                                   '{% endif %}\n'
                                   '<p>Se já pagou, por favor desconsidere esta mensagem.</p>\n'
                                   '<p>Atenciosamente,<br>{{ isp_name }}</p>\n',
                      'subject': '{{ isp_name }}: aviso de redução da velocidade em {{ stage_date '
                                 '}}',
                      'text_body': 'Olá, {{ customer_name }}.\n'
                                   '\n'
                                   'AVISO DE REDUÇÃO DA VELOCIDADE (SUSPENSÃO PARCIAL)\n'
                                   '\n'
                                   'Não identificamos o pagamento da fatura {{ description }}, de '
                                   '{{ amount }}, vencida em {{ due_date }} ({{ days_overdue }} '
                                   'dias {{ days_kind }} de atraso).\n'
                                   '\n'
                                   'Se o pagamento não for identificado até lá, a partir de {{ '
                                   'stage_date }} ({{ notice_days }} dias corridos após este '
                                   'aviso) a velocidade da sua conexão será reduzida a {{ '
                                   'speed_percent }}% da contratada, até o pagamento. Enquanto '
                                   'durar a redução, a mensalidade é cobrada na proporção do '
                                   'serviço prestado.\n'
                                   '{% if next_stage %}Se a dívida continuar, a etapa seguinte é '
                                   '{{ next_stage }}, com novo aviso antes.\n'
                                   '{% endif %}\n'
                                   '{% if linha_digitavel %}Linha digitável: {{ linha_digitavel '
                                   '}}\n'
                                   '{% if pix_code %}\n'
                                   'PIX (copia e cola):\n'
                                   '{{ pix_code }}\n'
                                   '{% endif %}{% else %}Fale conosco para regularizar o '
                                   'pagamento.\n'
                                   '{% endif %}\n'
                                   'Se já pagou, por favor desconsidere esta mensagem.\n'
                                   '\n'
                                   'Atenciosamente,\n'
                                   '{{ isp_name }}\n'},
 'termination_notice': {'html_body': '<p>Olá, {{ customer_name }}.</p>\n'
                                     '<p><strong>AVISO DE CANCELAMENTO DO CONTRATO</strong></p>\n'
                                     '<p>O serviço está suspenso pela falta de pagamento da fatura '
                                     '<strong>{{ description }}</strong>,\n'
                                     'de <strong>{{ amount }}</strong>, vencida em <strong>{{ '
                                     'due_date }}</strong>\n'
                                     '({{ days_overdue }} dias {{ days_kind }} de atraso).</p>\n'
                                     '<p>Se o pagamento não for identificado até lá, o contrato '
                                     'poderá ser cancelado a partir de\n'
                                     '<strong>{{ stage_date }}</strong> ({{ notice_days }} dias '
                                     'corridos após este aviso). O\n'
                                     'cancelamento não extingue a dívida.</p>\n'
                                     '{% if linha_digitavel %}<p>Linha digitável: <code>{{ '
                                     'linha_digitavel }}</code></p>\n'
                                     '{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code '
                                     '}}</code></p>{% endif %}\n'
                                     '{% else %}<p>Fale conosco para regularizar o pagamento.</p>\n'
                                     '{% endif %}\n'
                                     '<p>Se já pagou, por favor desconsidere esta mensagem.</p>\n'
                                     '<p>Atenciosamente,<br>{{ isp_name }}</p>\n',
                        'subject': '{{ isp_name }}: aviso de cancelamento do contrato em {{ '
                                   'stage_date }}',
                        'text_body': 'Olá, {{ customer_name }}.\n'
                                     '\n'
                                     'AVISO DE CANCELAMENTO DO CONTRATO\n'
                                     '\n'
                                     'O serviço está suspenso pela falta de pagamento da fatura {{ '
                                     'description }}, de {{ amount }}, vencida em {{ due_date }} '
                                     '({{ days_overdue }} dias {{ days_kind }} de atraso).\n'
                                     '\n'
                                     'Se o pagamento não for identificado até lá, o contrato '
                                     'poderá ser cancelado a partir de {{ stage_date }} ({{ '
                                     'notice_days }} dias corridos após este aviso). O '
                                     'cancelamento não extingue a dívida.\n'
                                     '\n'
                                     '{% if linha_digitavel %}Linha digitável: {{ linha_digitavel '
                                     '}}\n'
                                     '{% if pix_code %}\n'
                                     'PIX (copia e cola):\n'
                                     '{{ pix_code }}\n'
                                     '{% endif %}{% else %}Fale conosco para regularizar o '
                                     'pagamento.\n'
                                     '{% endif %}\n'
                                     'Se já pagou, por favor desconsidere esta mensagem.\n'
                                     '\n'
                                     'Atenciosamente,\n'
                                     '{{ isp_name }}\n'}}


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('speed_reductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('credited_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_speed_reductions_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speed_reductions'))
    )
    with op.batch_alter_table('speed_reductions', schema=None) as batch_op:
        batch_op.create_index('ix_speed_reductions_subscription_open', ['subscription_id', 'ended_on'], unique=False)

    with op.batch_alter_table('radius_disconnects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='disconnect', nullable=False))
        batch_op.add_column(sa.Column('rate_limit', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('address_list', sa.Text(), nullable=True))
        batch_op.create_index('ix_radius_disconnects_unanswered_username', ['username'], unique=False, postgresql_where=sa.text("status IN ('pending', 'sending')"), sqlite_where=sa.text("status IN ('pending', 'sending')"))

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speed_reduced_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('suspension_holds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_suspend', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('no_reduce', sa.Boolean(), server_default=sa.true(), nullable=False))

    # ### end Alembic commands ###
    table = sa.table(
        "email_templates",
        *(sa.column(name, sa.Text) for name in ("kind", "subject", "text_body", "html_body")),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [{"kind": kind, **parts, "updated_at": now} for kind, parts in TEMPLATES.items()])


def downgrade():
    op.execute("DELETE FROM email_templates WHERE kind IN ('reduction_notice', 'termination_notice')")
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('suspension_holds', schema=None) as batch_op:
        batch_op.drop_column('no_reduce')
        batch_op.drop_column('no_suspend')

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('speed_reduced_at')

    with op.batch_alter_table('radius_disconnects', schema=None) as batch_op:
        batch_op.drop_index('ix_radius_disconnects_unanswered_username', postgresql_where=sa.text("status IN ('pending', 'sending')"), sqlite_where=sa.text("status IN ('pending', 'sending')"))
        batch_op.drop_column('address_list')
        batch_op.drop_column('rate_limit')
        batch_op.drop_column('kind')

    with op.batch_alter_table('speed_reductions', schema=None) as batch_op:
        batch_op.drop_index('ix_speed_reductions_subscription_open')

    op.drop_table('speed_reductions')
    # ### end Alembic commands ###
