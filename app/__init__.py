"""Ledgerlink: carries job-system records one way into accounting packages."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from flask import Flask

from app.auth import throttle
from app.config import INSTANCE_DIR, load_config
from app.extensions import csrf, db, htmx, login_manager, migrate
from app.keys import check_keys
from app.request_ints import BoundedIntConverter


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides the environment (tests)."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(INSTANCE_DIR),
    )
    # Before any route is added: every <int:...> in the app is bounded (app/request_ints.py).
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.update(load_config())
    if config:
        app.config.update(config)
    check_keys(app.config)
    if app.config["PROXY_HOPS"]:
        # Behind a reverse proxy: the client's address (sign-in limits) and https come from
        # the X-Forwarded-* headers of that many trusted proxies.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(INSTANCE_DIR.parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    _tune_sqlite(app)
    throttle.init_app(app)

    from app import models  # noqa: F401  (registers every table)
    from app.agent.pages import bp as agent_setup_bp
    from app.agent.routes import bp as agent_api_bp
    from app.api.routes import bp as api_bp
    from app.auth.routes import bp as auth_bp
    from app.connections.routes import bp as connections_bp
    from app.dashboard.routes import bp as dashboard_bp
    from app.errors import register_error_handlers
    from app.headers import register_security_headers
    from app.linking.routes import bp as linking_bp
    from app.mapping.routes import bp as mapping_bp
    from app.records.routes import bp as records_bp
    from app.runs.routes import bp as runs_bp
    from app.settings.routes import bp as settings_bp
    from app.webconnector.routes import bp as webconnector_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(mapping_bp)
    app.register_blueprint(linking_bp)
    app.register_blueprint(connections_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(runs_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # authenticated by bearer API keys, not cookies
    app.register_blueprint(webconnector_bp)
    csrf.exempt(webconnector_bp)  # the Web Connector's SOAP calls carry a ticket, no cookie
    app.register_blueprint(agent_api_bp)
    csrf.exempt(agent_api_bp)  # authenticated by agent tokens, not cookies
    app.register_blueprint(agent_setup_bp)
    register_error_handlers(app)
    register_security_headers(app)

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    if app.config["SANDBOX_MODE"]:
        _register_sandboxes(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _register_sandboxes(app: Flask) -> None:
    """Each package's simulator, if it has one, under /sandbox/<key>/."""
    from connectors import package_keys
    from sandboxes.kit import bp as kit_bp

    app.register_blueprint(kit_bp)  # the pieces every sandbox shares, mounted before them
    for key in package_keys():
        name = f"sandboxes.{key}"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # the sandbox exists but something it needs is missing: say so
            continue
        bp = module.bp
        app.register_blueprint(bp)
        csrf.exempt(bp)  # it plays a foreign API, called by other programs


def _tune_sqlite(app: Flask) -> None:
    """WAL and a busy timeout let the web, worker and cron processes share one SQLite file."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
