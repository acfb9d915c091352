"""``crownlog db``: schema migrations."""

from __future__ import annotations

import typer

from service import migrate
from service.bootstrap import build
from service.cli.context import context

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    services = build(context(ctx).settings)
    before = migrate.current_revision(services.engine)
    migrate.upgrade(services.engine, revision)
    after = migrate.current_revision(services.engine)
    typer.echo(f"database at migration {after} (was {before or 'empty'})")


@app.command()
def downgrade(ctx: typer.Context, revision: str = typer.Argument(...)) -> None:
    """Revert migrations down to REVISION (`base` drops every crownlog table)."""
    services = build(context(ctx).settings)
    migrate.downgrade(services.engine, revision)
    typer.echo(f"database at migration {migrate.current_revision(services.engine) or 'base'}")


@app.command()
def current(ctx: typer.Context) -> None:
    """Print the database's migration and the newest one this crownlog knows."""
    services = build(context(ctx).settings)
    typer.echo(
        f"database: {migrate.current_revision(services.engine) or 'empty'}; "
        f"code: {migrate.head_revision()}"
    )
