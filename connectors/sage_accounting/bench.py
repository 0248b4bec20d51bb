"""Sage Accounting for the push bench: its sandbox's paths and Sage's limits (unverified for
v3.1: the v3.0 docs' 200 calls a minute per business)."""

from __future__ import annotations

from connectors.bench_profile import BenchProfile


def _extra(mix: dict[str, int]) -> tuple[int, str]:
    # Per credit note: GET its invoice (what it still owes), then POST /contact_allocations.
    return 2 * mix["credit_notes"], "credit-note allocation calls"


def _endpoint(path: str) -> str:
    """v3.1/sales_invoices/<id> -> sales_invoices/*"""
    parts = path.split("v3.1/", 1)[-1].split("?")[0].split("/")
    return "/".join("*" if i == 1 else part for i, part in enumerate(parts))


BENCH = BenchProfile(api_paths=("v3.1/",), oauth_path="token", batch=1,
                     windows=((200, 60, False),),
                     limit_words="200 calls/min per business, rolling (unverified for v3.1)",
                     concurrency=10, extra_floor=_extra, endpoint=_endpoint)
