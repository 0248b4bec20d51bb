"""The failure digest: one email per company listing the failures that are new since the last
digest, grouped by cause, with the explanation and the fix once per group and a link to each
record. Nothing is sent when nothing new failed.

"New" is decided by a watermark, the id of the newest failure event already told: a transfer
counts when it is failed now and the event that made it fail is above the watermark. A record
that failed, was retried and failed again is told again; one fixed meanwhile is not told.
The watermark only moves once the mail has gone, so a mail server outage loses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.mail import Mail, MailError, render_mail, send_mails
from app.models import (
    Company,
    Connection,
    DigestRecipient,
    DigestState,
    Membership,
    Transfer,
    TransferEvent,
    User,
    utcnow,
)
from app.models.notification import DEFAULT_FREQUENCY
from app.models.transfer import FAILED
from app.sync.pull_health import silence_sentence, silent_connections

log = logging.getLogger(__name__)

PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
# Cron looks hourly and its ticks drift by seconds; without slack an hourly digest that was
# checked at 10:00:05 would not be due at 11:00:03 and would skip to noon.
SLACK = timedelta(minutes=10)
MAX_LISTED_PER_GROUP = 25

# A heading per cause; {package} is filled in when the group's records all go to one package.
REASON_TITLES = {
    "unmapped_account": "An account is not mapped to a nominal code",
    "unmapped_tax_rate": "A VAT rate is not mapped to a tax rate",
    "account_unknown": "The mapped account does not exist in {package}",
    "account_archived": "The mapped account is archived in {package}",
    "tax_rate_unknown": "{package} does not accept the mapped tax rate",
    "contact_archived": "The customer is archived in {package}",
    "contact_missing": "The customer was deleted in {package}",
    "duplicate_name": "{package} already has a contact with the same name",
    "duplicate_reference": "{package} already has a document with the same number",
    "locked_period": "Dated before {package}'s lock date",
    "invoice_missing": "The invoice cannot be found in {package}",
    "amount_exceeds_due": "The payment is more than is still owed",
    "invoice_draft": "Its invoice is a draft in {package}, waiting for approval",
    "totals_differ": "{package} worked out a different total",
    "payment_partly_sent": "Only part of a payment went in",
    "finish_by_hand": "In {package}, with one step left for you to do there",
    "totals_mismatch": "The lines do not add up to the total",
    "allocations_mismatch": "The payment's allocations do not add up",
    "allocation_exceeds_invoice": "More is allocated than the invoice comes to",
    "no_lines": "The document has no lines",
    "validation": "{package} refused the record",
}


@dataclass
class DigestItem:
    transfer_id: int
    label: str
    detail: str
    package: str
    explanation: str
    link: str
    package_title: str = ""  # "Xero", for the group's heading; `package` is the full name


@dataclass
class DigestGroup:
    reason: str
    title: str
    explanation: str | None  # shown once when every record shares it, else per record
    fixes: list[str]
    items: list[DigestItem] = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass
class Digest:
    company: Company
    groups: list[DigestGroup]
    total: int
    watermark: int
    since: datetime | None
    base_url: str
    # Desktop packages silent for longer than their schedule allows, in words.
    silent: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        if not self.total:
            return f"Ledgerlink: {self.silent[0].split('.')[0]} ({self.company.name})"
        needs = "record needs" if self.total == 1 else "records need"
        return f"Ledgerlink: {self.total:,} {needs} your attention ({self.company.name})"


def new_failures(company_id: int, after_event_id: int) -> list[tuple[Transfer, int]]:
    """The company's failed transfers whose failing event is above the watermark, with that
    event's id, oldest first."""
    event_id = func.max(TransferEvent.id)
    rows = db.session.execute(
        select(Transfer, event_id)
        .join(TransferEvent, TransferEvent.transfer_id == Transfer.id)
        .where(Transfer.company_id == company_id, Transfer.state == FAILED,
               TransferEvent.to_state == FAILED)
        .group_by(Transfer.id)
        .having(event_id > after_event_id)
        .order_by(Transfer.id)
    ).all()
    return [(t, int(e)) for t, e in rows]


