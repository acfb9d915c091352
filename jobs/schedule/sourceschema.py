"""The JSON Schema of sources.toml, for editors (Taplo / Even Better TOML read the
``#:schema sources.schema.json`` line at the top of the file). The published copy is
``config/sources.schema.json``; ``crownlog sources schema`` prints it and a test keeps the two
identical."""

from __future__ import annotations

import json

from jobs.schedule.sourcefile import SourcesFile

FILE_NAME = "sources.schema.json"


def schema_json() -> str:
    """The schema as stable, indented JSON text (with a final newline)."""
    return json.dumps(SourcesFile.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
