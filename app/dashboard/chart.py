"""The dashboard's "last 30 days" chart: records sent and failed per day, drawn on the server as
SVG (no script, works offline, readable by screen readers through its text summary).

Counted from the transfers' state history, so a record that failed on Monday and went on
Tuesday shows on both days. Days are UTC dates, which is what the database can group by on
SQLite and PostgreSQL alike; at most an hour off from UK time, which a trend does not notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Transfer, TransferEvent, utcnow
from app.models.transfer import FAILED, NEEDS_MANUAL_UPDATE, SENT

DAYS = 30
WIDTH, HEIGHT = 330, 120
BAR_GAP = 2


@dataclass(frozen=True)
class Day:
    day: date
    sent: int
    failed: int


@dataclass(frozen=True)
class Bar:
    day: Day
    x: float
    width: float
    sent_y: float
    sent_h: float
    failed_y: float
    failed_h: float


@dataclass(frozen=True)
class Chart:
    days: list[Day]
    bars: list[Bar]
    width: int
    height: int

    @property
    def sent(self) -> int:
        return sum(d.sent for d in self.days)

    @property
    def failed(self) -> int:
        return sum(d.failed for d in self.days)

    @property
    def failed_percent(self) -> str:
        total = self.sent + self.failed
        return f"{100 * self.failed / total:.1f}%" if total else "0%"

    @property
    def peak(self) -> int:
        return max((d.sent + d.failed for d in self.days), default=0)

    @property
    def summary(self) -> str:
        """One sentence for screen readers and for anyone who prefers words to bars."""
        if not self.sent and not self.failed:
            return "Nothing was sent or refused in the last 30 days."
        best = max(self.days, key=lambda d: d.sent)
        return (f"In the last 30 days {self.sent:,} records were sent and {self.failed:,} "
                f"failed ({self.failed_percent}). The busiest day was "
                f"{best.day:%-d %B} with {best.sent:,} sent.")


def daily_outcomes(company_id: int, days: int = DAYS, today: date | None = None) -> list[Day]:
    """Sent and failed per day, oldest first, every day present (zeros included).

    "Sent" leaves out a change made by hand being marked done: that record went earlier."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    day = func.date(TransferEvent.at)
    rows = db.session.execute(
        select(day, TransferEvent.to_state, func.count())
        .join(Transfer, Transfer.id == TransferEvent.transfer_id)
        .where(Transfer.company_id == company_id,
               TransferEvent.to_state.in_((SENT, FAILED)),
               TransferEvent.at >= datetime.combine(first, time.min),
               TransferEvent.from_state != NEEDS_MANUAL_UPDATE)
        .group_by(day, TransferEvent.to_state)
    ).all()
    counts: dict[tuple[str, str], int] = {(str(d), s): n for d, s, n in rows}
    out = []
    for offset in range(days):
        d = first + timedelta(days=offset)
        key = d.isoformat()
        out.append(Day(d, counts.get((key, SENT), 0), counts.get((key, FAILED), 0)))
    return out


def build_chart(days: list[Day], width: int = WIDTH, height: int = HEIGHT) -> Chart:
    """Stacked bars: sent below, failed on top, scaled to the busiest day."""
    peak = max((d.sent + d.failed for d in days), default=0) or 1
    slot = width / max(len(days), 1)
    bars = []
    for i, d in enumerate(days):
        sent_h = height * d.sent / peak
        failed_h = height * d.failed / peak
        # A day with any failure keeps a visible sliver, however busy the busiest day was.
        if d.failed and failed_h < 2:
            failed_h = 2.0
        bars.append(Bar(d, round(i * slot + BAR_GAP / 2, 2), round(slot - BAR_GAP, 2),
                        round(height - sent_h, 2), round(sent_h, 2),
                        round(height - sent_h - failed_h, 2), round(failed_h, 2)))
    return Chart(days, bars, width, height)


def last_30_days(company_id: int) -> Chart:
    return build_chart(daily_outcomes(company_id))
