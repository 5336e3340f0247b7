"""Storage of the ledger: SQLAlchemy tables, Alembic migrations, the unit of work and the store."""
