"""Flask CLI commands: `flask --app wsgi demo --json`, `flask --app wsgi send CONNECTION_ID`."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object for scripts.")
    def demo(as_json: bool) -> None:
        """Create (or reuse) the demo company connected to the sandbox Xero and QuickBooks
        Online."""
        from app.demo import ensure_demo

        if not current_app.config["SANDBOX_MODE"]:
            raise click.ClickException("the demo needs SANDBOX_MODE=1 (the package sandboxes)")
        info = ensure_demo(current_app._get_current_object())  # type: ignore[attr-defined]
        if as_json:
            click.echo(json.dumps(info))
            return
        click.echo(f"Sign in at {current_app.config['BASE_URL']}/login")
        click.echo(f"  email:    {info['login']['email']}")
        password = info["login"]["password"] or "(the one you chose: the demo password was changed)"
        click.echo(f"  password: {password}")
        click.echo(f"API key for /api/v1: {info['api_key']} (keys printed before are revoked)")

    @app.cli.command("send")
    @click.argument("connection_id", type=int)
    def send(connection_id: int) -> None:
        """Queue Send Data for a connection now."""
        from app.extensions import db
        from app.models import Connection
        from app.sync.runs import start_run

        connection = db.session.get(Connection, connection_id)
        if connection is None:
            raise click.ClickException(f"no connection {connection_id}")
        run = start_run(connection, trigger="cli")
        click.echo(f"run {run.id} {run.status}")
