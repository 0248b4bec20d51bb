"""No user can see or change another company's data through any route.

Company A gets real data of every kind (records through the inbound API, a real Send Data into
its sandbox Xero organisation with a failure and a needs-manual-update among the results, the
one-time import, cached package lists, a second user, digest recipients). Then an admin of
company B walks every route in `app.url_map` with every method it allows, with A's ids in the
URL, with A's ids in the query string and the form, and with B's own ids in the URL but A's in
the query and form; through the API with B's key. A's names, numbers, amounts and emails must
never appear in an answer, a route naming A's object must refuse (404/403/400/422), nothing may
answer 500, and every row A owns, in every table, must be byte-for-byte what it was.
"""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.extensions import db
from tests.security.walk import (
    EXCLUDED_ENDPOINTS,
    EXCLUDED_PREFIXES,
    PUBLIC_ENDPOINTS,
    REFUSALS,
    Side,
    company_rows,
    differences,
    excluded_reason,
    hostile_fields,
    methods_of,
    mixed_paths,
    names_an_object,
    paths,
    unfillable,
    unowned_tables,
    walkable_rules,
)
from tests.ui import add_connection, add_invoice, add_run, add_transfer, page_token, sign_in

HX = {"HX-Request": "true"}
VAT = Decimal("1.2")


def _in_app(app: Any, fn: Any, *args: Any) -> Any:
    with app.app_context():
        try:
            return fn(*args)
        finally:
            db.session.remove()


def _money_forms(*amounts: Decimal) -> list[str]:
    """How a page might print an amount: 4817.63 and 4,817.63, net and with VAT."""
    out = []
    for amount in amounts:
        for value in (amount, (amount * VAT).quantize(Decimal("0.01"), ROUND_HALF_UP)):
            out += [f"{value:.2f}", f"{value:,.2f}"]
    return out


def test_every_route_is_walked(app) -> None:
    """Each route's parameters can be filled and each table attributed to a company, or the
    walk below would silently skip them: teach tests/security/walk.py about the new one."""
    with app.app_context():
        missing = {r.rule: unfillable(r) for r in walkable_rules(app) if unfillable(r)}
        unowned = unowned_tables()
    assert not missing, f"routes with parameters the isolation walk cannot fill: {missing}"
    assert not unowned, f"tables the isolation snapshot cannot attribute to a company: {unowned}"
    skipped = {r.rule for r in app.url_map.iter_rules() if excluded_reason(r)}
    assert all(r.startswith(tuple(EXCLUDED_PREFIXES)) or r.startswith("/static") for r in skipped)
    assert set(EXCLUDED_ENDPOINTS) == {"static"}


# ---------------------------------------------------------------------------- company A and B

def _records(p: str, marker: str) -> tuple[list[tuple[str, dict]], list[Decimal]]:
    """A's records, with the marker in every name, email and number."""
    line = {"description": f"Boiler service {marker}", "quantity": 1, "account": "sales",
            "tax_rate": "standard"}

    def invoice(n: str, price: str, **more: Any) -> dict:
        return {"source_id": f"{p}I{n}", "number": f"{marker}-INV-{n}",
                "customer_source_id": f"{p}C1", "date": "2026-10-15", "due_date": "2026-11-30",
                "reference": f"Job {marker}", "amounts_are": "exclusive",
                "lines": [line | {"unit_price": float(price)}]} | more

    credit = invoice("X", "211.37") | {"source_id": f"{p}N1", "number": f"{marker}-CN-1",
                                       "invoice_source_id": f"{p}I1"}
    payloads = [
        ("customers", {"source_id": f"{p}C1", "name": f"Alice {marker} Plumbing",
                       "email": f"alice.{marker}@example.test", "phone": "01632 961234",
                       "address": {"line1": f"7 {marker} Road", "city": "Leeds",
                                   "postcode": "LS2 7QZ", "country": "GB"}}),
        ("suppliers", {"source_id": f"{p}S1", "name": f"Sam {marker} Supplies",
                       "email": f"sam.{marker}@example.test"}),
        ("invoices", invoice("1", "4817.63")),
        ("invoices", invoice("2", "650.29", total=1.0)),  # lines disagree: fails pre-flight
        ("credit-notes", credit),
        ("payments", {"source_id": f"{p}P1", "customer_source_id": f"{p}C1",
                      "date": "2026-10-25", "amount": 3907.41, "bank_account": "bank",
                      "reference": f"Card {marker}",
                      "allocations": [{"invoice_source_id": f"{p}I1", "amount": 3907.41}]}),
    ]
    amounts = [Decimal(x) for x in ("4817.63", "650.29", "211.37", "3907.41", "4923.19")]
    return payloads, amounts


