"""KashFlow for the push bench: its sandbox's paths and KashFlow's limits (60 calls a minute
per user, rolling: unverified, the wire contract's guess; no batch). Sign-in calls live under
v2/ too (v2/sessiontoken), so the bench counts its few logins among the API calls."""

from __future__ import annotations

from connectors.bench_profile import BenchProfile


def _extra(mix: dict[str, int]) -> tuple[int, str]:
    # Beyond one create per record, what KashFlow's API needs with no idempotency key: per
    # contact a look-up by Code; per invoice and credit note its customer's list of them (one
    # page per 100); per credit note its invoice read and the application; per payment its
    # first invoice read (PaymentLines); per run the customer and supplier lists the engine
    # reads once (one page per 100 each). A login (three calls) comes only once an hour.
    pages = mix["customers"] // 100 + 1
    n = (mix["customers"] + mix["invoices"] + mix["credit_notes"] + 2 * mix["credit_notes"]
         + mix["payments"] + 2 * pages)
    return n, "look-ups by code and number, credit applications and the contact lists"


def _endpoint(path: str) -> str:
    """v2/invoices/1001 -> invoices/*; v2/invoices/bulk/payments stays as it is."""
    parts = path.split("v2/", 1)[-1].split("?")[0].split("/")
    return "/".join("*" if i == 1 and part != "bulk" else part for i, part in enumerate(parts))


BENCH = BenchProfile(api_paths=("v2/",), oauth_path="v2/sessiontoken", batch=1,
                     windows=((60, 60, False),),
                     limit_words="60 calls/min per user, rolling (unverified)", concurrency=2,
                     extra_floor=_extra, endpoint=_endpoint,
                     # About two calls a record at 60 a minute: a mix one minute can take, so
                     # the SIGKILL test does not wait out KashFlow's limit.
                     kill_mix={"customers": 4, "invoices": 12, "payments": 5, "credit_notes": 2})
