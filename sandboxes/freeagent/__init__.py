"""Simulator of FreeAgent's API v2 (sign-in + accounting), mounted under /sandbox/freeagent in
sandbox mode."""

from sandboxes.freeagent.server import bp

__all__ = ["bp"]