def _extra_user(company_id: int, email: str, role: str, password: str) -> int:
    from app.models import User
    from app.settings import service

    user, member, _ = service.add_user(company_id, email, role)
    service.accept_invitation(user.id, member.id)
    user = db.session.get(User, user.id)
    user.set_password(password)
    db.session.commit()
    return user.id


def _side(company_id: int, connection_id: int, p: str, user_ids: list[int],
          job_ids: list[str]) -> Side:
    from app.models import Connection, Run, Transfer

    connection = db.session.get(Connection, connection_id)
    transfers = db.session.execute(db.select(Transfer).filter_by(
        connection_id=connection_id).order_by(Transfer.id)).scalars().all()
    by_state: dict[str, int] = {}
    for t in transfers:
        by_state.setdefault(t.state, t.id)
    runs = db.session.execute(db.select(Run.id).filter_by(
        connection_id=connection_id)).scalars().all()
    sources = {"customer": f"{p}C1", "supplier": f"{p}S1", "invoice": f"{p}I1",
               "credit_note": f"{p}N1", "payment": f"{p}P1"}
    return Side(company_id=company_id, connection_ids=[connection_id],
                transfer_ids=list(by_state.values()), run_ids=list(runs), user_ids=user_ids,
                sources=sources, tenant_ids=[connection.tenant_id], job_ids=job_ids)


def _import_once(app: Any, connection_id: int) -> str:
    """The one-time import, run by the real worker; returns its job id when it is done."""
    import time

    from app.connections import lifecycle
    from app.models import Connection

    def _start() -> str:
        return lifecycle.start_import(db.session.get(Connection, connection_id))

    def _done(job_id: str) -> bool:
        progress = lifecycle.import_progress(db.session.get(Connection, connection_id), job_id)
        return progress is not None and progress.done

    job_id = _in_app(app, _start)
    deadline = time.monotonic() + 60
    while not _in_app(app, _done, job_id):
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.2)
    return job_id


