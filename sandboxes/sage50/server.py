"""The Sage 50 company simulator over HTTP, under /sandbox/sage50 in sandbox mode. Sage 50 has
no web API: these routes are what the simulated SDO objects (sdo.py) call, in the agent's
process, plus test hooks. JSON throughout; every SDO route needs HTTP Basic auth with the
company's user name and password (Sage's login).

- POST /companies {"name": ...} -> 201 {"company_id", "data_path", "username", "password"}
- POST /companies/<id>/connect -> {"company_name", "sage_version"} (Workspace.Connect)
- GET  /companies/<id>/setup -> {"fields": {...}} (SetupData)
- GET  /companies/<id>/ledgers/<ledger>[?key=K&match=exact|prefix&type=N&account_ref=A]
       -> {"records": [...]}, ledger one of sales, purchase, nominal, tax_codes, headers
       (Find / MoveFirst; key is the ledger's key field, sdo.py says which)
- POST /companies/<id>/ledgers/<sales|purchase> {"mode": "add"|"edit", "fields": {...}}
       -> {"record": {...}} (SalesRecord / PurchaseRecord Update)
- POST /companies/<id>/transactions {"header": {...}, "splits": [{...}]}
       -> 201 {"posted": {HeaderData's fields}} (TransactionPost Update)
Test hooks, no auth: POST /companies/<id>/lock_date {"date": "YYYY-MM-DD"|null};
POST /companies/<id>/busy {"busy": true|false} (writes answer 423 while busy);
GET /companies/<id>/books (every record, transaction and balance).

Answers: a Sage refusal 400 {"error": "refused", "detail": "<Sage's words>", "field": F};
input no SDO object sends 400 {"error": "malformed"|"bad_json"|..., "detail"}; a bad login 401
{"error": "bad_login", "detail": "Invalid username or password"}; busy 423 {"error": "locked",
"detail": "Sage 50 is locked by another user"}; an unknown company 404
{"error": "unknown_company"}.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandboxes.kit import store as kit_store
from sandboxes.kit.errors import Refused, read_json, shielded
from sandboxes.sage50 import books, posting, rules, seed, store
from sandboxes.sage50.rules import Malformed, SageRefusal

bp = Blueprint("sage50_sandbox", __name__, url_prefix="/sandbox/sage50")
SAGE_VERSION = "30.1"  # Sage 50 Accounts v30.1 (2024), the version the simulator stands for
NAME_MAX = 60
MAX_BODY_BYTES = 1_000_000
LOCKED = "Sage 50 is locked by another user"

Answer = tuple[Response, int]


def _envelope(refused: Refused) -> Answer:
    return jsonify({"error": refused.problem, "detail": refused.detail}), refused.status


def _unknown() -> Answer:
    return jsonify({"error": "unknown_company"}), 404


def _body() -> dict[str, Any]:
    body, _ = read_json(MAX_BODY_BYTES)
    if not isinstance(body, dict):
        raise Refused("malformed", "the body must be a JSON object")
    return body


def _logged_in(found: dict[str, Any]) -> bool:
    auth = request.authorization
    if auth is None or auth.username is None or auth.password is None:
        return False
    same_user = auth.username.strip().lower() == found["username"]
    same_password = secrets.compare_digest(auth.password.encode(), found["password"].encode())
    return same_user and same_password


def _sdo_call(company_id: str, handle: Callable[[dict[str, Any]], Answer],
              write: bool = False) -> Answer:
    """`handle(company)` for a logged-in SDO call; a write runs under the company's lock with
    the company read afresh, and is committed only if Sage accepts all of it."""
    def run() -> Answer:
        found = store.company(company_id)
        if found is None:
            return _unknown()
        if not _logged_in(found):
            return jsonify({"error": "bad_login",
                            "detail": "Invalid username or password"}), 401
        if not write:
            return handle(found)
        with store.writing(company_id):
            kit_store.rollback()
            found = store.company(company_id) or found
            if found.get("busy"):
                return jsonify({"error": "locked", "detail": LOCKED}), 423
            try:
                answer = handle(found)
            except SageRefusal as refusal:
                kit_store.rollback()
                return jsonify({"error": "refused", "detail": refusal.detail,
                                "field": refusal.field}), 400
            except Malformed as bad:
                kit_store.rollback()
                return jsonify({"error": "malformed", "detail": str(bad)}), 400
            kit_store.commit()
            return answer
    return shielded(_envelope, run)


@bp.route("/companies", methods=["POST"])
def create() -> Answer:
    def run() -> Answer:
        name = _body().get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
            raise Refused("bad_name", f"name must be text of 1 to {NAME_MAX} characters")
        made = seed.create_company(name.strip())
        data_path = f"{request.host_url.rstrip('/')}{bp.url_prefix}/companies/" \
                    f"{made['company_id']}"
        return jsonify({**made, "data_path": data_path}), 201
    return shielded(_envelope, run)


@bp.route("/companies/<company_id>/connect", methods=["POST"])
def connect(company_id: str) -> Answer:
    return _sdo_call(company_id, lambda found: (jsonify(
        {"company_name": found["name"], "sage_version": SAGE_VERSION}), 200))


@bp.route("/companies/<company_id>/setup", methods=["GET"])
def setup(company_id: str) -> Answer:
    def answer(found: dict[str, Any]) -> Answer:
        fields = {"NAME": found["name"], "VAT_REG_NUMBER": found.get("vat_number", ""),
                  "LOCK_DATE": found.get("lock_date")}
        fields.update({f"ADDRESS_{n}": "" for n in range(1, 6)})
        return jsonify({"fields": fields}), 200
    return _sdo_call(company_id, answer)


@bp.route("/companies/<company_id>/ledgers/<ledger>", methods=["GET"])
def ledger_list(company_id: str, ledger: str) -> Answer:
    def answer(_found: dict[str, Any]) -> Answer:
        try:
            records = books.ledger_records(company_id, ledger)
        except KeyError:
            raise Refused("unknown_ledger", f"no ledger {ledger!r}: sales, purchase, "
                          "nominal, tax_codes or headers") from None
        key_field = {"nominal": "ACCOUNT_REF", "tax_codes": "TAX_CODE",
                     "headers": "INV_REF"}.get(ledger, "ACCOUNT_REF")
        key = request.args.get("key")
        if key is not None:
            prefix = request.args.get("match", "exact") == "prefix"
            records = [r for r in records if (str(r[key_field]).startswith(key) if prefix
                                              else str(r[key_field]) == key)]
        if ledger == "headers":
            kind, account = request.args.get("type"), request.args.get("account_ref")
            if kind:
                records = [r for r in records if str(r["TYPE"]) == kind]
            if account:
                records = [r for r in records if r["ACCOUNT_REF"] == account]
        return jsonify({"records": records}), 200
    return _sdo_call(company_id, answer)


@bp.route("/companies/<company_id>/ledgers/<ledger>", methods=["POST"])
def ledger_write(company_id: str, ledger: str) -> Answer:
    def answer(_found: dict[str, Any]) -> Answer:
        collection = store.LEDGERS.get(ledger)
        if collection is None:
            raise Malformed(f"records are written to the sales or purchase ledger, not "
                            f"{ledger!r}")
        body = _body()
        mode = body.get("mode")
        if mode not in ("add", "edit"):
            raise Malformed('mode must be "add" or "edit"')
        record = rules.contact(body.get("fields"))
        ref = record["ACCOUNT_REF"]
        existing = store.by_ref(company_id, collection, ref)
        if mode == "add" and existing is not None:
            raise SageRefusal(f"The account reference {ref} already exists", "ACCOUNT_REF")
        if mode == "edit" and existing is None:
            raise SageRefusal(f"Account {ref} does not exist: the account reference cannot "
                              "be changed", "ACCOUNT_REF")
        store.save(company_id, collection, ref, record, ref=ref)
        return jsonify({"record": record}), 200
    return _sdo_call(company_id, answer, write=True)


@bp.route("/companies/<company_id>/transactions", methods=["POST"])
def transactions(company_id: str) -> Answer:
    def answer(found: dict[str, Any]) -> Answer:
        body = _body()
        posted = posting.post(company_id, found, body.get("header"), body.get("splits"))
        return jsonify({"posted": books.header_fields(posted)}), 201
    return _sdo_call(company_id, answer, write=True)


def _set(company_id: str, change: Callable[[dict[str, Any], dict[str, Any]], Any]) -> Answer:
    """A test hook changing the company itself (committed): `change(company, body)`."""
    def run() -> Answer:
        body = _body()
        if store.company(company_id) is None:
            return _unknown()
        with store.writing(company_id):
            kit_store.rollback()
            found = store.company(company_id) or {}
            shown = change(found, body)
            store.save_company(found)
            kit_store.commit()
        return jsonify(shown), 200
    return shielded(_envelope, run)


@bp.route("/companies/<company_id>/lock_date", methods=["POST"])
def lock_date(company_id: str) -> Answer:
    def change(found: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        raw = body.get("date")
        try:
            when = date.fromisoformat(raw).isoformat() if raw is not None else None
        except (TypeError, ValueError):
            raise Refused("bad_date", "date must be YYYY-MM-DD or null") from None
        found["lock_date"] = when
        return {"lock_date": when}
    return _set(company_id, change)


@bp.route("/companies/<company_id>/busy", methods=["POST"])
def busy(company_id: str) -> Answer:
    def change(found: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body.get("busy"), bool):
            raise Refused("bad_busy", "busy must be true or false")
        found["busy"] = body["busy"]
        return {"busy": found["busy"]}
    return _set(company_id, change)


@bp.route("/companies/<company_id>/books", methods=["GET"])
def company_books(company_id: str) -> Answer:
    found = store.company(company_id)
    if found is None:
        return _unknown()
    return jsonify(books.books(company_id, found)), 200
