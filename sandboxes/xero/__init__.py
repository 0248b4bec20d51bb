"""Simulator of Xero's API (identity + accounting), mounted under /sandbox/xero in sandbox mode."""

from sandboxes.xero.server import bp

__all__ = ["bp"]
