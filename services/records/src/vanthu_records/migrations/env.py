from vanthu_core.db import run_alembic_env
from vanthu_records.store import metadata

run_alembic_env(metadata)
