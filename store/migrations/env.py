"""Alembic environment: runs migrations on the engine the app hands over, or on DATABASE_URL."""

from alembic import context

from store.db import make_engine
from store.models import INSTALL_TABLES, Base

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        # APScheduler keeps its job table itself
        include_name=lambda name, type_, _parent: not (type_ == "table" and name in ("apscheduler_jobs", *INSTALL_TABLES)),
    )
    context.run_migrations()
