"""Simulator of Sage Accounting's API v3.1 (sign-in + accounting), mounted under
/sandbox/sage_accounting in sandbox mode."""

from sandboxes.sage_accounting.server import bp

__all__ = ["bp"]