def build_digest(company: Company, after_event_id: int, since: datetime | None = None
                 ) -> Digest | None:
    """The digest of failures new since the watermark; None when there are none."""
    from app.records.labels import connection_name, package_title, record_labels, unknown_label

    failures = new_failures(company.id, after_event_id)
    silent = [silence_sentence(h) for h in silent_connections(company.id)]
    if not failures and not silent:
        return None
    base_url = current_app.config["BASE_URL"]
    labels = record_labels(company.id, {(t.record_type, t.record_id) for t, _ in failures})
    conns = db.session.execute(
        select(Connection).where(Connection.company_id == company.id)).scalars().all()
    packages = {c.id: package_title(c.package) for c in conns}
    # Each record says where it was going by package and organisation: two Xero connections
    # must not both read "Xero".
    names = {c.id: connection_name(c) for c in conns}

    by_reason: dict[str, list[tuple[Transfer, DigestItem]]] = {}
    for t, _ in failures:
        key = (t.record_type, t.record_id)
        label = labels.get(key) or unknown_label(*key)
        item = DigestItem(t.id, label.title, label.detail, names.get(t.connection_id, ""),
                          t.explanation, f"{base_url}/records/{t.id}",
                          packages.get(t.connection_id, ""))
        by_reason.setdefault(t.reason or "other", []).append((t, item))

    groups = []
    for reason, rows in by_reason.items():
        explanations = {t.explanation for t, _ in rows}
        fixes = list(dict.fromkeys(t.fix_hint for t, _ in rows if t.fix_hint))
        titles = {item.package_title for _, item in rows}
        package = titles.pop() if len(titles) == 1 else "the package"
        title = REASON_TITLES.get(reason, "Other problems").format(package=package)
        groups.append(DigestGroup(
            reason=reason,
            title=title[:1].upper() + title[1:],
            explanation=explanations.pop() if len(explanations) == 1 else None,
            fixes=fixes,
            items=[item for _, item in rows[:MAX_LISTED_PER_GROUP]],
            count=len(rows),
        ))
    groups.sort(key=lambda g: (-g.count, g.title))
    return Digest(company=company, groups=groups, total=len(failures),
                  watermark=max((e for _, e in failures), default=after_event_id), since=since,
                  base_url=base_url, silent=silent)


def recipients(company_id: int) -> list[str]:
    """Addresses that get the company's digest: those an admin chose, or (until an admin has
    chosen) the company's admins."""
    state = db.session.get(DigestState, company_id)
    if state is None or not state.recipients_chosen:
        emails = db.session.execute(
            select(User.email).join(Membership, Membership.user_id == User.id)
            .where(Membership.company_id == company_id, Membership.role == "admin",
                   Membership.status == "active")
            .order_by(User.id)
        ).scalars().all()
    else:
        emails = []
        for rec, user_email, member in db.session.execute(
            select(DigestRecipient, User.email, Membership.id)
            .outerjoin(User, DigestRecipient.user_id == User.id)
            .outerjoin(Membership, (Membership.user_id == DigestRecipient.user_id)
                       & (Membership.company_id == company_id)
                       & (Membership.status == "active"))
            .where(DigestRecipient.company_id == company_id)
            .order_by(DigestRecipient.id)
        ).all():
            if rec.user_id is None:
                emails.append(rec.email)
            elif member is not None:  # a user who has left the company gets nothing more
                emails.append(user_email)
    return list(dict.fromkeys(e.strip().lower() for e in emails if e))


def state_for(company_id: int) -> DigestState:
    state = db.session.get(DigestState, company_id)
    if state is None:
        state = DigestState(company_id=company_id, frequency=DEFAULT_FREQUENCY,
                            recipients_chosen=False, last_transfer_event_id=0)
        db.session.add(state)
        db.session.flush()
    return state


def is_due(state: DigestState | None, now: datetime) -> bool:
    frequency = state.frequency if state else DEFAULT_FREQUENCY
    if frequency not in PERIODS:
        return False  # "never"
    if state is None or state.last_checked_at is None:
        return True
    return now - state.last_checked_at >= PERIODS[frequency] - SLACK


def render_digest(digest: Digest, test_by: str = "") -> tuple[str, str]:
    context = {"digest": digest, "company": digest.company, "test_by": test_by,
               "dashboard": f"{digest.base_url}/",
               "settings_link": f"{digest.base_url}/settings/notifications"}
    return (render_mail("emails/digest.txt", **context),
            render_mail("emails/digest.html", **context))


def send_company_digest(company_id: int, now: datetime | None = None) -> int:
    """Mail the company's digest now, whatever its schedule; returns how many failures it told
    (0 when nothing new failed or nobody is chosen to hear). MailError when the server is down.
    """
    lock = _lock(company_id)
    if lock is not None and not lock.acquire(blocking=False):
        return 0  # another worker is sending this company's digest right now
    try:
        return _send_company_digest(company_id, now or utcnow())
    finally:
        if lock is not None:
            try:
                lock.release()
            except redis.RedisError:
                log.warning("digest lock for company %s expired before release", company_id)


