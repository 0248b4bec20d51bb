"""Xero for the push bench: its sandbox's paths and Xero's real limits."""

from __future__ import annotations

import math

from connectors.bench_profile import BenchProfile


def _extra(mix: dict[str, int]) -> tuple[int, str]:
    # Per credit-note batch one GET /Invoices for the amounts due, and one PUT
    # .../Allocations per credit note (Xero allocates one credit note per call).
    n = mix["credit_notes"]
    return math.ceil(n / 50) + n, "credit-note allocation calls"


def _endpoint(path: str) -> str:
    """api.xro/2.0/CreditNotes/<id>/Allocations -> CreditNotes/*/Allocations"""
    parts = path.split("api.xro/2.0/", 1)[-1].split("/")
    return "/".join("*" if i == 1 else part for i, part in enumerate(parts))


BENCH = BenchProfile(api_paths=("api.xro/", "connections"), oauth_path="identity/", batch=50,
                     windows=((60, 60, False), (5000, 86400, False)),
                     limit_words="60 calls/min, 5,000/day, rolling", concurrency=5,
                     extra_floor=_extra, endpoint=_endpoint,
                     # 50 records a call: a bigger mix, so the kill still lands mid-run.
                     kill_mix={"customers": 30, "invoices": 150, "payments": 60,
                               "credit_notes": 10})
