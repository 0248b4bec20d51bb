"""Simulator of QuickBooks Online's API, mounted under /sandbox/quickbooks_online."""

from sandboxes.quickbooks_online.server import bp

__all__ = ["bp"]
