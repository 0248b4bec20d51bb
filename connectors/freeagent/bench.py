"""FreeAgent for the push bench: its sandbox's paths and FreeAgent's real limits (120 calls a
minute and 3,600 an hour per user; no batch). Token calls live under v2/ too, so the bench
counts its few refreshes among the API calls."""

from __future__ import annotations

from connectors.bench_profile import BenchProfile


def _extra(mix: dict[str, int]) -> tuple[int, str]:
    # Beyond one create per record, what FreeAgent's API needs: each invoice and credit note
    # marked as sent; per credit note its invoice read and the reconciliation; per payment the
    # explanation look-up (no idempotency key) and its invoice read (what it owes); per run the
    # contact list (one page per 100 contacts) and the categories for the bank account.
    contacts = mix["customers"]
    n = (mix["invoices"] + mix["credit_notes"] + 2 * mix["credit_notes"]
         + 2 * mix["payments"] + (contacts // 100 + 1) + 1)
    return n, "mark-as-sent, reconciliations, look-ups and reads of what is owed"


def _endpoint(path: str) -> str:
    """v2/invoices/17/transitions/mark_as_sent -> invoices/*/transitions/mark_as_sent"""
    parts = path.split("v2/", 1)[-1].split("?")[0].split("/")
    return "/".join("*" if i == 1 else part for i, part in enumerate(parts))


BENCH = BenchProfile(api_paths=("v2/",), oauth_path="v2/token_endpoint", batch=1,
                     windows=((120, 60, False), (3600, 3600, False)),
                     limit_words="120 calls/min, 3,600/hour per user, rolling", concurrency=4,
                     extra_floor=_extra, endpoint=_endpoint,
                     # About 2.4 calls a record at 120 a minute: a mix one minute can take, so
                     # the SIGKILL test does not wait out FreeAgent's limit.
                     kill_mix={"customers": 6, "invoices": 25, "payments": 10, "credit_notes": 4})
