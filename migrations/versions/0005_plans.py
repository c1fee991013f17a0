"""Plans instead of pickles: the scheduler reads data, never user code.

* ``workflow_snapshot.plan``: the workflow's scheduling description as JSON (``aiflow.plan``),
  written by the upload's sandboxed loader and validated by the API server. It replaces
  ``workflow_object``, the cloudpickled workflow, which nothing loads any more. Executions of a
  snapshot stored before this revision fail with a message asking to upload the workflow again.
* ``workflow_event_trigger.condition``: the trigger's condition as JSON (same format). It replaces
  ``rule``, the cloudpickled ``WorkflowRule``. Triggers stored before this revision are kept but
  marked broken (``error``), since their pickles are not loaded: add them again.
* ``workflow_event_trigger.error`` and ``workflow_schedule.error``: why the scheduler took a
  trigger or schedule out of play (with the traceback); null while it is in play. Resuming it
  clears the error.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql")
BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")
LEGACY_TRIGGER = ("stored by an older version as a pickle, which the scheduler no longer loads; "
                  "delete it and add it again")


def upgrade() -> None:
    with op.batch_alter_table("workflow_snapshot") as batch:
        batch.add_column(sa.Column("plan", TEXT, nullable=True))
        batch.drop_column("workflow_object")
    with op.batch_alter_table("workflow_event_trigger") as batch:
        batch.add_column(sa.Column("condition", TEXT, nullable=True))
        batch.add_column(sa.Column("error", TEXT, nullable=True))
    op.execute(sa.text("UPDATE workflow_event_trigger SET error = :error").bindparams(error=LEGACY_TRIGGER))
    with op.batch_alter_table("workflow_event_trigger") as batch:
        batch.drop_column("rule")
    op.add_column("workflow_schedule", sa.Column("error", TEXT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow_schedule") as batch:
        batch.drop_column("error")
    with op.batch_alter_table("workflow_event_trigger") as batch:
        batch.add_column(sa.Column("rule", BLOB, nullable=True))  # the pickles are gone: add the triggers again
        batch.drop_column("error")
        batch.drop_column("condition")
    with op.batch_alter_table("workflow_snapshot") as batch:
        batch.add_column(sa.Column("workflow_object", BLOB, nullable=True))  # likewise: upload the workflows again
        batch.drop_column("plan")
