"""Alembic environment: runs migrations on the connection crownlog hands over, or on the
database its settings name when Alembic is run by hand."""

from alembic import context
from sqlalchemy.engine import Connection

from service.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from service.db import create_engine
    from service.settings import load_settings

    url = context.config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("crownlog migrations run online only: use `crownlog db upgrade`")
_main()
