"""The agent's configuration: one TOML file, read with tomllib, checked key by key.

Every error names the key at fault (and the file), because the person reading it is setting the
agent up on a Sage PC, often by hand, and needs to know which line to fix.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

WRITERS = ("sdo", "csv")
DEFAULT_POLL_SECONDS = 30
DEFAULT_JOURNAL = "ledgerlink-agent-journal.sqlite3"


class ConfigError(Exception):
    """The configuration file is missing, unreadable or has a bad value (the message says which)."""


@dataclass(frozen=True)
class SdoSettings:
    data_path: str
    username: str
    password: str
    # "com" for the real Sage Data Objects, or "package.module:Class" for a stand-in engine.
    engine: str = "com"


@dataclass(frozen=True)
class CsvSettings:
    out_dir: Path


@dataclass(frozen=True)
class AgentConfig:
    server_url: str
    token: str
    writer: str
    poll_seconds: int
    journal_path: Path
    max_records: int | None = None
    timeout_seconds: float = 30.0
    sdo: SdoSettings | None = None
    csv: CsvSettings | None = None
    source: Path = field(default=Path("."))


def _fail(source: Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{source}: `{key}` {problem}")


def _text(table: dict[str, Any], key: str, source: Path, *, prefix: str = "",
          required: bool = True, default: str = "") -> str:
    name = f"{prefix}{key}"
    if key not in table:
        if required:
            raise _fail(source, name, "is missing")
        return default
    value = table[key]
    if not isinstance(value, str):
        raise _fail(source, name, f"must be text in quotes, not {type(value).__name__}")
    if required and not value.strip():
        raise _fail(source, name, "is empty")
    return value.strip() if key != "password" else value


def _resolve(path_text: str, source: Path) -> Path:
    # Relative paths are relative to the config file, not to wherever a Windows service starts
    # (usually C:\Windows\System32).
    path = Path(path_text).expanduser()
    return path if path.is_absolute() else (source.parent / path).resolve()


def load_config(path: str | Path, *, writer: str | None = None,
                out_dir: str | Path | None = None) -> AgentConfig:
    """Read and check the config file; `writer` and `out_dir` are the command line's overrides."""
    source = Path(path)
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{source}: no such configuration file") from exc
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: is not valid TOML ({exc})") from exc

    server_url = _text(raw, "server_url", source).rstrip("/")
    parsed = urlparse(server_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise _fail(source, "server_url", f"must be an http(s) address, not {server_url!r}")
    token = _text(raw, "token", source)

    chosen = writer or _text(raw, "writer", source, required=False, default="sdo")
    if chosen not in WRITERS:
        raise _fail(source, "writer", f"must be one of {', '.join(WRITERS)}, not {chosen!r}")

    poll = raw.get("poll_seconds", DEFAULT_POLL_SECONDS)
    if isinstance(poll, bool) or not isinstance(poll, int) or not 1 <= poll <= 3600:
        raise _fail(source, "poll_seconds",
                    f"must be a whole number of seconds 1-3600, not {poll!r}")

    max_records = raw.get("max_records")
    if max_records is not None and (isinstance(max_records, bool)
                                    or not isinstance(max_records, int)
                                    or not 1 <= max_records <= 500):
        raise _fail(source, "max_records", f"must be a whole number 1-500, not {max_records!r}")

    timeout = raw.get("timeout_seconds", 30.0)
    if (isinstance(timeout, bool) or not isinstance(timeout, int | float)
            or not 1 <= timeout <= 300):
        raise _fail(source, "timeout_seconds",
                    f"must be a number of seconds 1-300, not {timeout!r}")

    journal = _resolve(_text(raw, "journal", source, required=False, default=DEFAULT_JOURNAL),
                       source)

    sdo = _sdo_settings(raw, source) if chosen == "sdo" else None
    csv = _csv_settings(raw, source, out_dir) if chosen == "csv" else None
    return AgentConfig(server_url=server_url, token=token, writer=chosen, poll_seconds=poll,
                       journal_path=journal, max_records=max_records,
                       timeout_seconds=float(timeout), sdo=sdo, csv=csv, source=source)


def _table(raw: dict[str, Any], name: str, source: Path) -> dict[str, Any]:
    table = raw.get(name)
    if table is None:
        raise _fail(source, f"[{name}]", "section is missing")
    if not isinstance(table, dict):
        raise _fail(source, f"[{name}]", "must be a section ([" + name + "])")
    return table


def _sdo_settings(raw: dict[str, Any], source: Path) -> SdoSettings:
    table = _table(raw, "sdo", source)
    # The contract spells it `sdo_engine` at the top level; the section's `engine` wins.
    top = raw.get("sdo_engine")
    engine = _text(table, "engine", source, prefix="sdo.", required=False,
                   default=top.strip() if isinstance(top, str) and top.strip() else "com")
    if engine != "com" and (":" not in engine or not all(engine.split(":", 1))):
        raise _fail(source, "sdo.engine",
                    f'must be "com" or "package.module:Class", not {engine!r}')
    return SdoSettings(
        data_path=_text(table, "data_path", source, prefix="sdo."),
        username=_text(table, "username", source, prefix="sdo."),
        # Sage's default "manager" user often has no password: empty is allowed, absent is not.
        password=_password(table, source),
        engine=engine,
    )


def _password(table: dict[str, Any], source: Path) -> str:
    if "password" not in table:
        raise _fail(source, "sdo.password", 'is missing (write password = "" if there is none)')
    return _text(table, "password", source, prefix="sdo.", required=False)


def _csv_settings(raw: dict[str, Any], source: Path, out_dir: str | Path | None) -> CsvSettings:
    if out_dir is not None:
        return CsvSettings(out_dir=Path(out_dir).resolve())
    table = raw.get("csv")
    if not isinstance(table, dict) or "out_dir" not in table:
        raise _fail(source, "csv.out_dir", "is missing (or pass --out DIR)")
    return CsvSettings(out_dir=_resolve(_text(table, "out_dir", source, prefix="csv."), source))
