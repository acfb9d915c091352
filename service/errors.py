"""The small tree of errors crownlog raises on purpose.

Each maps to one CLI exit code (``service.cli``) and one HTTP status (``service.api``).
"""


class CrownlogError(Exception):
    """Base of every error crownlog raises deliberately; the message is for a human."""

    exit_code = 1


class ConfigError(CrownlogError):
    """Settings or a config file are invalid; the message names the key and the file."""

    exit_code = 2


class ConcurrencyError(CrownlogError):
    """A stream's version was not what the writer expected; nothing was appended."""


class IntegrityError(CrownlogError):
    """The hash chain or an import file is broken; the message names the first bad position."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class SchemaError(CrownlogError):
    """The database is not at the migration head, or an event payload is malformed."""


class SourceError(CrownlogError):
    """A source could not be fetched or parsed; other sources are unaffected."""