class World:
    """Company A with data of every kind, company B with a little of its own."""

    def __init__(self, app: Any, connected_books: Any, worker_process: Any) -> None:
        from app.mapping.service import lists_for
        from app.models import Company, Connection, Membership, Transfer

        self.marker = marker = "zq" + uuid.uuid4().hex[:6]
        a, b = connected_books(), connected_books()
        worker_process()
        job_id = _import_once(app, a.connection_id)
        pa, pb = f"A{a.company_id}-", f"B{b.company_id}-"
        payloads, amounts = _records(pa, marker)
        a.post_all(payloads)
        b.post_all([
            ("customers", {"source_id": f"{pb}C1", "name": "Bob Builder Co"}),
            ("invoices", {"source_id": f"{pb}I1", "number": "B-INV-1",
                          "customer_source_id": f"{pb}C1", "date": "2026-10-15",
                          "amounts_are": "exclusive",
                          "lines": [{"description": "Tap washer", "quantity": 1,
                                     "unit_price": 12.0, "account": "sales",
                                     "tax_rate": "standard"}]}),
        ])
        for books in (a, b):
            run = books.wait_for_run(books.send()["id"], timeout=90)
            assert run["status"] == "finished", run
        invoice = dict(payloads[2][1])
        invoice["lines"] = [invoice["lines"][0] | {"unit_price": 4923.19}]
        a.post_all([("invoices", invoice)])  # edited after sending: a manual update

        self.a_password = self.b_password = f"pw-{uuid.uuid4().hex}"
        self.a_email = f"second.{marker}@example.test"
        self.b_email = f"b-admin-{uuid.uuid4().hex[:8]}@example.test"
        self.b_api_key = b.api_key
        self.a_api_key = a.api_key

        def _finish() -> None:
            company = db.session.get(Company, a.company_id)
            company.name = f"Alpha {marker} Heating Ltd"
            db.session.commit()
            a_admin = db.session.execute(db.select(Membership.user_id).filter_by(
                company_id=a.company_id)).scalar_one()
            second = _extra_user(a.company_id, self.a_email, "bookkeeper", self.a_password)
            from app.settings import service

            service.save_notifications(a.company_id, "daily", [a_admin, second],
                                       f"accountant.{marker}@example.test")
            lists_for(db.session.get(Connection, a.connection_id))
            self.a = _side(a.company_id, a.connection_id, pa, [a_admin, second], [job_id])
            states = Counter(db.session.execute(db.select(Transfer.state).filter_by(
                connection_id=a.connection_id)).scalars())
            assert {"sent", "failed", "needs_manual_update"} <= set(states), states

            b_first = db.session.execute(db.select(Membership.user_id).filter_by(
                company_id=b.company_id)).scalar_one()
            _extra_user(b.company_id, self.b_email, "admin", self.b_password)
            # B's own user ids exclude the one walking: removing itself would end the walk.
            self.b = _side(b.company_id, b.connection_id, pb, [b_first], [])
            self.b_company = db.session.get(Company, b.company_id).name

            a_conn = db.session.get(Connection, a.connection_id)
            a_user_emails = [u.email for u in _users_of(a.company_id)]
            externals = db.session.execute(db.select(
                Transfer.external_id, Transfer.idempotency_key).filter_by(
                connection_id=a.connection_id)).all()
            self.secrets = [marker, a_conn.tenant_name, a_conn.tenant_id, a.api_key,
                            *a_user_emails, *_money_forms(*amounts),
                            *[x for row in externals for x in row if x]]

        _in_app(app, _finish)


def _users_of(company_id: int) -> list[Any]:
    from app.models import Membership, User

    return list(db.session.execute(db.select(User).join(
        Membership, Membership.user_id == User.id).filter(
        Membership.company_id == company_id)).scalars())


class Intruder:
    """B's admin with a browser-like test client (real CSRF tokens from B's own pages)."""

    def __init__(self, app: Any, world: World) -> None:
        self.app, self.world = app, world
        self.client = app.test_client()
        self.problems: list[str] = []
        self.visited: Counter = Counter()
        self.statuses: Counter = Counter()
        self._sign_in()

    def _sign_in(self) -> None:
        answer = sign_in(self.client, self.world.b_email, self.world.b_password)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        self.token = page_token(self.client, "/")

    def _signed_in(self) -> bool:
        with self.client.session_transaction() as session:
            return "_user_id" in session

    def call(self, endpoint: str, method: str, path: str, *, strict: bool, hx: bool = False,
             hostile: bool = False, body: Any = None) -> None:
        api = path.startswith("/api/")
        headers = dict(HX) if hx else {}
        if api:
            headers["Authorization"] = f"Bearer {self.world.b_api_key}"
        extras = hostile_fields(self.world.a) if hostile else {}
        kwargs: dict[str, Any] = {"headers": headers,
                                  "query_string": {k: v for k, v in extras.items()
                                                   if not isinstance(v, list)}}
        if method != "GET":
            headers["X-CSRFToken"] = self.token
            if api:
                kwargs["json"] = body if body is not None else extras
            else:
                kwargs["data"] = {"csrf_token": self.token, **extras}
        answer = self.client.open(path, method=method, **kwargs)
        self.visited[endpoint] += 1
        self.statuses[answer.status_code] += 1
        label = f"{method} {path}{' (HX)' if hx else ''}{' +A ids' if hostile else ''}"
        if body is not None:
            label += f" {body}"
        self._check(label, answer, strict)
        if not self._signed_in():  # e.g. POST /logout: sign in again and carry on
            self._sign_in()

    def _check(self, label: str, answer: Any, strict: bool) -> None:
        status = answer.status_code
        if status >= 500:
            self.problems.append(f"{label}: {status}")
        if strict and status not in REFUSALS:
            self.problems.append(f"{label}: {status}, expected a refusal {sorted(REFUSALS)}")
        text = answer.get_data(as_text=True) + " " + answer.headers.get("Location", "")
        for secret in self.world.secrets:
            at = text.find(secret)
            if at >= 0:
                self.problems.append(f"{label}: shows A's {secret!r}: "
                                     f"…{text[max(0, at - 80):at + 80]}…")


