"""The package as users install it: declared dependencies, bundled folders, version, completion."""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions

from service import __version__
from service.bundled import config_dir, migrations_dir
from tests.cli import CROWNLOG
from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: Imports that are optional on purpose: the extra that provides each (its absence is a clear
#: error naming it, not a crash at import time).
OPTIONAL = {"pyarrow": "parquet"}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*groups: str) -> set[str]:
    project = PYPROJECT["project"]
    specs = list(project["dependencies"])
    for group in groups:
        specs += project["optional-dependencies"][group]
    return {_normalize(re.split(r"[\[=<>!~; ]", spec, maxsplit=1)[0]) for spec in specs}


def _imported(*folders: str) -> dict[str, str]:
    """Third-party top-level modules imported under ``folders``: name → first file."""
    first_party = {"service", "jobs", "tests", "bench", "migrations"}
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in first_party:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _undeclared(imports: dict[str, str], declared: set[str]) -> list[str]:
    distributions = packages_distributions()
    missing = []
    for module, where in sorted(imports.items()):
        names = {_normalize(d) for d in distributions.get(module, [module])}
        if not names & declared:
            missing.append(f"{module} (imported in {where}; distribution {sorted(names)})")
    return missing


def test_every_runtime_import_is_a_declared_dependency() -> None:
    """service/, jobs/ and migrations/ import only what [project] dependencies install
    (or an optional extra that a clear error names)."""
    imports = _imported("service", "jobs", "migrations")
    for module, extra in OPTIONAL.items():
        assert _normalize(module) in _declared(extra), f"{module} is not in the {extra} extra"
        imports.pop(module, None)
    assert "markupsafe" in imports  # the check sees the import the issue named
    assert _undeclared(imports, _declared()) == []


def test_every_test_and_bench_import_is_declared() -> None:
    """tests/ imports only runtime + dev dependencies; bench/ also the bench extra."""
    tests = _imported("tests")
    for module in OPTIONAL:
        tests.pop(module, None)  # the parquet tests skip or assert the clear error without it
    assert _undeclared(tests, _declared("dev")) == []
    assert _undeclared(_imported("bench"), _declared("dev", "bench")) == []


def test_the_check_catches_an_undeclared_import() -> None:
    """The comparison can fail: an import nobody declared is reported with its file."""
    assert _undeclared({"markupsafe": "x.py"}, {"jinja2"}) == [
        "markupsafe (imported in x.py; distribution ['markupsafe'])"
    ]


def test_config_and_migrations_ship_whole_in_the_wheel() -> None:
    """config/ holds data only, and every file of config/ and migrations/ matches the
    package-data patterns that put it in the wheel (setup.py maps the folders)."""
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    setup = (ROOT / "setup.py").read_text()
    checked = 0
    for folder, package in (
        ("config", "service.bundled.config"),
        ("migrations", "service.bundled.migrations"),
    ):
        assert f'"{package}": "{folder}"' in setup
        files = [
            p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ]
        for path in files:
            relative = path.relative_to(ROOT / folder).as_posix()
            if folder == "config":
                assert path.suffix != ".py", f"config/ holds data only: {relative}"
            python_module = path.suffix == ".py" and "/" not in relative.removeprefix("versions/")
            patterns = package_data.get(package, [])
            assert python_module or any(fnmatch.fnmatch(relative, p) for p in patterns), relative
            checked += 1
    assert checked > 40


def test_bundled_folders_in_a_checkout_are_the_top_level_ones() -> None:
    """Run from the source tree, the bundled folders are the repository's own."""
    assert config_dir() == ROOT / "config"
    assert (migrations_dir() / "env.py").is_file()
    assert (config_dir() / "demo" / "sources.toml").is_file()


def _crownlog(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CROWNLOG_")}
    return subprocess.run(
        [CROWNLOG, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**environment, **(env or {})},
    )


def test_version_is_the_package_version() -> None:
    """``crownlog --version`` prints the version pyproject.toml builds the wheel with."""
    result = _crownlog("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"crownlog {__version__}"
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "service.__version__"}


def test_shell_completion_completes_commands() -> None:
    """The completion script installs, and completing ``crownlog sta`` offers ``standings``."""
    # Named shell, not detected from the process tree (a test runner's parent is no shell).
    no_detection = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    script = _crownlog("--show-completion", "bash", env=no_detection)
    assert script.returncode == 0 and "_crownlog_completion" in script.stdout
    completed = _crownlog(
        env={"_CROWNLOG_COMPLETE": "complete_bash", "COMP_WORDS": "crownlog sta", "COMP_CWORD": "1"}
    )
    assert "standings" in completed.stdout.split()
