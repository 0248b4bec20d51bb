"""Plain-English phrases and formats for the dashboard (UK dates, local times, plurals)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from werkzeug.routing import BuildError

from app.dashboard.queries import MappingGap
from app.models import Run, Transfer, utcnow

# Our users are UK bookkeepers; times are stored as naive UTC.
LOCAL_TZ = ZoneInfo("Europe/London")

RECORD_WORDS = {"customer": ("customer", "customers"), "supplier": ("supplier", "suppliers"),
                "invoice": ("invoice", "invoices"), "credit_note": ("credit note", "credit notes"),
                "payment": ("payment", "payments")}
STATE_LABELS = {"pending": "Pending", "blocked": "Blocked", "sending": "Sending", "sent": "Sent",
                "failed": "Failed", "needs_manual_update": "Change by hand",
                "do_not_send": "Do not send"}


def state_label(transfer: Transfer) -> str:
    """The state as a bookkeeper reads it: a contact linked to one already in the package says
    "Linked" (we did not send it), and no internal key ever shows."""
    from app.sync.linking import was_linked

    if transfer.state == "sent" and was_linked(transfer):
        return "Linked"
    return STATE_LABELS.get(transfer.state, transfer.state.replace("_", " ").capitalize())


def event_label(to_state: str, note: str | None) -> str:
    """A history entry's new state: "Linked" for a link, else the state's words."""
    from app.sync.linking import is_link_event

    if is_link_event(to_state, note):
        return "Linked"
    return STATE_LABELS.get(to_state, to_state.replace("_", " ").capitalize())


def field_label(key: str) -> str:
    """'lines[2].unit_price' -> 'Line 2 price' (the wording lives with the changes' words)."""
    from app.sync.change_words import field_label as words

    return words(key)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def when(dt: datetime | None) -> str:
    """'today 14:02', 'yesterday 09:10', 'tomorrow 08:00', else '3 Mar 14:02'."""
    if dt is None:
        return ""
    moment, now = local(dt), local(utcnow())
    assert moment is not None and now is not None  # noqa: S101 - both given above
    days = (moment.date() - now.date()).days
    clock = moment.strftime("%H:%M")
    named = {0: "today", -1: "yesterday", 1: "tomorrow"}
    if days in named:
        return f"{named[days]} {clock}"
    fmt = "%-d %b" if moment.year == now.year else "%-d %b %Y"
    return f"{moment.strftime(fmt)} {clock}"


def uk_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def minutes_until(dt: datetime | None) -> str:
    if dt is None:
        return ""
    seconds = (dt - utcnow()).total_seconds()
    if seconds < 60:
        return "in under a minute"
    return f"in about {plural(round(seconds / 60), 'minute')}"


def schedule_phrase(schedule: str) -> str:
    if schedule != "automatic":
        return "Manual: records go only when you press Send Data"
    seconds = int(current_app.config.get("SEND_INTERVAL_SECONDS", 7200))
    if seconds % 3600 == 0:
        every = "hour" if seconds == 3600 else f"{seconds // 3600} hours"
    else:
        every = plural(max(1, seconds // 60), "minute")
    return f"Automatic every {every}"


def fix_url(endpoint: str, **values: object) -> str | None:
    """The URL of a page that fixes a problem, or None while that page does not exist yet:
    we state the problem plainly rather than link to nowhere."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def records_phrase(counts: dict[str, int]) -> tuple[str, int]:
    """({'invoice': 12, 'payment': 2}) -> ('12 invoices and 2 payments', 14)."""
    order = list(RECORD_WORDS)
    parts = [plural(n, *RECORD_WORDS.get(t, (t, t + "s")))
             for t, n in sorted(counts.items(), key=lambda kv: order.index(kv[0])
                                if kv[0] in order else 99)]
    return join_words(parts), sum(counts.values())


def gap_sentence(gap: MappingGap) -> dict[str, str | None]:
    """One problem as a headline and its consequence, e.g. '2 accounts are not mapped to Xero
    codes' + ': 14 invoices wait on "Materials sales" and "Call-out fees".'"""
    n = len(gap.names)
    if gap.kind == "account":
        thing = plural(n, "account")
        codes = f"{gap.connection_title} account codes"
    else:
        thing = plural(n, "tax rate")
        codes = f"{gap.connection_title} tax rates"
    verb = "is" if n == 1 else "are"
    records, total = records_phrase(dict(gap.waiting))
    quoted = join_words([f"\u201c{name}\u201d" for name in gap.names])
    where = f" for {gap.tenant_name}" if gap.tenant_name else ""
    return {
        "headline": f"{thing} {verb} not mapped to {codes}{where}",
        "detail": f"{records} {'waits' if total == 1 else 'wait'} on {quoted}. "
                  f"{'It' if total == 1 else 'They'} will not be sent until "
                  f"{'it is' if n == 1 else 'they are'} mapped.",
        "url": fix_url("mapping.index", connection_id=gap.connection_id),
    }


def run_phrase(run: Run, title: str) -> str:
    """What a run is doing, or how it ended, in one sentence."""
    if run.status == "queued":
        waited = (utcnow() - run.created_at).total_seconds()
        if waited > 60:
            return (f"Queued {when(run.created_at)} and not started yet. If it does not start "
                    "in a few minutes, the background worker may be stopped: tell support.")
        return "Starting…"
    if run.status == "running":
        if run.total:
            return f"Sending {run.done:,} of {run.total:,}…"
        return "Getting records ready…"
    if run.status == "waiting" and run.resume_at is None and run.detail:
        # A pull package's run: it waits for the desktop side to check in, not for a pause.
        return f"{run.detail} {run.done:,} of {run.total:,} done so far."
    if run.status == "waiting":
        resume = f"at {local(run.resume_at):%H:%M} ({minutes_until(run.resume_at)})" \
            if run.resume_at else "shortly"
        return (f"{title} asked us to pause. Sending carries on by itself {resume}; "
                f"{run.done:,} of {run.total:,} done so far. You can leave this page.")
    if run.status == "failed":
        return f"The run stopped {when(run.finished_at)}. {run.detail}".strip()
    if run.total == 0 and run.done == 0:
        return f"Finished {when(run.finished_at)}: nothing was waiting to be sent."
    if run.failed or run.blocked:
        return f"Finished {when(run.finished_at)}: {run_counts(run)}. See what needs you below."
    return f"Finished {when(run.finished_at)}: {run_counts(run)}."


def run_counts(run: Run) -> str:
    parts = [f"{run.sent:,} sent"]
    if run.failed:
        parts.append(f"{run.failed:,} failed")
    if run.blocked:
        parts.append(f"{run.blocked:,} blocked")
    return ", ".join(parts)
