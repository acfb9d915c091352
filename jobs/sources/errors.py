"""The error an adapter or the parse sandbox raises when a body cannot be read as its kind."""

from service.errors import SourceError


class ParseError(SourceError):
    """The body is not a document of the source's kind (or parsing it ran out of time or memory).

    The message says what was wrong and what to do; other sources are unaffected.
    """
