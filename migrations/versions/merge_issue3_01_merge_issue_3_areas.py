"""merge issue 3 areas

Revision ID: merge_issue3_01
Revises: mapping_pkglists_01, notification_digests_1, records_list_indexes
Create Date: 2026-11-25 20:14:49.543028

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'merge_issue3_01'
down_revision = ('mapping_pkglists_01', 'notification_digests_1', 'records_list_indexes')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
