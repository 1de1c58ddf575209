"""Schema migrations with Alembic, run from code (`archive init`)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision. Returns False when it already was (a no-op)."""
    with engine.begin() as connection:
        if current_revision(connection) == head_revision():
            return False
        command.upgrade(_config(connection), "head")
    return True


def current_revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def autogenerate(engine: Engine, message: str) -> None:
    """Developer helper: write a new revision from the models' differences."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
