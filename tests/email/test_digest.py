"""The failure digest, read back from a real SMTP server."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from app.extensions import db
from app.mail import MailError
from app.models import DigestState, utcnow
from app.sync.digest import send_company_digest, send_due_digests
from tests.email.failures import PENDING, SENT, connection_for, fail, failed_invoice, move


def _n() -> str:
    return uuid.uuid4().hex[:6].upper()


def _record_links(text: str, base: str) -> set[int]:
    return {int(x) for x in re.findall(re.escape(base) + r"/records/(\d+)", text)}


def test_digest_groups_new_failures_by_cause_with_links(app, ctx, inbox, make_company):
    a = make_company("Acme Heating Ltd")
    b = make_company("Other Plumbing Ltd")
    conn_a, conn_b = connection_for(a.company_id), connection_for(b.company_id)
    n = _n()
    unmapped = [failed_invoice(a.company_id, conn_a, f"A{n}-1", "A. Smith"),
                failed_invoice(a.company_id, conn_a, f"A{n}-2", "B. Jones")]
    archived = failed_invoice(a.company_id, conn_a, f"A{n}-3", "C. Brown",
                              cause="contact_archived")
    other = failed_invoice(b.company_id, conn_b, f"B{n}-1", "Z. Secret")

    assert send_company_digest(a.company_id) == 3
    [mail] = inbox.to(a.email)
    assert mail.subject == "Ledgerlink: 3 records need your attention (Acme Heating Ltd)"
    assert mail.message.get_content_type() == "multipart/alternative"
    base = app.config["BASE_URL"]
    text, html = mail.text, mail.html
    for body in (text, html):
        assert _record_links(body, base) == {*unmapped, archived}
        assert f"B{n}-1" not in body and "Z. Secret" not in body and "Other Plumbing" not in body
        assert str(other) not in _record_links(body, base)
    # Grouped by cause: one heading each, the shared explanation and fix once per group.
    assert text.count("== An account is not mapped to a nominal code (2 records) ==") == 1
    assert text.count("== The customer is archived in Xero (1 record) ==") == 1
    assert text.count('The account "Sales" is not mapped to a Xero account code yet.') == 1
    assert text.count('Map "Sales" to a nominal code on the Mapping page') == 1
    assert text.count("Restore (un-archive) the contact in Xero") == 1
    # The unmapped group lists its two invoices under its own heading, before the next group.
    unmapped_part = text.split("== The customer is archived")[0]
    assert f"Invoice A{n}-1" in unmapped_part and f"Invoice A{n}-2" in unmapped_part
    assert f"Invoice A{n}-3" not in unmapped_part
    groups = re.findall(r'data-reason="(\w+)"', html)
    assert groups == ["unmapped_account", "contact_archived"]
    assert html.count("Restore (un-archive) the contact in Xero") == 1
    assert f'href="{base}/records/{archived}"' in html
    # The other company's digest tells only its own failure.
    assert send_company_digest(b.company_id) == 1
    [mail_b] = inbox.to(b.email)
    assert _record_links(mail_b.text, base) == {other}
    assert "Acme" not in mail_b.text and f"A{n}" not in mail_b.html


def test_only_failures_new_since_the_last_digest_and_none_when_none(app, ctx, inbox,
                                                                     make_company):
    made = make_company()
    conn = connection_for(made.company_id)
    n = _n()
    first = failed_invoice(made.company_id, conn, f"N{n}-1", "A. Smith")
    fixed = failed_invoice(made.company_id, conn, f"N{n}-2", "B. Jones")
    again = failed_invoice(made.company_id, conn, f"N{n}-3", "C. Brown")
    base = app.config["BASE_URL"]

    assert send_company_digest(made.company_id) == 3
    assert len(inbox.to(made.email)) == 1
    # Nothing new: no mail at all.
    assert send_company_digest(made.company_id) == 0
    assert len(inbox.to(made.email)) == 1

    # One is fixed and sent, one is retried and fails again, one is brand new.
    move(fixed, PENDING)
    move(fixed, SENT)
    move(again, PENDING)
    fail(again, "contact_archived", customer="C. Brown")
    new = failed_invoice(made.company_id, conn, f"N{n}-4", "D. White")
    assert send_company_digest(made.company_id) == 2
    second = inbox.to(made.email)[1]
    assert second.subject.startswith("Ledgerlink: 2 records need your attention")
    assert _record_links(second.text, base) == {again, new}
    assert _record_links(second.html, base) == {again, new}
    assert str(first) and f"N{n}-1" not in second.text
    assert "since the last digest" in second.text
    assert send_company_digest(made.company_id) == 0
    assert len(inbox.to(made.email)) == 2


def test_a_mail_server_outage_loses_nothing(app, ctx, inbox, make_company):
    made = make_company()
    conn = connection_for(made.company_id)
    tid = failed_invoice(made.company_id, conn, f"O{_n()}", "A. Smith")
    port = app.config["SMTP_PORT"]
    from tests.email.smtp import _free_port

    app.config["SMTP_PORT"] = _free_port()  # nothing listens there
    try:
        with pytest.raises(MailError):
            send_company_digest(made.company_id)
    finally:
        app.config["SMTP_PORT"] = port
    db.session.rollback()
    state = db.session.get(DigestState, made.company_id)
    assert state is None or state.last_transfer_event_id == 0
    assert send_company_digest(made.company_id) == 1
    [mail] = inbox.to(made.email)
    assert _record_links(mail.text, app.config["BASE_URL"]) == {tid}


def test_frequency_decides_when_the_hourly_check_sends(app, ctx, inbox, make_company):
    made = make_company()
    conn = connection_for(made.company_id)
    failed_invoice(made.company_id, conn, f"F{_n()}", "A. Smith")
    start = utcnow()

    send_due_digests(start)  # daily by default; never checked before, so due now
    assert len(inbox.to(made.email)) == 1
    failed_invoice(made.company_id, conn, f"F{_n()}", "B. Jones")
    send_due_digests(start + timedelta(hours=1))  # the next hourly tick: not a day yet
    assert len(inbox.to(made.email)) == 1
    send_due_digests(start + timedelta(hours=23, minutes=55))  # a tick that drifted early
    assert len(inbox.to(made.email)) == 2

    state = db.session.get(DigestState, made.company_id)
    state.frequency = "never"
    db.session.commit()
    failed_invoice(made.company_id, conn, f"F{_n()}", "C. Brown")
    send_due_digests(start + timedelta(days=30))
    assert len(inbox.to(made.email)) == 2


def test_the_cron_job_sends_from_a_real_worker(app, ctx, inbox, make_company, worker_process):
    from app.jobs import send_digests
    from app.queue import get_queue

    made = make_company("Worker Heating Ltd")
    conn = connection_for(made.company_id)
    tid = failed_invoice(made.company_id, conn, f"W{_n()}", "A. Smith")
    worker_process()
    get_queue().enqueue(send_digests)
    [mail] = inbox.wait_for(made.email, timeout=30)
    assert mail.subject == "Ledgerlink: 1 record needs your attention (Worker Heating Ltd)"
    assert _record_links(mail.text, app.config["BASE_URL"]) == {tid}


def test_digest_names_the_organisation_of_each_connection(app, ctx, inbox, make_company):
    from tests.ui import add_connection

    a = make_company("Acme Group")
    heating = add_connection(a.company_id, tenant_name="Acme Heating Ltd")
    plumbing = add_connection(a.company_id, tenant_name="Acme Plumbing Ltd")
    n = _n()
    failed_invoice(a.company_id, heating, f"H{n}", "A. Smith")
    failed_invoice(a.company_id, plumbing, f"P{n}", "B. Jones")
    assert send_company_digest(a.company_id) == 2
    [mail] = inbox.to(a.email)
    for body in (mail.text, mail.html):
        assert re.search(rf"Invoice H{n}.*Xero · Acme Heating Ltd", body)
        assert re.search(rf"Invoice P{n}.*Xero · Acme Plumbing Ltd", body)
    # The group's heading still names the package alone.
    assert "== An account is not mapped to a nominal code (2 records) ==" in mail.text
