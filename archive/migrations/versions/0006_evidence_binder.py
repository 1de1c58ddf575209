"""Evidence binder: volume kind and batch, TOC group labels and notes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Volumes get a kind ("volume", or "evidence" for a 整改佐证材料汇编) and the feedback batch they were
made for; existing volumes become kind "volume" through the server default.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('volume_toc_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volume_id', sa.Integer(), nullable=False),
    sa.Column('after_position', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('group_label', sa.String(length=500), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('remarks', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_volume_toc_notes_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['volume_id'], ['volumes.id'], name=op.f('fk_volume_toc_notes_volume_id_volumes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_toc_notes')),
    sa.UniqueConstraint('volume_id', 'after_position', 'ordinal', name='uq_volume_toc_notes_place')
    )
    with op.batch_alter_table('volume_toc_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_toc_notes_document_id'), ['document_id'], unique=False)

    with op.batch_alter_table('volume_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_label', sa.String(length=500), nullable=True))

    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='volume', nullable=False))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_volumes_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_volumes_batch_id_feedback_batches'), 'feedback_batches', ['batch_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_volumes_batch_id_feedback_batches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_volumes_batch_id'))
        batch_op.drop_column('batch_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('volume_items', schema=None) as batch_op:
        batch_op.drop_column('group_label')

    with op.batch_alter_table('volume_toc_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_toc_notes_document_id'))

    op.drop_table('volume_toc_notes')
