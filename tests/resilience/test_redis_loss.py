"""Losing Redis: the web answers 503 "try again in a minute" for Send Data and the import (page
and API) while records keep coming in; worker and cron ride out a Redis restart mid-run, and the
sweep finishes what was in flight with nobody acting. Counted in the sandbox through Xero's own
API (tests/sync/readback.py)."""

from __future__ import annotations

import time
from collections import Counter

import requests

from app.demo_records import generate
from tests.sync.test_pipeline import _check_books
from tests.ui import csrf_from, sign_in

HX = {"HX-Request": "true"}


def test_send_data_answers_503_while_redis_is_away_and_intake_goes_on(  # type: ignore[no-untyped-def]
    app, live_url, client, make_company, spare_redis
) -> None:
    from app.demo import connect_sandbox

    made = make_company(name="Redis Away Ltd")
    with app.app_context():
        connection_id = connect_sandbox("xero", made.company_id, "Redis Away (sandbox)").id
    sign_in(client, made.email, made.password)
    token = csrf_from(client.get("/").get_data(as_text=True))
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {made.api_key}"

    spare_redis.stop()

    # The API: 503, words to act on, and when to come back.
    answer = api.post(f"{live_url}/api/v1/connections/{connection_id}/send", timeout=30)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "queue_unavailable"  # the documented Error shape
    assert set(answer.json()) == {"error", "message"}
    assert "try again in a minute" in answer.json()["message"]
    assert answer.headers["Retry-After"] == "60"
    # The dashboard's Send Data, as htmx sends it: the fragment says so (htmx is told to show
    # a 503 on the dashboard) and the button is there to press again.
    pressed = client.post(f"/connections/{connection_id}/send", headers=HX,
                          data={"csrf_token": token})
    assert pressed.status_code == 503
    fragment = pressed.get_data(as_text=True)
    assert "try again in a minute" in fragment and ">Send Data</button>" in fragment
    assert '{"code":"503","swap":true}' in client.get("/").get_data(as_text=True)
    # Without JavaScript: a page that says the same.
    plain = client.post(f"/connections/{connection_id}/send", data={"csrf_token": token})
    assert plain.status_code == 503
    assert "try again in a minute" in plain.get_data(as_text=True)
    # The import page and its button.
    assert client.get(f"/connections/{connection_id}/import").status_code == 503
    started = client.post(f"/connections/{connection_id}/import", data={"csrf_token": token})
    assert started.status_code == 503
    assert "try again in a minute" in started.get_data(as_text=True)

    # Record intake does not need Redis: the database is the source of truth.
    customer = {"source_id": "away-1", "name": "Away Customer", "email": "a@example.test"}
    assert api.post(f"{live_url}/api/v1/customers", json=customer, timeout=30).status_code == 201
    with app.app_context():
        from app.extensions import db
        from app.models import Run

        assert db.session.execute(
            db.select(Run).filter_by(connection_id=connection_id)).first() is None
        db.session.remove()

    # Redis back: the same button works again, with nobody restarting anything.
    spare_redis.start()
    again = api.post(f"{live_url}/api/v1/connections/{connection_id}/send", timeout=30)
    assert again.status_code == 202, again.text


def test_worker_and_cron_ride_out_a_redis_restart_mid_run(  # type: ignore[no-untyped-def]
    app, connected_books, worker_process, cron_process, spare_redis
) -> None:
    books = connected_books(package="xero")
    payloads = generate(customers=30, invoices=150, payments=60, credit_notes=10,
                        prefix=f"R{books.company_id}-", seed=23)
    books.post_all(payloads)
    worker = worker_process()
    cron = cron_process(tick_seconds=2)
    run = books.send()
    deadline = time.monotonic() + 120
    while not any(t.state == "sent" for t in books.transfers()):
        assert time.monotonic() < deadline, "nothing was sent"
        time.sleep(0.05)

    spare_redis.stop()  # mid-run; it comes back empty, as a Redis without persistence does
    down_until = time.monotonic() + 4
    while time.monotonic() < down_until:
        # Records keep coming in meanwhile.
        time.sleep(0.2)
    late = {"source_id": f"R{books.company_id}-late", "name": "Late Customer R",
            "email": "late@example.test"}
    assert books.post("customers", late).status_code == 201
    payloads.append(("customers", late))
    assert worker.poll() is None and cron.poll() is None, "a process quit when Redis went"
    states = Counter(t.state for t in books.transfers())
    assert states.get("sent", 0) < len(payloads), f"the run finished before Redis went: {states}"
    spare_redis.start()

    # Nobody acts: the worker and cron reconnect by themselves and the sweep hands the
    # interrupted run back to the worker.
    final = books.wait_for_run(run["id"], timeout=240)
    assert final["status"] == "finished", final
    assert worker.poll() is None and cron.poll() is None
    # The late customer was pending when the run planned its customers, or it is in this run;
    # one more Send Data settles it either way, and must send nothing twice.
    books.wait_for_run(books.send()["id"], timeout=120)
    states = Counter(t.state for t in books.transfers())
    assert states == {"sent": len(payloads)}, states
    _check_books(books, payloads)