def _api_bodies(a: Side, b: Side) -> dict[str, list[dict]]:
    """Records of B's that point at A's records: each must be refused (422), never linked."""
    line = [{"description": "x", "quantity": 1, "unit_price": 10.0, "account": "sales",
             "tax_rate": "standard"}]
    doc = {"date": "2026-10-15", "amounts_are": "exclusive", "lines": line}
    new = f"X{uuid.uuid4().hex[:6]}"
    return {
        "api.post_invoice": [doc | {"source_id": f"{new}I", "number": f"{new}-1",
                                    "customer_source_id": a.sources["customer"]}],
        "api.post_credit_note": [
            doc | {"source_id": f"{new}N", "number": f"{new}-2",
                   "customer_source_id": b.sources["customer"],
                   "invoice_source_id": a.sources["invoice"]},
            doc | {"source_id": f"{new}M", "number": f"{new}-3",
                   "customer_source_id": a.sources["customer"]}],
        "api.post_payment": [
            {"source_id": f"{new}P", "customer_source_id": b.sources["customer"],
             "date": "2026-10-25", "amount": 5.0, "bank_account": "bank",
             "allocations": [{"invoice_source_id": a.sources["invoice"], "amount": 5.0}]},
            {"source_id": f"{new}Q", "customer_source_id": a.sources["customer"],
             "date": "2026-10-25", "amount": 5.0, "bank_account": "bank",
             "allocations": [{"invoice_source_id": b.sources["invoice"], "amount": 5.0}]}],
    }


