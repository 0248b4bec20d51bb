"""`ledgerlink-agent --config FILE run [--once] [--writer sdo|csv] [--out DIR]`.

Exit codes (for a service manager or a scheduled task to act on):
0 finished (or stopped); 2 bad command line or configuration; 3 the server refused the agent
token; 4 (run --once) the server could not be reached, results kept in the journal; 5 (run --once)
Sage 50 could not be reached; 6 (run --once) the server refused one of the agent's requests.
Logs go to stdout, which NSSM (or any service wrapper) can write to a file.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from . import __version__
from .api import AgentApi, RequestRefused, ServerUnavailable, Unauthorized
from .config import WRITERS, ConfigError, load_config
from .journal import Journal
from .loop import AgentLoop
from .writers import make_writer

log = logging.getLogger("ledgerlink_agent")

EXIT_OK, EXIT_CONFIG, EXIT_UNAUTHORIZED, EXIT_SERVER, EXIT_SAGE, EXIT_REFUSED = 0, 2, 3, 4, 5, 6


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledgerlink-agent",
        description="Takes records from Ledgerlink and writes them into Sage 50 Accounts.")
    parser.add_argument("--config", required=True, metavar="FILE",
                        help="the agent's TOML configuration file")
    parser.add_argument("--verbose", "-v", action="store_true", help="log each step")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="poll Ledgerlink and write what it hands out")
    run.add_argument("--once", action="store_true",
                     help="take one batch, write it, acknowledge it and exit")
    run.add_argument("--writer", choices=WRITERS, help="override the config file's writer")
    run.add_argument("--out", metavar="DIR", help="the CSV writer's folder for import files")
    return parser


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    # requests' own connection chatter is not the bookkeeper's business.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _stop_on_signals(stop: threading.Event) -> None:
    def _handler(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping after the current step", signum)
        stop.set()

    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    if args.out and args.writer not in (None, "csv"):
        log.error("--out is for the CSV writer (use --writer csv)")
        return EXIT_CONFIG
    stop = threading.Event()
    _stop_on_signals(stop)
    return serve(args.config, stop, once=args.once,
                 writer=args.writer or ("csv" if args.out else None), out_dir=args.out)


def serve(config_path: str, stop: threading.Event, *, once: bool = False,
          writer: str | None = None, out_dir: str | None = None) -> int:
    """Run the agent until `stop` is set (or one batch, with `once`); the exit code.

    The entry point for a service host too (pywin32's ServiceFramework: call it from SvcDoRun
    and set `stop` from SvcStop)."""
    try:
        config = load_config(config_path, writer=writer, out_dir=out_dir)
    except ConfigError as exc:
        log.error("configuration: %s", exc)
        return EXIT_CONFIG

    api = AgentApi(config.server_url, config.token, timeout=config.timeout_seconds,
                   user_agent=f"ledgerlink-agent/{__version__}")
    sage = make_writer(config)
    journal = Journal(config.journal_path)
    loop = AgentLoop(api, sage, journal, poll_seconds=config.poll_seconds,
                     max_records=config.max_records, stop=stop)
    log.info("ledgerlink-agent %s: %s writer, server %s, journal %s", __version__, sage.name,
             config.server_url, config.journal_path)
    try:
        outcome = loop.run(once=once)
    except Unauthorized as exc:
        log.error("%s. Check the token in %s (make a new one in Ledgerlink if it was revoked).",
                  exc, config.source)
        return EXIT_UNAUTHORIZED
    except ServerUnavailable as exc:
        log.error("Ledgerlink could not be reached: %s. %d result(s) are kept in the journal and "
                  "will be sent on the next run.", exc, journal.unsent_count())
        return EXIT_SERVER
    except RequestRefused as exc:
        log.error("Ledgerlink refused a request: %s", exc)
        return EXIT_REFUSED
    finally:
        sage.close()
        journal.close()
    if outcome.writer_error:
        log.error("Sage 50 could not be reached: %s", outcome.writer_error)
        return EXIT_SAGE if once else EXIT_OK
    log.info("done: %d leased, %d written, %d found in Sage, %d from the journal, %d acked",
             outcome.leased, outcome.written, outcome.found, outcome.from_journal, outcome.acked)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
