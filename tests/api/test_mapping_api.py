"""Mapping through the API: GET and PUT /api/v1/connections/{id}/mapping, over real HTTP to the
app serving the package sandboxes, for every registered package (found through the registry).

Codes are chosen from the package's own lists as the API returns them (an active account of the
right kind, an archived one...), never written in here, so a new package is tested as it is.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

import connectors
from app.extensions import db
from app.models import Connection
from app.redis_conn import get_redis
from connectors import connector_class, package_keys
from connectors.capabilities import OAuth2Auth
from tests.api.mapping_helpers import (
    NO_SUCH_CODE,
    as_documented,
    call,
    mapping_of,
    sales_rates,
    suitable,
    whole_mapping,
)
from tests.sync.conftest import connected_books  # noqa: F401  (fixture used by these tests)

PACKAGES = tuple(package_keys("push"))


# --------------------------------------------------------------------------- GET and PUT
@pytest.mark.parametrize("package", PACKAGES)
def test_round_trip(connected_books, package):  # noqa: F811
    books = connected_books(package=package)
    first = mapping_of(books)
    assert first["connection_id"] == books.connection_id and first["package"] == package
    assert first["package_title"] == connector_class(package).title
    chart = first["chart"]
    assert {a["key"] for a in chart["accounts"]} >= {"sales", "materials_sales", "expenses"}
    assert [a["key"] for a in chart["bank_accounts"]] == ["bank"]
    assert {t["key"]: t["rate"] for t in chart["tax_rates"]}["standard"] == "20"
    # Never read before: the GET read them from the package, as opening the page does.
    lists = first["lists"]
    assert lists["read_at"] is not None and lists["problem"] is None
    assert {e["kind"] for e in lists["accounts"]} >= {"sales", "bank", "expense"}
    assert {e["kind"] for e in lists["tax_rates"]} >= {"sales"}
    # Every entry of our chart appears in the mapping, mapped or not.
    for section in ("accounts", "bank_accounts", "tax_rates"):
        assert set(first["mapping"][section]) == {e["key"] for e in chart[section]}

    wanted = whole_mapping(first)
    answer = call(books, "PUT", wanted)
    assert answer.status_code == 200, answer.text
    saved = as_documented(answer, "PUT")
    assert saved["mapping"] == wanted and saved["problems"] == []
    assert saved["released"] == {} and saved["records_waiting"] == {}
    again = mapping_of(books)
    assert again["mapping"] == wanted
    assert again["lists"]["read_at"] == lists["read_at"]  # as last read: not read again
    # What GET gives can be PUT back unchanged.
    back = call(books, "PUT", again["mapping"])
    assert back.status_code == 200 and back.json()["mapping"] == wanted
    # refresh=true reads the lists again.
    refreshed = mapping_of(books, "?refresh=true")
    assert refreshed["lists"]["read_at"] > lists["read_at"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_bad_entry_is_named_and_nothing_is_written(connected_books, package):  # noqa: F811
    books = connected_books(package=package)
    before = mapping_of(books)
    lists = before["lists"]
    sales, bank = suitable(lists, "sales"), suitable(lists, "bank")
    expected = {
        "accounts.sales": (NO_SUCH_CODE, "unknown"),
        "bank_accounts.bank": (sales[0], "wrong_kind"),
        "accounts.expenses": (bank[0], "wrong_kind"),
        "accounts.callout_fees": ("   ", "blank"),
        "accounts.nope": (sales[0], "unknown_key"),
        "accounts.bank": (bank[0], "wrong_section"),
        "tax_rates.sales": (sales_rates(lists)[0], "wrong_section"),
        "tax_rates.zero": (NO_SUCH_CODE, "unknown"),
        "tax_rates.exempt": ("tab\there", "not_a_code"),
        "bank_accounts.savings": ("line\nbreak", "unknown_key"),  # our keys come first
    }
    # Where this package's lists have such entries: an archived sales account, a purchases
    # rate (test_archived_and_purchase_codes_are_refused makes sure some package has them).
    archived = suitable(lists, "sales", active=False)
    if archived:
        expected["accounts.materials_sales"] = (archived[0], "inactive")
    purchases = [e["code"] for e in lists["tax_rates"] if e["kind"] == "purchases"]
    if purchases:
        expected["tax_rates.standard"] = (purchases[0], "wrong_kind")
    body: dict[str, dict[str, str]] = {"accounts": {}, "bank_accounts": {}, "tax_rates": {}}
    for field, (code, _) in expected.items():
        section, key = field.split(".")
        body[section][key] = code
    # A good entry in the same body is not saved either.
    body["tax_rates"]["reduced"] = sales_rates(lists, "5")[0]

    answer = call(books, "PUT", body)
    assert answer.status_code == 422, answer.text
    refusal = as_documented(answer, "PUT")
    assert refusal["error"] == "invalid_mapping"
    assert refusal["message"].startswith(f"Nothing was saved: {len(expected)} entries")
    got = {p["field"]: (p["code"], p["reason"]) for p in refusal["problems"]}
    assert got == expected
    words = {p["field"]: p["message"] for p in refusal["problems"]}
    title = connector_class(package).title
    assert f"{title} has no account with the code \u201c{NO_SUCH_CODE}\u201d" in \
        words["accounts.sales"]
    assert "is our bank account" in words["bank_accounts.bank"]
    assert "We have no account \u201cnope\u201d. Ours are: sales," in words["accounts.nope"]
    assert "name it under bank_accounts" in words["accounts.bank"]
    assert "name it under accounts" in words["tax_rates.sales"]
    if archived:
        assert f"is archived in {title}" in words["accounts.materials_sales"]
    if purchases:
        assert "is a purchases rate" in words["tax_rates.standard"]
    after = mapping_of(books)
    assert after["mapping"] == before["mapping"]


def test_archived_and_purchase_codes_are_refused(connected_books):  # noqa: F811
    """Some registered package's sandbox lists an archived account and a purchases rate, and
    both are refused by name (each package is also checked for them where it has them)."""
    seen: set[str] = set()
    for package in PACKAGES:
        books = connected_books(package=package)
        lists = mapping_of(books)["lists"]
        archived = suitable(lists, "sales", active=False)
        purchases = [e["code"] for e in lists["tax_rates"] if e["kind"] == "purchases"]
        body: dict[str, dict[str, str]] = {"accounts": {}, "tax_rates": {}}
        if archived:
            body["accounts"]["sales"] = archived[0]
        if purchases:
            body["tax_rates"]["standard"] = purchases[0]
        if not archived and not purchases:
            continue
        answer = call(books, "PUT", body)
        assert answer.status_code == 422
        seen |= {p["reason"] for p in answer.json()["problems"]}
        if seen >= {"inactive", "wrong_kind"}:
            return
    raise AssertionError(f"no package's sandbox lists both; refused only: {sorted(seen)}")


@pytest.mark.parametrize("package", PACKAGES)
def test_partial_put_clears_and_records_held_for_missing_mapping(
        connected_books, worker_process, package):  # noqa: F811
    books = connected_books(package=package)
    worker_process()
    start = mapping_of(books)
    lists = start["lists"]
    # Clearing one entry (null) leaves every other entry as it was.
    answer = call(books, "PUT", {"accounts": {"materials_sales": None}})
    assert answer.status_code == 200, answer.text
    cleared = as_documented(answer, "PUT")
    assert cleared["mapping"]["accounts"]["materials_sales"] is None
    for section, codes in start["mapping"].items():
        for key, code in codes.items():
            if key != "materials_sales":
                assert cleared["mapping"][section][key] == code, (section, key)
    # An invoice using it waits, and says so.
    books.post_all([
        ("customers", {"source_id": "C1", "name": "A. Smith"}),
        ("invoices", {"source_id": "I1", "number": "INV-1", "customer_source_id": "C1",
                      "date": "2026-11-01", "amounts_are": "exclusive",
                      "lines": [{"description": "Radiator", "quantity": 1, "unit_price": 90,
                                 "account": "materials_sales", "tax_rate": "standard"}]}),
    ])
    books.wait_for_run(books.send()["id"])
    invoice = [t for t in books.transfers() if t.record_type == "invoice"]
    assert [(t.state, t.reason) for t in invoice] == [("failed", "unmapped_account")]
    assert mapping_of(books)["records_waiting"] == {"invoice": 1}
    # Mapping it (one entry, nothing else named) lets it go with the next send; no send is
    # started by the PUT itself.
    code = suitable(lists, "sales")[-1]
    answer = call(books, "PUT", {"accounts": {"materials_sales": code}})
    saved = as_documented(answer, "PUT")
    assert answer.status_code == 200 and saved["released"] == {"invoice": 1}
    assert saved["records_waiting"] == {}
    assert saved["mapping"]["tax_rates"] == start["mapping"]["tax_rates"]
    assert [t.state for t in books.transfers() if t.record_type == "invoice"] == ["failed"]
    books.wait_for_run(books.send()["id"])
    assert {t.state for t in books.transfers()} == {"sent"}


def test_a_rate_at_another_percentage_is_saved_with_a_warning(connected_books):  # noqa: F811
    books = connected_books()
    lists = mapping_of(books)["lists"]
    other = [c for c in sales_rates(lists) if c not in sales_rates(lists, "20")][0]
    answer = call(books, "PUT", {"tax_rates": {"standard": other}})
    saved = as_documented(answer, "PUT")
    assert answer.status_code == 200 and saved["mapping"]["tax_rates"]["standard"] == other
    warning = [w for w in saved["warnings"] if w["field"] == "tax_rates.standard"]
    assert [w["reason"] for w in warning] == ["different_rate"]
    assert warning[0]["message"].startswith("Check this: our \u201cStandard rate VAT 20%\u201d")


# --------------------------------------------------------------------------- lists
def test_lists_that_cannot_be_read_are_a_409_and_nothing_is_written(app, connected_books):  # noqa: F811
    package = next(k for k in PACKAGES if issubclass(connector_class(k), OAuth2Auth))
    books = connected_books(package=package)
    cls = connector_class(package)
    # Access withdrawn at the package before its lists were ever read.
    with app.app_context():
        connection = db.session.get(Connection, books.connection_id)
        cls.revoke(app.config, connection.credentials)
        connection.credentials = connection.credentials.with_tokens(expires_at=0)
        db.session.commit()
        db.session.remove()
    answer = call(books, "PUT", {"accounts": {"sales": "anything"}})
    assert answer.status_code == 409, answer.text
    body = as_documented(answer, "PUT")
    assert body["error"] == "lists_unavailable"
    assert body["message"].startswith(f"We could not read {cls.title}\u2019s lists")
    assert "Reconnect it" in body["message"]
    got = mapping_of(books)
    assert got["lists"]["read_at"] is None and got["lists"]["accounts"] is None
    assert "no longer accepts Ledgerlink\u2019s access" in got["lists"]["problem"]
    before = got["mapping"]
    # Clearing needs no list, so it is done.
    cleared = call(books, "PUT", {"accounts": {"sales": None}})
    assert cleared.status_code == 200
    assert cleared.json()["mapping"]["accounts"]["sales"] is None
    assert {k: v for k, v in cleared.json()["mapping"]["accounts"].items() if k != "sales"} == \
        {k: v for k, v in before["accounts"].items() if k != "sales"}


def test_refresh_that_fails_is_a_409_even_with_lists_read_before(app, connected_books):  # noqa: F811
    books = connected_books()
    first = mapping_of(books)
    code = suitable(first["lists"], "sales")[0]
    from app.sync.ratelimit import CallBudget
    from connectors.base import RateLimitedError

    with app.app_context():
        budget = CallBudget(get_redis(), books.connection_id, connector_class(books.package).limits)
        for _ in range(5000):
            try:
                budget()()
            except RateLimitedError:
                break
        else:
            raise AssertionError("the call budget never ran out")
    try:
        answer = call(books, "PUT", {"accounts": {"sales": code}}, query="?refresh=true")
        assert answer.status_code == 409
        assert "asked us to wait" in as_documented(answer, "PUT")["message"]
        # Without refresh the lists as last read do: saved.
        answer = call(books, "PUT", {"accounts": {"sales": code}})
        assert answer.status_code == 200 and answer.json()["mapping"]["accounts"]["sales"] == code
    finally:
        with app.app_context():
            for key in get_redis().keys(f"ledgerlink:rl:{books.connection_id}:*"):
                get_redis().delete(key)


def test_a_disconnected_connection_is_never_read(app, connected_books):  # noqa: F811
    books = connected_books()
    with app.app_context():
        db.session.get(Connection, books.connection_id).status = "disconnected"
        db.session.commit()
        db.session.remove()
    got = mapping_of(books)
    assert got["lists"]["accounts"] is None and "is disconnected" in got["lists"]["problem"]
    answer = call(books, "PUT", {"accounts": {"sales": "200"}})
    assert answer.status_code == 409 and "Reconnect it first" in answer.json()["message"]
    with app.app_context():
        assert db.session.get(Connection, books.connection_id).status == "disconnected"


def _listless() -> type:
    """The first registered package, as if it gave no lists (a package whose codes are typed,
    as the mapping page allows)."""
    base = connector_class(PACKAGES[0])

    def accounts(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("no chart of accounts through this API")

    def tax_rates(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("no tax rates through this API")

    return type("Listless", (base,), {"key": "listless", "title": "Listless Books",
                                      "accounts": accounts, "tax_rates": tax_rates})


Listless = _listless()


def test_a_package_without_lists_takes_codes_as_typed(app, connected_books, monkeypatch):  # noqa: F811
    monkeypatch.setitem(connectors._REGISTRY, "listless", f"{__name__}:Listless")
    books = connected_books()
    with app.app_context():
        db.session.get(Connection, books.connection_id).package = "listless"
        db.session.commit()
        db.session.remove()
    got = mapping_of(books)
    assert got["lists"]["read_at"] is not None and got["lists"]["accounts"] is None
    assert got["lists"]["tax_rates"] is None and got["problems"] == []
    answer = call(books, "PUT", {"accounts": {"expenses": "  7500 "},
                                 "tax_rates": {"standard": "T1"}})
    assert answer.status_code == 200, answer.text
    mapping = as_documented(answer, "PUT")["mapping"]
    assert mapping["accounts"]["expenses"] == "7500" and mapping["tax_rates"]["standard"] == "T1"
    # What can be checked without a list still is.
    refused = call(books, "PUT", {"accounts": {"expenses": ""}})
    assert refused.status_code == 422
    assert [p["reason"] for p in refused.json()["problems"]] == ["blank"]


# --------------------------------------------------------------------------- isolation, bodies
def test_another_companys_connection_is_404_and_untouched(connected_books):  # noqa: F811
    ours, theirs = connected_books(), connected_books()
    their_mapping = mapping_of(theirs)
    for method, body in (("GET", None), ("PUT", {"accounts": {"sales": "1"}}),
                         ("PUT", {"accounts": {"sales": 1}}), ("PUT", "not an object")):
        answer = call(ours, method, body, connection_id=theirs.connection_id)
        assert answer.status_code == 404, (method, body)
        assert as_documented(answer, method) == {
            "error": "Not Found", "message": f"no connection {theirs.connection_id}"}
    assert call(ours, "GET", connection_id=2**31 - 1).status_code == 404
    assert mapping_of(theirs)["mapping"] == their_mapping["mapping"]


def _bare_connection(app, company_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        connection = Connection(company_id=company_id, package=PACKAGES[0], status="connected")
        db.session.add(connection)
        db.session.commit()
        return connection.id


def test_bad_bodies_are_refused_before_anything_is_read(app, live_url, make_company):
    made = make_company()

    class _Books:
        base_url, api_key = live_url, made.api_key
        connection_id = _bare_connection(app, made.company_id)

    books = _Books()
    cases: list[tuple[dict[str, Any], int, str, list[tuple[str, str]]]] = [
        ({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400,
         "bad_request", []),
        ({"data": b"accounts=1", "headers": {"Content-Type": "text/plain"}}, 400,
         "bad_request", []),
        ({"json": ["accounts"]}, 422, "invalid_request",
         [("(body)", "the body must be a JSON object")]),
        ({"json": {"accounts": {"sales": 200}}}, 422, "invalid_request",
         [("accounts.sales", "must be a string, not a number")]),
        ({"json": {"accounts": ["sales"]}}, 422, "invalid_request",
         [("accounts", "must be an object, not an array")]),
        ({"json": {"accounts": None}}, 422, "invalid_request",
         [("accounts", "must be an object, not null")]),
        ({"json": {"acounts": {"sales": "200"}}}, 422, "invalid_request",
         [("acounts", "is not a field we accept here")]),
        ({"json": {"tax_rates": {"standard": "x" * 101}}}, 422, "invalid_request",
         [("tax_rates.standard", "String should have at most 100 characters")]),
        ({"json": {"accounts": {"sa\u0000les": "200"}}}, 422, "invalid_request",
         [("accounts.sa\\u0000les", "is a field name with a NUL character (\\u0000) in it")]),
    ]
    for kwargs, status, error, problems in cases:
        answer = call(books, "PUT", **kwargs)
        assert answer.status_code == status, (kwargs, answer.text)
        body = as_documented(answer, "PUT")
        assert body["error"] == error, body
        if problems:
            assert [(p["field"], p["message"]) for p in body["problems"]] == problems, body
    bad_query = call(books, "PUT", {}, query="?refresh=perhaps")
    assert bad_query.status_code == 400 and "refresh must be true or false" in \
        as_documented(bad_query, "PUT")["message"]
    assert as_documented(call(books, "GET", query="?refresh=2"), "GET")["error"] == "bad_request"
    unauthorised = requests.put(f"{live_url}/api/v1/connections/{books.connection_id}/mapping",
                                json={}, timeout=30)
    assert unauthorised.status_code == 401
    # Nothing named, nothing to check: the mapping as it stands (none), and nothing read.
    empty = call(books, "PUT", {})
    assert empty.status_code == 200
    assert as_documented(empty, "PUT")["lists"]["read_at"] is None
