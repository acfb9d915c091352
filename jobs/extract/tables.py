"""Tables in model cards and posts: the figures of each row (or column) for its model.

A table is a run of pipe rows (``| Model | Total Params | … |``, with or without the outer
pipes; HTML tables arrive as pipe rows from ``jobs.extract.markup``). Three shapes:

- **rows** — a model column (``Model``/``模型``, or first cells that name models) and field
  columns: each row's values belong to the row's model;
- **columns** — models across the header and a field in each row's label cell (DeepSeek's
  ``| | # Total Params | - | 236B | … | 671B |``): each column's values belong to its model;
- **key/value** — a label and a value per row (``| **Total Parameters** | 1T |``): the values
  belong to the table's subject (the model the text was about when the table began).

A header row may repeat inside a run (two tables back to back). Cells naming no model the
resolver knows give nothing, so a row of another model never lands on the subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jobs.extract.names import Match, NameResolver
from jobs.extract.tablefields import cell_values, header_field

_ROW = re.compile(r"^[ \t]*\|?(?P<cells>[^\n|]*(?:\|[^\n|]*)+?)\|?[ \t]*$", re.MULTILINE)
_SEPARATOR = re.compile(r"^\s*:?-{2,}:?\s*$")
_SPACED_HYPHEN = re.compile(r"(?<=\w) +- +(?=\w)")
_VALUE_CELL = re.compile(r"^\s*[~≈<>]?\s*\d")
#: (model, field, value, start, end) — the span is the row's, for the evidence.
TableFact = tuple[str, str, Any, int, int]


@dataclass(frozen=True, slots=True)
class Row:
    start: int
    end: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    start: int
    end: int
    rows: tuple[Row, ...]


def find_tables(text: str) -> list[Table]:
    """Every run of at least two pipe rows (separator rows dropped, blank lines allowed)."""
    tables: list[Table] = []
    run: list[Row] = []
    last_end = -1
    for found in _ROW.finditer(text):
        cells = tuple(cell.strip() for cell in found.group("cells").split("|"))
        if len(cells) < 2:
            continue
        if run and text[last_end : found.start()].strip():
            tables.extend(_closed(run))
            run = []
        last_end = found.end()
        if all(_SEPARATOR.match(cell) or not cell for cell in cells):
            continue
        run.append(Row(found.start(), found.end(), cells))
    tables.extend(_closed(run))
    return tables


def _closed(run: list[Row]) -> list[Table]:
    return [Table(run[0].start, run[-1].end, tuple(run))] if len(run) >= 2 else []


def table_facts(
    table: Table, resolver: NameResolver, subject: str | None
) -> tuple[list[TableFact], list[Match]]:
    """The facts a table states, and the models its cells name (for mentions)."""
    facts: list[TableFact] = []
    named: list[Match] = []
    header: tuple[str, ...] = ()
    for row in table.rows:
        fields = [header_field(cell) for cell in row.cells]
        models = [_model(resolver, cell) for cell in row.cells]
        named.extend(match for match in models if match is not None)
        if _is_header(fields, row.cells, models):
            header = row.cells
            continue
        facts.extend(_row_facts(row, header, models, resolver, subject))
    return facts, named


def _is_header(fields: list[str | None], cells: tuple[str, ...], models: list) -> bool:
    """No value cells, and field names or models across the row."""
    if any(_VALUE_CELL.match(cell) for cell in cells):
        return False
    return sum(field is not None for field in fields) >= 2 or any(models[1:])


def _row_facts(
    row: Row,
    header: tuple[str, ...],
    models: list[Match | None],
    resolver: NameResolver,
    subject: str | None,
) -> Iterator[TableFact]:
    head_fields = [header_field(cell) for cell in header]
    head_models = [_model(resolver, cell) for cell in header]
    if "model" in head_fields or (models and models[0] is not None and not any(head_models)):
        column = head_fields.index("model") if "model" in head_fields else 0
        owner = models[column] if column < len(models) else None
        if owner is not None and owner.known:
            yield from _values(row, owner.slug, head_fields, skip=column)
        return
    label_at = next(
        (i for i, cell in enumerate(row.cells[:2]) if header_field(cell) is not None), None
    )
    if label_at is None:
        return
    field = header_field(row.cells[label_at])
    if any(head_models[label_at + 1 :]):  # models across the header
        for index, owner in enumerate(head_models):
            if index > label_at and owner is not None and owner.known and index < len(row.cells):
                for name, value in cell_values(field or "", row.cells[index]):
                    yield owner.slug, name, value, row.start, row.end
    elif subject is not None and field not in (None, "model"):
        for cell in row.cells[label_at + 1 :]:
            for name, value in cell_values(field or "", cell):
                yield subject, name, value, row.start, row.end


def _values(row: Row, slug: str, head_fields: list[str | None], skip: int) -> Iterator[TableFact]:
    for index, cell in enumerate(row.cells):
        field = head_fields[index] if index < len(head_fields) else None
        if index != skip and field not in (None, "model"):
            for name, value in cell_values(field or "", cell):
                yield slug, name, value, row.start, row.end


def _model(resolver: NameResolver, cell: str) -> Match | None:
    """The model a cell names first ("DeepSeek R1 - 0528" read as "DeepSeek R1-0528")."""
    matches = resolver.find(_SPACED_HYPHEN.sub("-", cell))
    return matches[0] if matches else None
