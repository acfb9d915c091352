"""``file://`` sources: a local file read under the same size cap as a download."""

from __future__ import annotations

from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname


def read_local(url: str, max_bytes: int, last_modified: str | None) -> tuple[bytes | None, str]:
    """(body, Last-Modified text) of the file at ``url``; body None if unchanged since
    ``last_modified``. Raises ``ValueError`` with a message naming the path and what to do."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"{url}: a file url names no host — use file:///absolute/path")
    path = Path(url2pathname(parts.path))
    too_large = f"file {path} exceeds {max_bytes} bytes — raise max_bytes or fix the source"
    try:
        stat = path.stat()
        if not path.is_file():
            raise ValueError(f"{path} is not a regular file ({url}) — check the source url")
        if stat.st_size > max_bytes:
            raise ValueError(too_large)
        # Second resolution, like HTTP dates: a later poll compares it as an If-Modified-Since.
        modified = formatdate(stat.st_mtime, usegmt=True)
        if last_modified == modified:
            return None, modified
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise ValueError(f"file {path} does not exist ({url}) — check the source url") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path} ({url}): {exc.strerror or exc}") from None
    if len(body) > max_bytes:
        raise ValueError(too_large)  # the file grew after stat()
    return body, modified
