"""Exit codes of every command, mapped from the error tree in one place (README "Exit codes").

    0  ok
    1  the command ran and found a problem: some sources failed, an audit mismatch, an import
       refused (a broken or conflicting file), an unexpected internal error
    2  usage: an unknown command or option, a bad argument (click reports these)
    3  database unavailable: unreachable, read-only, or not at this crownlog's migration
    4  invalid configuration: settings, the sources file, the database location

Every failure prints one line naming the problem to stderr, never a traceback
(``CROWNLOG_DEBUG=1`` adds the traceback of an internal error).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError as ConstraintViolation
from sqlalchemy.exc import InterfaceError, OperationalError

from service.dbfiles import unavailable
from service.errors import (
    ConcurrencyError,
    ConfigError,
    CrownlogError,
    DatabaseUnavailable,
    IntegrityError,
    SchemaError,
    SourceError,
)

OK, PROBLEM, USAGE, DATABASE, CONFIG = 0, 1, 2, 3, 4

EXIT_CODES: dict[type[CrownlogError], int] = {
    ConfigError: CONFIG,
    DatabaseUnavailable: DATABASE,
    IntegrityError: PROBLEM,
    ConcurrencyError: PROBLEM,
    SchemaError: PROBLEM,
    SourceError: PROBLEM,
}


def exit_code(error: CrownlogError) -> int:
    """The code of ``error``'s nearest class in ``EXIT_CODES`` (1 for any other)."""
    for kind in type(error).__mro__:
        if kind in EXIT_CODES:
            return EXIT_CODES[kind]
    return PROBLEM


def run(app: Callable[[], object], database_url: Callable[[], str]) -> None:
    """Run the typer app; turn every failure into one line on stderr and its exit code."""
    try:
        app()
    except CrownlogError as exc:
        _fail(str(exc), exit_code(exc))
    except (OperationalError, InterfaceError) as exc:
        error = unavailable(exc, database_url())
        _fail(str(error), exit_code(error))
    except ConstraintViolation as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        _fail(f"the database refused the write, nothing was written: {reason}", PROBLEM)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:
        if os.environ.get("CROWNLOG_DEBUG"):
            traceback.print_exc()
        _fail(f"internal error: {exc!r} (set CROWNLOG_DEBUG=1 for the traceback)", PROBLEM)


def _fail(message: str, code: int) -> None:
    one_line = " ".join(part.strip() for part in message.splitlines() if part.strip())
    print(f"crownlog: error: {one_line}", file=sys.stderr)
    sys.exit(code)
