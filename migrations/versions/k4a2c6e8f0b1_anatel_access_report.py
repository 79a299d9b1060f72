"""Anatel's access report and the offer code (issue 22): plans' access medium, technology,
product and offer code (unique when given); subscriptions' service area (urbano or rural)

Revision ID: k4a2c6e8f0b1
Revises: k3a1c5e7f9b2
Create Date: 2026-12-06 14:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'k4a2c6e8f0b1'
down_revision = 'k3a1c5e7f9b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_medium', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('technology', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('product', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('offer_code', sa.String(length=30), nullable=True))
        batch_op.create_index('uq_plans_offer_code', ['offer_code'], unique=True)
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('service_area', sa.String(length=6), server_default='urbano', nullable=False)
        )
        batch_op.create_check_constraint(
            'service_area_known', "service_area IN ('urbano', 'rural')"
        )


def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_constraint('service_area_known', type_='check')
        batch_op.drop_column('service_area')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('uq_plans_offer_code')
        batch_op.drop_column('offer_code')
        batch_op.drop_column('product')
        batch_op.drop_column('technology')
        batch_op.drop_column('access_medium')
