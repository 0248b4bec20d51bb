"""Would Retry work now? For a record our own checks stopped, the same checks are run again
before a Retry is offered: a Retry that can only stop at the same check is not offered; the
bookkeeper is told why instead, and the button comes back once the cause is fixed.

Failures the package gave us cannot be re-checked here (only the package knows); Retry stays
offered for those, as the fix may have been made in the package.
"""

from __future__ import annotations

from collections.abc import Callable

from app.models import Transfer
from app.models.transfer import FAILED
from app.sync.canonical import Chart, preflight
from app.sync.plan import PREFLIGHT_REASONS
from app.sync.records import load_rows

MAPPING_CHECKS = ("unmapped_account", "unmapped_tax_rate")


def is_our_check(transfer: Transfer) -> bool:
    """Failed before anything went to the package (our pre-flight checks stopped it)."""
    return transfer.state == FAILED and transfer.reason in PREFLIGHT_REASONS


def retry_blocker(
    transfer: Transfer, chart_for: Callable[[int, int], Chart] | None = None
) -> str | None:
    """Why Retry would fail now, in words; None when Retry may go ahead.

    `chart_for(company_id, connection_id)` lets a page that lists many rows load each
    connection's mapping once."""
    if not is_our_check(transfer):
        return None
    row = load_rows(transfer.record_type, [transfer.record_id]).get(transfer.record_id)
    if row is None:
        return None  # the record is gone: the next run marks it, Retry does no harm
    chart = (chart_for or Chart.load)(transfer.company_id, transfer.connection_id)
    problem = preflight(transfer.record_type, row, chart)
    if problem is None:
        return None
    # Another of our checks may now be the one that stops it: say that one.
    if problem.reason in MAPPING_CHECKS:
        name = str(problem.details.get("name") or "it")
        what = "account" if problem.reason == "unmapped_account" else "VAT rate"
        return (f"Retry would stop at our checks again until the {what} \u201c{name}\u201d "
                "is mapped. Once it is, Retry appears here, and the next send takes the record "
                "anyway.")
    return ("Retry would stop at our checks again: the record itself must be corrected in "
            "the job system. Once it is, it is sent again by itself.")
