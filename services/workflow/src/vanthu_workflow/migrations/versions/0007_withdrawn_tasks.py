"""Tasks stopped with their document before the ``withdrawn`` task state existed (issue 14, the cancelled draft):
a document cancelled in the registry, or an arrival whose revocation the clerk accepted, used to leave its open tasks
``cancelled`` — the state of a task taken back (giao lại, thu hồi), whose holder loses access. Such a task becomes
``withdrawn`` with the note the store now writes, so its holder finds it among their finished tasks and keeps
seeing the document.

A task is one of them when its case was withdrawn at the very instant the task ended: ``WorkflowStore.withdraw``
writes the tasks' ``done_at`` and the ``withdraw`` step's ``at`` from one clock reading. A task taken back earlier
ended at another instant and stays ``cancelled``. The step's note tells a revocation (it begins "Cơ quan gửi đã thu
hồi") from a cancellation. Nothing else changes; the steps stay as they were (append-only).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        UPDATE tasks SET state = 'withdrawn', note = (
            SELECT CASE WHEN steps.comment LIKE 'Cơ quan gửi đã thu hồi%' THEN 'Văn bản đã bị thu hồi'
                        ELSE 'Văn bản đã bị hủy' END
            FROM steps WHERE steps.case_id = tasks.case_id AND steps.action = 'withdraw'
                         AND steps.at = tasks.done_at ORDER BY steps.seq LIMIT 1)
        WHERE tasks.state = 'cancelled' AND EXISTS (
            SELECT 1 FROM steps WHERE steps.case_id = tasks.case_id AND steps.action = 'withdraw'
                                  AND steps.at = tasks.done_at)
    """)


def downgrade() -> None:
    op.execute("UPDATE tasks SET state = 'cancelled' WHERE state = 'withdrawn'")
