"""merge the issue 7 and 8 areas (dedupe, flows, money, security)

Revision ID: merge_issue7_8_01
Revises: dedupe_01, flows_01, money_01, security_01
"""

# revision identifiers, used by Alembic.
revision = "merge_issue7_8_01"
down_revision = ("dedupe_01", "flows_01", "money_01", "security_01")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
