"""The small tree of errors crownlog raises on purpose.

Each maps to one CLI exit code (``service.cli.exits``) and one HTTP status
(``service.api.errors``), each mapping in one place.
"""


class CrownlogError(Exception):
    """Base of every error crownlog raises deliberately; the message is for a human."""


class ConfigError(CrownlogError):
    """Settings or a config file are invalid; the message names the key and the file."""


class DatabaseUnavailable(CrownlogError):
    """The database cannot be used: unreachable, read-only, or not at this crownlog's
    migration. Nothing was written; the message says what to do."""


class ConcurrencyError(CrownlogError):
    """A stream's version was not what the writer expected; nothing was appended."""


class IntegrityError(CrownlogError):
    """The hash chain or an import file is broken; the message names the first bad position."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class SchemaError(CrownlogError):
    """An event payload is malformed (or of a type or schema this code does not know)."""


class SourceError(CrownlogError):
    """A source could not be fetched or parsed; other sources are unaffected."""
