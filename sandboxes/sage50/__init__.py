"""Simulator of a Sage 50 Accounts UK company as the Ledgerlink agent reaches it through Sage
Data Objects: the company store served under /sandbox/sage50 in sandbox mode (server.bp) and
the SDO object surface (sdo.py) that the agent drives as it drives the real COM objects.
`create_company(name)` (seed.py) makes a seeded company in-process: {"company_id",
"username", "password"}; its SDO data path is "<base_url>/sandbox/sage50/companies/<id>".

`bp` is imported only when asked for, so the agent's process can import sdo.py without Flask
and the kit's database.
"""

from __future__ import annotations

from typing import Any

__all__ = ["bp", "create_company"]


def __getattr__(name: str) -> Any:
    if name == "bp":
        from sandboxes.sage50.server import bp

        return bp
    if name == "create_company":
        from sandboxes.sage50.seed import create_company

        return create_company
    raise AttributeError(name)
