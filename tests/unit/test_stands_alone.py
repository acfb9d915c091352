"""The project stands alone: nothing in it cites a path outside the repository (a user's clone
has none); the public contract it cites is its own docs/design.md."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

OUTSIDE = re.compile(
    r"\.\./shared|/work/|\bshared corpus\b|corpus manifest|facts §|facts\.md|\bfacts file\b|"
    r"(?-i:\bDESIGN\.md|\bSTYLE\.md)",  # the shared contract's files (ours: docs/design.md)
    re.IGNORECASE,
)
#: The CI script knows where the CI machine keeps its feed corpus (CROWNLOG_CORPUS).
ALLOWED = {".ci/run"}


def test_no_file_cites_a_path_outside_the_repository() -> None:
    """Code, docs, config and tests cite docs/design.md or public URLs, never ../shared."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = []
    for name in listed:
        path = ROOT / name
        if name in ALLOWED or not path.is_file() or path.suffix in (".png", ".parquet"):
            continue
        if name == "tests/unit/test_stands_alone.py":
            continue
        text = path.read_text(errors="replace")
        found += [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
                  for m in OUTSIDE.finditer(text)]  # fmt: skip
    assert found == []


def test_the_pattern_catches_outside_citations_and_spares_our_own() -> None:
    """The check can fail: each way of citing the outside is caught, docs/design.md is not."""
    for text in ("see ../shared/DESIGN.md", "DESIGN.md §4", "the shared corpus MANIFEST",
                 "STYLE.md", "/work/shared/x", "facts §2"):  # fmt: skip
        assert OUTSIDE.search(text), text
    assert OUTSIDE.search("docs/design.md §4 and README.md") is None


def test_the_project_has_its_own_design_document() -> None:
    """docs/design.md is in the repository with its numbered sections, and the code cites it."""
    design = (ROOT / "docs" / "design.md").read_text()
    sections = re.findall(r"^## (\d+)\. ", design, re.M)
    assert sections == [str(n) for n in range(1, len(sections) + 1)] and len(sections) >= 7
    cited = [p for p in (ROOT / "service").rglob("*.py") if "docs/design.md" in p.read_text()]
    assert cited, "no module of service/ cites docs/design.md"
