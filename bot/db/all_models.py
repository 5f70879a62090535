"""Import every model module so that Base.metadata knows every table (Alembic, tests)."""

from bot.db import events, ml, models, questions  # noqa: F401
