"""The QuickBooks Web Connector's SOAP endpoint (/qbwc): a thin layer over the pull-mode
hand-out (app/sync/handout.py), for packages collected by the Web Connector."""

from app.webconnector import pages  # noqa: F401  (the wizard's step, on the same blueprint)
from app.webconnector.routes import bp

__all__ = ["bp"]
