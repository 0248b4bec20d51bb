"""Ledgerlink's agent for Sage 50 Accounts: polls Ledgerlink, writes records into Sage, acks them.

Stands alone: it imports nothing from the Ledgerlink app, only the standard library and requests
(and pywin32 on Windows, lazily, for Sage Data Objects).
"""

__version__ = "0.1.0"
