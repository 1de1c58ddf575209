"""Ledgers and households: imported 台账 with their rows and problems, households (一户一档) with
members, figures per year and linked documents; users' right to see personal data unmasked

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Existing users get can_view_personal = false through the server default.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=100), nullable=False),
    sa.Column('head_id_number', sa.String(length=18), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_households_org_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('head_id_number', name=op.f('uq_households_head_id_number'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_org_id'), ['org_id'], unique=False)

    op.create_table('household_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('relation', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_members_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_members'))
    )
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_members_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_members_id_number'), ['id_number'], unique=False)

    op.create_table('household_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('how', sa.String(length=20), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_household_documents_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_household_documents_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_documents_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_documents')),
    sa.UniqueConstraint('household_id', 'document_id', name='uq_household_documents_document')
    )
    with op.batch_alter_table('household_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_documents_document_id'), ['document_id'], unique=False)

    op.create_table('ledgers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('type_key', sa.String(length=50), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sheet', sa.String(length=200), nullable=False),
    sa.Column('header_rows', sa.JSON(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('warning_count', sa.Integer(), nullable=False),
    sa.Column('household_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ledgers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_ledgers_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_ledgers_org_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledgers')),
    sa.UniqueConstraint('document_id', name=op.f('uq_ledgers_document_id'))
    )
    with op.batch_alter_table('ledgers', schema=None) as batch_op:
        batch_op.create_index('ix_ledgers_org_year', ['org_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledgers_type_key'), ['type_key'], unique=False)

    op.create_table('household_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=True),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_years_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledgers.id'], name=op.f('fk_household_years_ledger_id_ledgers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_years')),
    sa.UniqueConstraint('household_id', 'year', name='uq_household_years_year')
    )
    with op.batch_alter_table('household_years', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_years_ledger_id'), ['ledger_id'], unique=False)

    op.create_table('ledger_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=True),
    sa.Column('column', sa.String(length=10), nullable=True),
    sa.Column('field', sa.String(length=50), nullable=True),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledgers.id'], name=op.f('fk_ledger_problems_ledger_id_ledgers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_problems'))
    )
    with op.batch_alter_table('ledger_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_problems_ledger_id'), ['ledger_id'], unique=False)

    op.create_table('ledger_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ledger_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_ledger_rows_household_id_households'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ledger_id'], ['ledgers.id'], name=op.f('fk_ledger_rows_ledger_id_ledgers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_rows')),
    sa.UniqueConstraint('ledger_id', 'row_number', name='uq_ledger_rows_number')
    )
    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_rows_household_id'), ['household_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('can_view_personal', sa.Boolean(), server_default='0', nullable=False))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('can_view_personal')

    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_rows_household_id'))

    op.drop_table('ledger_rows')
    with op.batch_alter_table('ledger_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_problems_ledger_id'))

    op.drop_table('ledger_problems')
    with op.batch_alter_table('household_years', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_years_ledger_id'))

    op.drop_table('household_years')
    with op.batch_alter_table('ledgers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledgers_type_key'))
        batch_op.drop_index('ix_ledgers_org_year')

    op.drop_table('ledgers')
    with op.batch_alter_table('household_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_documents_document_id'))

    op.drop_table('household_documents')
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_members_id_number'))
        batch_op.drop_index(batch_op.f('ix_household_members_household_id'))

    op.drop_table('household_members')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_org_id'))
        batch_op.drop_index(batch_op.f('ix_households_category'))

    op.drop_table('households')
