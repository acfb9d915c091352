"""Only what pyproject.toml cannot say: the repository's top-level ``migrations/`` and
``config/`` folders ship inside the wheel as ``service/bundled/{migrations,config}`` (read
through ``importlib.resources`` by ``service.bundled``), and every package under ``service/``
and ``jobs/`` is found without a list to keep up to date. Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

BUNDLED = {
    "service.bundled.migrations": "migrations",
    "service.bundled.migrations.versions": "migrations/versions",
    "service.bundled.config": "config",
}

setup(
    packages=[*find_packages(include=["service", "service.*", "jobs", "jobs.*"]), *BUNDLED],
    package_dir=BUNDLED,
)
