"""Settings: file, environment overrides, and errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import ConfigError
from service.settings import load_settings


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crownlog.toml"
    path.write_text(text)
    return path


def test_file_values_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values come from the file; relative paths in it are relative to the file."""
    monkeypatch.delenv("CROWNLOG_DATABASE_URL", raising=False)
    text = 'database_url = "sqlite:///x.db"\nsources = "s.toml"\n[api]\nport = 9000\n'
    path = _write(tmp_path, text)
    settings = load_settings(path)
    assert settings.database_url == "sqlite:///x.db"
    assert settings.sources == tmp_path / "s.toml"
    assert settings.api.port == 9000 and settings.api.host == "127.0.0.1"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CROWNLOG_* variables beat the file, nested keys with a double underscore."""
    path = _write(tmp_path, 'database_url = "sqlite:///x.db"\n[api]\nport = 9000\n')
    monkeypatch.setenv("CROWNLOG_DATABASE_URL", "postgresql://db/crownlog")
    monkeypatch.setenv("CROWNLOG_API__PORT", "9100")
    monkeypatch.setenv("CROWNLOG_API__ADMIN_TOKEN", "s3cret")
    monkeypatch.setenv("CROWNLOG_INGEST__DOWNLOADS_THRESHOLD", "0.25")
    settings = load_settings(path)
    assert settings.ingest.downloads_threshold == 0.25
    assert settings.database_url == "postgresql://db/crownlog"
    assert settings.api.port == 9100
    assert settings.api.admin_token is not None
    assert settings.api.admin_token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_config_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CROWNLOG_CONFIG names the file when --config is not given."""
    path = _write(tmp_path, '[crown]\nleaderboard = "aa-index"\n')
    monkeypatch.setenv("CROWNLOG_CONFIG", str(path))
    assert load_settings().crown.leaderboard == "aa-index"


def test_invalid_value_names_key_and_file(tmp_path: Path) -> None:
    """A bad value fails with the dotted key, the value and the file."""
    path = _write(tmp_path, '[api]\nport = "eighty"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert "'api.port'" in str(error.value) and str(path) in str(error.value)


def test_invalid_environment_value_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad value from the environment names the variable, not the file."""
    monkeypatch.setenv("CROWNLOG_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="environment variable CROWNLOG_LOG_FORMAT"):
        load_settings(_write(tmp_path, ""))


def test_unknown_key_and_bad_toml_and_missing_file(tmp_path: Path) -> None:
    """Typos, broken TOML and a missing file are all reported with the file name."""
    with pytest.raises(ConfigError, match="unknown setting 'databse_url'"):
        load_settings(_write(tmp_path, 'databse_url = "x"\n'))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_write(tmp_path, "database_url = \n"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
