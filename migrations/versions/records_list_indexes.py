"""Indexes for the transfers list, the record page and the 30-day chart.

- transfer_events (to_state, at): the chart reads the last 30 days of sent/failed moves without
  scanning every event ever recorded.
- transfers (blocked_by_id): "records that wait for this one" on the record page.
- transfers (company_id, id): the list's newest-first order within a company, unfiltered.

Revision ID: records_list_indexes
Revises: 4939bbd4e75e
"""

from alembic import op

revision = "records_list_indexes"
down_revision = "4939bbd4e75e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_transfer_events_to_state_at", "transfer_events", ["to_state", "at"])
    op.create_index("ix_transfers_blocked_by_id", "transfers", ["blocked_by_id"])
    op.create_index("ix_transfers_company_id_id", "transfers", ["company_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_transfers_company_id_id", table_name="transfers")
    op.drop_index("ix_transfers_blocked_by_id", table_name="transfers")
    op.drop_index("ix_transfer_events_to_state_at", table_name="transfer_events")
