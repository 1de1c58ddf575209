"""Rectification tracking: feedback batches, items, their responsible units, evidence and timeline

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('feedback_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_feedback_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_feedback_batches_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_feedback_batches_org_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_batches'))
    )
    with op.batch_alter_table('feedback_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_batches_org_id'), ['org_id'], unique=False)

    op.create_table('rectification_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=50), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('lead_org_id', sa.Integer(), nullable=True),
    sa.Column('leader', sa.String(length=200), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('responsible_user_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('deadline_text', sa.String(length=200), nullable=False),
    sa.Column('original_deadline', sa.Date(), nullable=True),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('acceptance_opinion', sa.Text(), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('overdue_since', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_rectification_items_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['batch_id'], ['feedback_batches.id'], name=op.f('fk_rectification_items_batch_id_feedback_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_rectification_items_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_org_id'], ['org_units.id'], name=op.f('fk_rectification_items_lead_org_id_org_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['responsible_user_id'], ['users.id'], name=op.f('fk_rectification_items_responsible_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_rectification_items_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_items')),
    sa.UniqueConstraint('batch_id', 'number', name='uq_rectification_items_number')
    )
    with op.batch_alter_table('rectification_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_items_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_items_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_items_lead_org_id'), ['lead_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_items_state'), ['state'], unique=False)

    op.create_table('rectification_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['rectification_items.id'], name=op.f('fk_rectification_events_item_id_rectification_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rectification_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_events'))
    )
    with op.batch_alter_table('rectification_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_events_item_id'), ['item_id'], unique=False)

    op.create_table('rectification_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_rectification_evidence_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_rectification_evidence_document_id_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_id'], ['rectification_items.id'], name=op.f('fk_rectification_evidence_item_id_rectification_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_evidence')),
    sa.UniqueConstraint('item_id', 'document_id', name='uq_rectification_evidence_document')
    )
    with op.batch_alter_table('rectification_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_evidence_document_id'), ['document_id'], unique=False)

    op.create_table('rectification_item_units',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['rectification_items.id'], name=op.f('fk_rectification_item_units_item_id_rectification_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_rectification_item_units_org_id_org_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('item_id', 'org_id', name=op.f('pk_rectification_item_units'))
    )
    with op.batch_alter_table('rectification_item_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_item_units_org_id'), ['org_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('rectification_item_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_item_units_org_id'))

    op.drop_table('rectification_item_units')
    with op.batch_alter_table('rectification_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_evidence_document_id'))

    op.drop_table('rectification_evidence')
    with op.batch_alter_table('rectification_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_events_item_id'))

    op.drop_table('rectification_events')
    with op.batch_alter_table('rectification_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_items_state'))
        batch_op.drop_index(batch_op.f('ix_rectification_items_lead_org_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_items_deadline'))
        batch_op.drop_index(batch_op.f('ix_rectification_items_batch_id'))

    op.drop_table('rectification_items')
    with op.batch_alter_table('feedback_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_batches_org_id'))

    op.drop_table('feedback_batches')
