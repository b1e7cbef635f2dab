"""The data layer: SQLAlchemy models, engine and sessions, Alembic migrations and queries (deals in
queries, keys of requests handled once in requests). Knows nothing of Slack or of bot/."""
