"""The data layer: SQLAlchemy models, engine and sessions, Alembic migrations and queries. Knows
nothing of Slack or of bot/."""