def test_another_companys_admin_can_neither_see_nor_change_anything(
    app, connected_books, worker_process
) -> None:
    world = World(app, connected_books, worker_process)
    a = world.a

    # The marker really is on A's own pages: the absence checks below can fail.
    own = app.test_client()
    assert sign_in(own, world.a_email, world.a_password).status_code == 302
    for path in ("/records", f"/records/{a.transfer_ids[1]}", "/records/failures.csv",
                 "/settings/notifications", f"/api/v1/customers/{a.sources['customer']}"):
        headers = {"Authorization": f"Bearer {world.a_api_key}"} if "/api/" in path else {}
        answer = own.get(path, headers=headers)
        if path == "/settings/notifications":  # bookkeepers may not; the admin may
            assert answer.status_code == 403
            continue
        assert answer.status_code == 200 and world.marker in answer.get_data(as_text=True), path

    tenants = a.tenant_ids
    before = _in_app(app, company_rows, a.company_id, tenants)
    assert all(before[t] for t in ("transfers", "transfer_events", "attempts", "runs",
                                   "package_lists", "digest_recipients", "users",
                                   "account_mappings", "sandbox_kit_objects")), \
        {k: len(v) for k, v in before.items()}

    intruder = Intruder(app, world)
    api_bodies = _api_bodies(a, world.b)
    rules = walkable_rules(app)
    for rule in rules:
        strict = names_an_object(rule)
        for method in methods_of(rule):
            looks = (False, True) if method == "GET" else (False,)
            for path in paths(rule, a):
                for hx in looks:
                    intruder.call(rule.endpoint, method, path, strict=strict, hx=hx)
                    intruder.call(rule.endpoint, method, path, strict=strict, hx=hx,
                                  hostile=True)
            if rule.arguments:
                for path in paths(rule, world.b):
                    for hx in looks:
                        intruder.call(rule.endpoint, method, path, strict=False, hx=hx,
                                      hostile=True)
            for path in mixed_paths(rule, world.b, a):
                for hx in looks:
                    intruder.call(rule.endpoint, method, path, strict=True, hx=hx)
            for body in api_bodies.get(rule.endpoint, []) if method == "POST" else []:
                intruder.call(rule.endpoint, method, rule.rule, strict=True, body=body)

    after = _in_app(app, company_rows, a.company_id, tenants)
    changed = differences(before, after)
    not_walked = {r.endpoint for r in rules} - set(intruder.visited)
    problems = intruder.problems
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])
    assert not changed, "A's rows changed:\n" + "\n".join(changed)
    assert not not_walked, not_walked
    # The walk really ran as B: B's own pages answered, and B is still signed in to B.
    assert intruder.statuses[200] > 50, intruder.statuses
    home = intruder.client.get("/")
    assert home.status_code == 200 and world.b_company in home.get_data(as_text=True)


# ---------------------------------------------------------------------------- signed out

def _signed_out_side(app: Any, make_company: Any) -> tuple[Side, list[str]]:
    made = make_company(name=f"Hidden {uuid.uuid4().hex[:6]} Ltd")

    def _build() -> Side:
        conn = add_connection(made.company_id, tenant_name="Hidden Org")
        number = f"SECRET-{uuid.uuid4().hex[:6]}"
        invoice = add_invoice(made.company_id, number, "Hidden Customer Ltd")
        transfer = add_transfer(made.company_id, conn, invoice, "failed",
                                explanation=f"{number} failed")
        run = add_run(made.company_id, conn, trigger="manual", status="finished")
        sources = {"customer": f"c-{number}", "invoice": f"i-{number}"}
        return Side(company_id=made.company_id, connection_ids=[conn],
                    transfer_ids=[transfer], run_ids=[run], user_ids=[made.user_id],
                    sources=sources)

    side = _in_app(app, _build)
    return side, [made.company.name, "Hidden Customer Ltd", side.sources["invoice"][2:]]


def test_signed_out_every_private_route_asks_to_sign_in(app, make_company) -> None:
    side, secrets = _signed_out_side(app, make_company)
    client = app.test_client()
    token = page_token(client, "/login")  # a signed-out session's own token: CSRF passes
    problems = []
    for rule in walkable_rules(app):
        for method in methods_of(rule):
            for path in paths(rule, side):
                kwargs: dict[str, Any] = {}
                if method != "GET":
                    kwargs = {"data": {"csrf_token": token}, "headers": {"X-CSRFToken": token}}
                answer = client.open(path, method=method, **kwargs)
                status, where = answer.status_code, answer.headers.get("Location", "")
                label = f"{method} {path}: {status} {where}"
                text = answer.get_data(as_text=True)
                if status >= 500 or any(s in text for s in secrets):
                    problems.append(label)
                elif rule.endpoint in PUBLIC_ENDPOINTS:
                    continue
                elif path.startswith(("/api/", "/agent/")):  # bearer tokens, no cookie
                    if status != 401:
                        problems.append(label + " (expected 401)")
                elif status != 302 or not where.split("?")[0].endswith("/login"):
                    problems.append(label + " (expected a redirect to /login)")
    assert not problems, "\n".join(problems)
