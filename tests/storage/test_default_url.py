"""Where the database is when nothing says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Store, default_db_url


def test_default_is_a_file_under_data_in_the_current_directory(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWATCH_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_db_url() == "sqlite:///data/newswatch.db"
    Store.open(default_db_url()).close()
    assert (tmp_path / "data" / "newswatch.db").is_file()


def test_environment_variable_overrides_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("NEWSWATCH_DB", url)
    assert default_db_url() == url
    monkeypatch.setenv("NEWSWATCH_DB", "  ")
    assert default_db_url() == "sqlite:///data/newswatch.db"
