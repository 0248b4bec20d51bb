"""Send Data end to end from the dashboard: a real worker, the sandbox Xero over HTTP, and the
progress fragment polled until it answers 286."""

from __future__ import annotations

import re
import time

import requests

from tests.ui import sign_in, tile

HX = {"HX-Request": "true"}


def test_send_data_from_the_dashboard_reaches_the_sandbox(
    app, live_url, client, make_company, worker_process
):
    from app.demo import connect_sandbox

    made = make_company(name="Live Send Ltd")
    with app.app_context():
        connection_id = connect_sandbox("xero", made.company_id, "Live Send Ltd (sandbox)").id
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {made.api_key}"
    customer = {"source_id": "cust-1", "name": "Boiler Co Live", "email": "b@example.test"}
    assert api.post(f"{live_url}/api/v1/customers", json=customer, timeout=10).ok
    invoice = {"source_id": "inv-1", "number": "INV-LIVE-1", "customer_source_id": "cust-1",
               "date": "2026-05-01", "due_date": "2026-05-31", "reference": "Job 1",
               "amounts_are": "exclusive",
               "lines": [{"description": "Boiler service", "quantity": 1,
                          "unit_price": 80.00, "account": "sales", "tax_rate": "standard"}]}
    saved = api.post(f"{live_url}/api/v1/invoices", json=invoice, timeout=10)
    assert saved.ok, saved.text
    worker_process()

    sign_in(client, made.email, made.password)
    html = client.get("/").get_data(as_text=True)
    assert tile(html, "pending") == 2
    token = re.search(r'csrf_token" value="([^"]+)', html)[1]
    started = client.post(f"/connections/{connection_id}/send", headers=HX,
                          data={"csrf_token": token})
    progress_url = re.search(r'hx-get="(/runs/\d+/progress)"', started.get_data(as_text=True))[1]

    deadline = time.monotonic() + 60
    while True:
        polled = client.get(progress_url, headers=HX)
        if polled.status_code == 286:
            break
        assert polled.status_code == 200
        assert time.monotonic() < deadline, polled.get_data(as_text=True)
        time.sleep(0.5)
    assert "2 sent" in polled.get_data(as_text=True)
    assert polled.headers["HX-Trigger"] == "run-finished"
    html = client.get("/", headers=HX).get_data(as_text=True)
    assert tile(html, "sent") == 2
    assert tile(html, "pending") == 0
