"""Bound volumes and their items

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('volumes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.String(length=50), nullable=False),
    sa.Column('category_code', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('retention', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('filing_no', sa.String(length=100), nullable=False),
    sa.Column('made_by', sa.String(length=100), nullable=False),
    sa.Column('checked_by', sa.String(length=100), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('double_sided', sa.Boolean(), nullable=False),
    sa.Column('spine', sa.Boolean(), nullable=False),
    sa.Column('filing_stamp', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('volume_no', sa.Integer(), nullable=True),
    sa.Column('archive_code', sa.String(length=100), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('total_pages', sa.Integer(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('pdf_size', sa.Integer(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_volumes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_volumes_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_volumes_org_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volumes')),
    sa.UniqueConstraint('archive_code', name=op.f('uq_volumes_archive_code'))
    )
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volumes_org_id'), ['org_id'], unique=False)

    op.create_table('volume_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volume_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rendition_sha256', sa.String(length=64), nullable=True),
    sa.Column('archive_code', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=1000), nullable=True),
    sa.Column('doc_number', sa.String(length=200), nullable=True),
    sa.Column('author', sa.String(length=500), nullable=True),
    sa.Column('doc_date', sa.Date(), nullable=True),
    sa.Column('page_start', sa.Integer(), nullable=True),
    sa.Column('page_end', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_volume_items_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['volume_id'], ['volumes.id'], name=op.f('fk_volume_items_volume_id_volumes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_items')),
    sa.UniqueConstraint('volume_id', 'document_id', name='uq_volume_items_document'),
    sa.UniqueConstraint('volume_id', 'position', name='uq_volume_items_position')
    )
    with op.batch_alter_table('volume_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_items_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('volume_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_items_document_id'))

    op.drop_table('volume_items')
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volumes_org_id'))

    op.drop_table('volumes')
