"""Alembic environment: runs on the connection qldrops hands it (see qldrops.store.db.migrate)."""

from alembic import context

from qldrops.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    import sqlalchemy as sa

    from qldrops.settings import Settings

    connection = sa.create_engine(Settings.from_env().resolved_database_url).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
