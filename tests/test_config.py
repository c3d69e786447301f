"""Settings: option first, then MISSILEWATCH_DB, then a SQLite file in the user data dir."""

import pytest

from missilewatch.config import ENV_DB, Settings
from missilewatch.errors import ConfigError


def test_option_beats_environment():
    s = Settings.resolve("sqlite:///a.db", environ={ENV_DB: "sqlite:///b.db"})
    assert s.db_url == "sqlite:///a.db"


def test_environment_beats_default():
    assert Settings.resolve(None, environ={ENV_DB: "postgresql://u@h/db"}).db_url == "postgresql://u@h/db"


def test_default_is_sqlite_in_user_data_dir():
    url = Settings.resolve(None, environ={}).db_url
    assert url.startswith("sqlite:///") and url.endswith("missilewatch.sqlite")


def test_not_a_url_is_a_config_error():
    with pytest.raises(ConfigError, match="not a URL"):
        Settings.resolve("just-a-file.db", environ={})
