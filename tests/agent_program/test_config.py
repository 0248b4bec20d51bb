"""The config file: good files load, and each bad one names the key at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from ledgerlink_agent.config import ConfigError, load_config

GOOD = '''
server_url = "https://ledgerlink.example.com/"
token = "agent-12.abc"
writer = "sdo"
poll_seconds = 45
journal = "state/journal.sqlite3"

[sdo]
data_path = 'C:\\ProgramData\\Sage\\Accounts\\2024\\Company.000\\ACCDATA'
username = "manager"
password = ""

[csv]
out_dir = "imports"
'''


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_paths_relative_to_it(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    assert config.server_url == "https://ledgerlink.example.com"
    assert config.token == "agent-12.abc"
    assert config.writer == "sdo" and config.poll_seconds == 45
    assert config.journal_path == tmp_path / "state" / "journal.sqlite3"
    assert config.sdo is not None
    assert config.sdo.data_path.endswith("Company.000\\ACCDATA")
    assert config.sdo.username == "manager" and config.sdo.password == ""
    assert config.sdo.engine == "com"
    assert config.csv is None


def test_the_command_line_can_choose_the_csv_writer_and_its_folder(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD), writer="csv", out_dir=tmp_path / "out")
    assert config.writer == "csv" and config.sdo is None
    assert config.csv is not None and config.csv.out_dir == tmp_path / "out"
    from_file = load_config(_write(tmp_path, GOOD), writer="csv")
    assert from_file.csv is not None and from_file.csv.out_dir == tmp_path / "imports"


def test_the_engine_can_be_a_stand_in_named_by_module_and_class(tmp_path: Path) -> None:
    text = GOOD.replace('password = ""', 'password = ""\nengine = "sandboxes.sage50.sdo:SDOEngine"')
    assert load_config(_write(tmp_path, text)).sdo.engine == "sandboxes.sage50.sdo:SDOEngine"
    top = 'sdo_engine = "pkg.mod:Engine"\n' + GOOD
    assert load_config(_write(tmp_path, top)).sdo.engine == "pkg.mod:Engine"


@pytest.mark.parametrize(("change", "words"), [
    (('server_url = "https://ledgerlink.example.com/"', ""), "`server_url` is missing"),
    (('server_url = "https://ledgerlink.example.com/"', 'server_url = "ledgerlink"'),
     "`server_url` must be an http(s) address"),
    (('token = "agent-12.abc"', 'token = ""'), "`token` is empty"),
    (('token = "agent-12.abc"', "token = 12"), "`token` must be text"),
    (('writer = "sdo"', 'writer = "odbc"'), "`writer` must be one of sdo, csv"),
    (("poll_seconds = 45", "poll_seconds = 0"), "`poll_seconds` must be a whole number"),
    (("poll_seconds = 45", 'poll_seconds = "30"'), "`poll_seconds` must be a whole number"),
    (('username = "manager"', ""), "`sdo.username` is missing"),
    (('password = ""', ""), "`sdo.password` is missing"),
    (("data_path = ", "datapath = "), "`sdo.data_path` is missing"),
    (('password = ""', 'password = ""\nengine = "sdoengine"'), "`sdo.engine` must be"),
    (("poll_seconds = 45", "poll_seconds = 45\nmax_records = 9000"), "`max_records`"),
])
def test_a_bad_value_names_its_key(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, GOOD.replace(old, new, 1)))
    assert words in str(caught.value)
    assert "agent.toml" in str(caught.value)


def test_the_sdo_section_missing_is_said_plainly(tmp_path: Path) -> None:
    text = GOOD.split("[sdo]")[0]
    with pytest.raises(ConfigError, match=r"`\[sdo\]` section is missing"):
        load_config(_write(tmp_path, text))
    # ...but it is not needed for the CSV writer.
    assert load_config(_write(tmp_path, text), writer="csv", out_dir=tmp_path).writer == "csv"


def test_the_csv_writer_needs_a_folder(tmp_path: Path) -> None:
    text = GOOD.split("[csv]")[0].replace('writer = "sdo"', 'writer = "csv"')
    with pytest.raises(ConfigError, match=r"`csv.out_dir` is missing \(or pass --out DIR\)"):
        load_config(_write(tmp_path, text))


def test_a_missing_or_broken_file_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(_write(tmp_path, 'server_url = "https://x\n'))
