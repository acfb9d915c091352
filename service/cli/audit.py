"""``crownlog audit``: prove the log (and the projections folded from it) intact, and publish
or check anchored heads (docs/design.md §6)."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from service.anchor import current_head, expectation_problem, parse_expect
from service.audit import AuditReport, audit
from service.cli.context import context
from service.cli.progress import progress_bar
from service.errors import IntegrityError
from service.headsign import (
    check_signature,
    generate,
    load_public_key,
    public_pem,
    raw_public,
    signed,
    signing_key,
)

app = typer.Typer(help="Audit the log; publish and check anchored heads.", no_args_is_help=True)


@app.command()
def verify(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    expect: list[str] = typer.Option(
        [], "--expect", help="POS:HASH of a head kept earlier; the log must still hold it."
    ),
) -> None:
    """Check the hash chain and what the log means, replay every projection and compare it with
    the stored tables, trace every catalog fact to an event with a source, and check every
    --expect head; exit 1 on any problem."""
    try:
        expected = [parse_expect(text) for text in expect]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    store = context(ctx).services().store
    head, head_hash = store.head()[:2]
    with progress_bar("verifying the chain, then replaying", 2 * head) as advance:
        report = audit(store, advance, expected)
    if as_json:
        typer.echo(orjson.dumps({**report.as_dict(), "head": head, "head_hash": head_hash}))
    elif report.ok:
        _print_ok(report, f"{head}:{head_hash}", len(expected))
    else:
        _print_problems(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_ok(report: AuditReport, anchor: str, expectations: int) -> None:
    # The head's hash, so a copy kept elsewhere can be compared (audit verify --expect).
    typer.echo(f"chain intact: {report.events} events, head {anchor}")
    typer.echo(
        f"projections match a replay: {report.rows_checked} rows; "
        f"{report.facts_traced} facts traced to sourced events"
    )
    if expectations:
        typer.echo(f"the log still holds the {expectations} expected head(s)")
    for name, pair in report.digests.items():
        typer.echo(f"  {name:<10} {pair['stored']}")


def _print_problems(report: AuditReport) -> None:
    if report.first_bad_position is not None:
        typer.echo(f"chain BROKEN at position {report.first_bad_position}", err=True)
    elif not report.chain_checked:
        typer.echo("the audit could NOT check the chain: the log is not verified", err=True)
    else:
        typer.echo(
            "the chain links, but the log, its anchors or the projections do NOT check out:",
            err=True,
        )
    for problem in report.problems:
        typer.echo(f"  {problem}", err=True)
    typer.echo(
        "  the log: restore from a backup (crownlog events import); "
        "the projections: crownlog replay",
        err=True,
    )


@app.command()
def head(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the head as JSON."),
) -> None:
    """The log's head: position, hash and recorded_at (signed when [audit] signing_key is set).
    Keep it elsewhere; `crownlog audit verify --expect POS:HASH` proves the log still holds it."""
    cli = context(ctx)
    statement = signed(current_head(cli.services().engine), signing_key(cli.settings))
    if as_json:
        typer.echo(orjson.dumps(statement))
        return
    typer.echo(f"position     {statement['position']}")
    typer.echo(f"hash         {statement['hash']}")
    typer.echo(f"recorded_at  {statement['recorded_at'] or '—'}")
    if "signature" in statement:
        typer.echo(f"signature    {statement['signature']}")
        typer.echo(f"public_key   {statement['public_key']}")
    typer.echo(f"anchor       {statement['position']}:{statement['hash']}")


@app.command("verify-head")
def verify_head(
    ctx: typer.Context,
    statement_file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="A head kept earlier (`audit head --json`)."
    ),
    public_key: Path = typer.Option(
        ..., "--public-key", exists=True, dir_okay=False, help="The publisher's public key."
    ),
) -> None:
    """Check a signed head: the signature is the publisher's, and this log still holds it."""
    try:
        statement = orjson.loads(statement_file.read_bytes())
        key = load_public_key(public_key.read_text(encoding="ascii", errors="replace"))
    except (orjson.JSONDecodeError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from None
    if not isinstance(statement, dict):
        raise typer.BadParameter(f"{statement_file}: not a head statement (a JSON object)")
    check_signature(statement, key)
    typer.echo(f"signature valid: head {statement['position']} signed by {raw_public(key)}")
    position, digest = statement.get("position"), statement.get("hash")
    if not isinstance(position, int) or not isinstance(digest, str):
        raise IntegrityError("the head statement has no integer position and text hash")
    problem = expectation_problem(context(ctx).services().engine, position, digest)
    if problem:
        raise IntegrityError(problem)
    typer.echo(f"the log holds it: position {position} has hash {digest}")
    typer.echo("(run `crownlog audit verify` to check the chain up to the head as well)")


@app.command()
def keygen(
    out: Path = typer.Argument(..., help="Where to write the new private key (PEM, mode 600)."),
) -> None:
    """Make an Ed25519 key for [audit] signing_key; prints the public key to publish."""
    if out.exists():
        raise typer.BadParameter(f"{out} exists; crownlog never overwrites a key")
    key = generate(out)
    typer.echo(f'private key written to {out}; set [audit] signing_key = "{out}"', err=True)
    typer.echo(public_pem(key), nl=False)
