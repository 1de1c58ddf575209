"""Classification, retention, review flags and 件号 sequences for filing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:28:52.440150

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

def upgrade() -> None:
    """Upgrade schema."""

    op.create_table('archive_sequences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fonds', sa.String(length=10), nullable=False),
    sa.Column('door', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('retention', sa.String(length=10), nullable=False),
    sa.Column('class_code', sa.String(length=20), nullable=False),
    sa.Column('last_item', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_sequences')),
    sa.UniqueConstraint('fonds', 'door', 'year', 'retention', 'class_code', name=op.f('uq_archive_sequences_fonds'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_no', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('scheme_id', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('category_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('retention', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('is_poverty_record', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('confidence', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('classified_by', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('needs_review', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('suggested_org_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_category_code'), ['category_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_needs_review'), ['needs_review'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_suggested_org_id_org_units'), 'org_units', ['suggested_org_id'], ['id'], ondelete='SET NULL')

def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_suggested_org_id_org_units'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_needs_review'))
        batch_op.drop_index(batch_op.f('ix_documents_category_code'))
        batch_op.drop_column('suggested_org_id')
        batch_op.drop_column('needs_review')
        batch_op.drop_column('classified_by')
        batch_op.drop_column('confidence')
        batch_op.drop_column('is_poverty_record')
        batch_op.drop_column('retention')
        batch_op.drop_column('category_code')
        batch_op.drop_column('scheme_id')
        batch_op.drop_column('filed_at')
        batch_op.drop_column('item_no')

    op.drop_table('archive_sequences')