def _send_company_digest(company_id: int, now: datetime) -> int:
    company = db.session.get(Company, company_id)
    if company is None:
        return 0
    state = state_for(company_id)
    digest = build_digest(company, state.last_transfer_event_id, state.last_sent_at)
    state.last_checked_at = now
    to = recipients(company_id)
    if digest is None or not to:
        if digest is not None:
            # Keep the watermark: once someone is chosen they hear about these.
            log.warning("company %s has failures to tell but no digest recipients", company_id)
        db.session.commit()
        return 0
    text, html = render_digest(digest)
    mails = [Mail(to=address, subject=digest.subject, text=text, html=html,
                  headers={"Auto-Submitted": "auto-generated"}) for address in to]
    refused = send_mails(mails)
    if len(refused) == len(mails):
        db.session.rollback()
        raise MailError(f"The mail server refused every recipient: {', '.join(refused)}")
    state.last_transfer_event_id = digest.watermark
    state.last_sent_at = now
    db.session.commit()
    log.info("digest of %s failures sent for company %s to %s", digest.total, company_id,
             len(mails) - len(refused))
    return digest.total


@dataclass
class DigestTestResult:
    sent_to: list[str]  # the server took these
    refused: list[str]  # the server refused these addresses
    failures: int  # how many failed records the test listed
    logged_only: bool  # no mail server is set up: the mails went to the log


def send_test_digest(company_id: int, requested_by: str) -> DigestTestResult:
    """Mail the digest now to the company's chosen recipients, through the same path as the
    real one, so an admin can see it arrive. It lists the records failed at this moment (or
    says nothing has failed) and changes nothing: the next real digest still tells every new
    failure. MailError when the server cannot be reached or refuses everyone."""
    company = db.session.get(Company, company_id)
    to = recipients(company_id)
    if company is None or not to:
        return DigestTestResult([], [], 0, False)
    digest = build_digest(company, after_event_id=0)
    context = {"company": company, "requested_by": requested_by,
               "base_url": current_app.config["BASE_URL"],
               "dashboard": f"{current_app.config['BASE_URL']}/",
               "settings_link": f"{current_app.config['BASE_URL']}/settings/notifications"}
    if digest is not None:
        text, html = render_digest(digest, test_by=requested_by)
        subject = f"Test: {digest.subject}"
    else:
        text = render_mail("emails/digest_test_empty.txt", **context)
        html = render_mail("emails/digest_test_empty.html", **context)
        subject = f"Test: Ledgerlink failure email ({company.name})"
    mails = [Mail(to=address, subject=subject, text=text, html=html,
                  headers={"Auto-Submitted": "auto-generated"}) for address in to]
    refused = send_mails(mails)
    if len(refused) == len(mails):
        raise MailError(f"The mail server refused every recipient: {', '.join(refused)}")
    log.info("test digest for company %s sent to %s by %s", company_id,
             len(mails) - len(refused), requested_by)
    return DigestTestResult([a for a in to if a not in refused], refused,
                            digest.total if digest else 0,
                            not current_app.config.get("SMTP_HOST"))


def _lock(company_id: int):  # type: ignore[no-untyped-def]
    from app.redis_conn import get_redis

    try:
        return get_redis().lock(f"ledgerlink:digest:{company_id}", timeout=600)
    except (redis.RedisError, RuntimeError):
        return None


def send_due_digests(now: datetime | None = None) -> dict[str, int]:
    """Every company whose frequency is due gets its digest (if anything new failed)."""
    now = now or utcnow()
    states = {s.company_id: s for s in db.session.execute(select(DigestState)).scalars()}
    company_ids = db.session.execute(select(Company.id).order_by(Company.id)).scalars().all()
    result = {"checked": 0, "sent": 0, "failures": 0, "errors": 0}
    for company_id in company_ids:
        if not is_due(states.get(company_id), now):
            continue
        result["checked"] += 1
        try:
            told = send_company_digest(company_id, now)
        except MailError:
            # The server is down for everyone: the rest wait for the next tick (nothing moves).
            log.exception("digest for company %s not sent", company_id)
            result["errors"] += 1
            break
        if told:
            result["sent"] += 1
            result["failures"] += told
    return result
