"""Each package declares its own settings; app/config.py finds them through the registry."""

from __future__ import annotations

from app.config import load_config
from connectors import package_keys, package_module


def test_every_declared_setting_is_in_the_config_with_its_real_default() -> None:
    cfg = load_config({})
    for key in package_keys():
        for setting in package_module(key, "settings").SETTINGS:
            expected = setting.default.rstrip("/") if setting.url else setting.default
            assert cfg[setting.name] == expected, setting.name


def test_sandbox_defaults_point_at_the_packages_own_simulator() -> None:
    cfg = load_config({"SANDBOX_MODE": "1", "SECRET_KEY": "k", "ENCRYPTION_KEY": "e",
                       "BASE_URL": "http://127.0.0.1:5999/"})
    for key in package_keys():
        urls = [s for s in package_module(key, "settings").SETTINGS if s.url]
        assert urls, key
        for setting in urls:
            assert cfg[setting.name].startswith(f"http://127.0.0.1:5999/sandbox/{key}"), \
                setting.name
            assert not cfg[setting.name].endswith("/")


def test_the_environment_wins_and_loses_its_trailing_slash() -> None:
    for key in package_keys():
        setting = next(s for s in package_module(key, "settings").SETTINGS if s.url)
        cfg = load_config({"SANDBOX_MODE": "1", "SECRET_KEY": "k", "ENCRYPTION_KEY": "e",
                           setting.name: "https://elsewhere.example/api/"})
        assert cfg[setting.name] == "https://elsewhere.example/api"
