"""The Sage 50 simulator on its own, without the Ledgerlink app: a small Flask app holding the
kit's blueprint and the simulator's, for an agent run against it on a developer's machine or
another test suite. It needs the sandboxes' database and Redis (SANDBOX_DATABASE_URL or
DATABASE_URL, and REDIS_URL), as the app's mount does.

    python -m sandboxes.sage50.standalone --port 5050
    # then POST http://127.0.0.1:5050/sandbox/sage50/companies {"name": "Acme Heating Ltd"}
"""

from __future__ import annotations

import argparse
import logging
import threading
from collections.abc import Callable

from flask import Flask
from werkzeug.serving import make_server


def make_app() -> Flask:
    from sandboxes.kit import bp as kit_bp
    from sandboxes.sage50 import bp

    app = Flask("sage50_sandbox")
    app.register_blueprint(kit_bp)
    app.register_blueprint(bp)
    return app


def serve_in_thread(host: str = "127.0.0.1", port: int = 0) -> tuple[str, Callable[[], None]]:
    """The simulator served on a daemon thread: its base URL (add /sandbox/sage50) and a
    function that stops it. Port 0 takes a free one."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, make_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://{host}:{server.server_port}", server.shutdown


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Sage 50 simulator on its own.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5050)
    args = parser.parse_args()
    make_server(args.host, args.port, make_app(), threaded=True).serve_forever()


if __name__ == "__main__":
    main()
