"""planner statistics on tickets' (state, unit) pairs (issue 16, PostgreSQL)

PostgreSQL estimates a condition on two columns as if they were independent. A ticket's state and unit
are not: a new ticket has no unit yet. For a unit's dashboard, the planner took "a sixth of the overdue
new tickets belong to this unit" and walked the state's index filtering on the unit, reading all 10,574
overdue new tickets (4-9 ms) to find none, where the unit's own index answers at once. Extended
statistics (most common value pairs and functional dependencies) give it the real pairs; they are
gathered by the next ANALYZE (autovacuum after a large load, or `VACUUM ANALYZE`). SQLite: nothing.

Revision ID: i16c_state_unit_statistics
Revises: i16b_queue_counts
"""

from alembic import op

revision = "i16c_state_unit_statistics"
down_revision = "i16b_queue_counts"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS st_tickets_state_unit (mcv, dependencies) ON state, unit_id FROM tickets"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_tickets_state_unit")
