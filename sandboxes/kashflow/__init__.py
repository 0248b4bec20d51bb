"""Simulator of KashFlow's REST API v2 (session-token sign-in + accounting), mounted under
/sandbox/kashflow in sandbox mode."""

from sandboxes.kashflow.server import bp

__all__ = ["bp"]
