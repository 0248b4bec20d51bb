"""QuickBooks Online for the push bench: its sandbox's paths and Intuit's real limits (40
batch calls a minute; 500 calls a minute, which a run of batches never reaches)."""

from __future__ import annotations

import math

from connectors.bench_profile import BenchProfile


def _extra(mix: dict[str, int]) -> tuple[int, str]:
    # QBO applies a credit memo to its invoice with a (zero) Payment: 10 per batch.
    return math.ceil(mix["credit_notes"] / 10), "credit-memo apply batches"


def _endpoint(path: str) -> str:
    """v3/company/<realm>/batch -> batch"""
    parts = path.split("v3/company/", 1)[-1].split("/")[1:]
    return "/".join("*" if i == 1 else part for i, part in enumerate(parts))


BENCH = BenchProfile(api_paths=("v3/",), oauth_path="oauth2/", batch=10,
                     windows=((500, 60, False), (40, 60, True)),
                     limit_words="500 calls/min, of them 40 batch calls/min, rolling",
                     concurrency=10, extra_floor=_extra, endpoint=_endpoint, batch_path="/batch")
