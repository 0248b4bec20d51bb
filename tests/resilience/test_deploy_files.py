"""The shipped supervision files run the Procfile's commands and restart them when they stop."""

from __future__ import annotations

import configparser
import re

import yaml

from app.supervise import read_procfile
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def _procfile_programs() -> dict[str, str]:
    # The program and its first arguments, e.g. "python worker.py", "python -m app.cron".
    return {name: re.sub(r"\s+", " ", command) for name, command in
            read_procfile(ROOT / "Procfile")}


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(DEPLOY / "systemd" / name)
    return parser["Service"]


def test_systemd_units_restart_the_procfile_processes() -> None:
    procfile = _procfile_programs()
    for unit, name, wanted in (("ledgerlink-web.service", "web", "gunicorn"),
                               ("ledgerlink-worker@.service", "worker", "worker.py"),
                               ("ledgerlink-cron.service", "cron", "-m app.cron")):
        service = _unit(unit)
        assert service["Restart"] == "always", unit
        assert wanted in service["ExecStart"] and wanted in procfile[name], unit
        assert service["EnvironmentFile"] == "/etc/ledgerlink/ledgerlink.env"


def test_compose_restarts_every_process() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    procfile = _procfile_programs()
    for name, wanted in (("web", "gunicorn"), ("worker", "python worker.py"),
                         ("cron", "python -m app.cron")):
        assert services[name]["restart"] == "unless-stopped", name
        assert wanted in services[name]["command"] and wanted in procfile[name], name
    assert (DEPLOY / "Dockerfile").exists()
