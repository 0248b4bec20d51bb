"""The agent API (/agent/v1) over real HTTP against the live app: bad input answered with a
clear 4xx that names the problem and writes nothing; wrong, rotated and disconnected tokens;
one connection's agent never reaching another's records; late and repeated acks."""

from __future__ import annotations

import json

import pytest
import requests

from tests.sage50.agent_calls import (
    call,
    footprint,
    lease,
    ready_office,
    refused,
)

# Bad input: a clear 4xx in words, nothing written.

ACK_CASES = [
    ("created-without-reference", {"results": [{"key": "k" * 32, "status": "created"}]},
     422, ["results[0]", "reference"]),
    ("exists-without-reference", {"results": [{"key": "k" * 32, "status": "exists"}]},
     422, ["results[0]", "reference"]),
    ("rejected-without-message", {"results": [{"key": "k" * 32, "status": "rejected"}]},
     422, ["results[0]", "message"]),
    ("unknown-status", {"results": [{"key": "k" * 32, "status": "written",
                                     "reference": "X"}]}, 422, ["results[0].status"]),
    ("extra-field", {"results": [{"key": "k" * 32, "status": "created", "reference": "A",
                                  "colour": "red"}]}, 422, ["colour", "not a field"]),
    ("results-not-a-list", {"results": "all of them"}, 422, ["results", "array"]),
    ("empty-results", {"results": []}, 422, ["results"]),
]


@pytest.mark.parametrize(("case", "body", "status", "words"), ACK_CASES,
                         ids=[c[0] for c in ACK_CASES])
def test_a_bad_ack_is_refused_in_words_and_changes_nothing(
        office, case, body, status, words) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    batch = lease(books)
    assert batch["records"], batch
    before = footprint(books)
    refused(call(books, "POST", "ack", {"batch_id": batch["batch_id"], **body}), status, *words)
    assert footprint(books) == before


def test_the_agent_program_is_told_which_field_was_wrong(office) -> None:  # type: ignore[no-untyped-def]
    from ledgerlink_agent.api import AgentApi, RequestRefused

    books = ready_office(office)
    batch = lease(books)
    before = footprint(books)
    api = AgentApi(books.url, books.token, timeout=20)
    api.set_instance("apitests-instance-1")
    with pytest.raises(RequestRefused) as refusal:
        api.ack(batch["batch_id"], [{"key": batch["records"][0]["key"], "status": "created"}])
    # What the agent logs: the field and the words, not a bare "invalid_request".
    assert refusal.value.status == 422
    assert "results[0]" in refusal.value.detail and "reference" in refusal.value.detail
    assert "Value error" not in refusal.value.detail  # Python's words stay out of it
    with pytest.raises(RequestRefused) as refusal:
        api.put_list("nominals", [])
    assert refusal.value.status == 404 and "accounts" in refusal.value.detail
    assert footprint(books) == before


@pytest.mark.parametrize("batch_id", ["not-hex!", "ABCDEF0123", "", "0" * 33, 12345])
def test_an_ack_whose_batch_id_is_not_hex_is_refused(office, batch_id) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    batch = lease(books)
    key = batch["records"][0]["key"]
    before = footprint(books)
    refused(call(books, "POST", "ack", {"batch_id": batch_id, "results": [
        {"key": key, "status": "created", "reference": "ACME"}]}), 422, "batch_id")
    assert footprint(books) == before


def test_bodies_that_are_not_json_or_not_sent_as_json_are_refused(office) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    before = footprint(books)
    for path in ("heartbeat", "lease", "ack"):
        refused(call(books, "POST", path, raw=b"{not json"), 400, "JSON")
        refused(call(books, "POST", path, raw=b'{"a": 1}',
                     headers={"Content-Type": "text/plain"}), 400, "application/json",
                "text/plain")
        refused(call(books, "POST", path, raw=b"[1, 2]"), 422, "object")
        refused(call(books, "POST", path, raw=b""), 400)
    refused(call(books, "PUT", "lists/accounts", raw=b"accounts=4000",
                 headers={"Content-Type": "application/x-www-form-urlencoded"}), 400,
            "application/json")
    assert footprint(books) == before


def test_wrong_types_and_extra_fields_name_their_field(office) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    before = footprint(books)
    refused(call(books, "POST", "heartbeat", {"agent_version": 3}), 422, "agent_version",
            "string")
    refused(call(books, "POST", "heartbeat", {"agent_version": "0.1", "mood": "good"}), 422,
            "mood", "not a field")
    refused(call(books, "POST", "lease", {"max_records": "lots"}), 422, "max_records")
    refused(call(books, "POST", "lease", {"max_records": 0}), 422, "max_records")
    refused(call(books, "PUT", "lists/accounts", {"accounts": [{"code": "4000",
                                                                "type": "income"}]}),
            422, "accounts[0].type")
    refused(call(books, "PUT", "lists/tax_codes", {"tax_codes": [{"code": "T1",
                                                                  "rate": "twenty"}]}),
            422, "tax_codes[0].rate")
    refused(call(books, "PUT", "lists/contacts", {"contacts": [{"reference": "A1",
                                                                "kind": "employee"}]}),
            422, "contacts[0].kind")
    refused(call(books, "PUT", "lists/contacts", {"contacts": [{"name": "No ref",
                                                                "kind": "customer"}]}),
            422, "contacts[0].reference", "required")
    refused(call(books, "PUT", "lists/accounts", {"nominals": []}), 422, "nominals",
            "accounts")
    assert footprint(books) == before


def test_nul_characters_are_refused_by_field(office) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    batch = lease(books)
    before = footprint(books)
    refused(call(books, "POST", "heartbeat", {"company_name": "Acme\x00Ltd"}), 422,
            "company_name")
    refused(call(books, "PUT", "lists/contacts", {"contacts": [
        {"reference": "AC\x00ME", "name": "Acme", "kind": "customer"}]}), 422,
        "contacts[0].reference")
    refused(call(books, "POST", "ack", {"batch_id": batch["batch_id"], "results": [
        {"key": batch["records"][0]["key"], "status": "rejected",
         "message": "bad\x00words"}]}), 422, "results[0].message")
    # In the address: refused before any view runs, still in JSON words.
    refused(call(books, "POST", "heartbeat?company=a%00b", {}), 400, "NUL")
    refused(call(books, "PUT", "lists/acc%00ounts", {"accounts": []}), 400, "NUL")
    assert footprint(books) == before


def test_an_oversize_list_is_413_and_an_unknown_list_404(office) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    before = footprint(books)
    limit = books.app.config["MAX_CONTENT_LENGTH"]
    many = [{"reference": f"R{i:07d}", "name": "x" * 150, "kind": "customer"}
            for i in range(limit // 150 + 10)]
    body = refused(call(books, "PUT", "lists/contacts", {"contacts": many}), 413, "limit")
    assert "MB" in body["message"]
    # Chunked, with no Content-Length: refused all the same, never read as broken JSON.
    whole = json.dumps({"contacts": many}).encode()
    chunks = (whole[i:i + 65536] for i in range(0, len(whole), 65536))
    refused(requests.put(f"{books.url}/agent/v1/lists/contacts", data=chunks, timeout=30,
                         headers={"Authorization": f"Bearer {books.token}",
                                  "Content-Type": "application/json"}), 413, "limit")
    refused(call(books, "PUT", "lists/nominals", {"nominals": []}), 404, "nominals",
            "accounts")
    assert footprint(books) == before


def test_a_lease_without_its_install_id_is_400_and_hands_nothing_out(office) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    before = footprint(books)
    refused(call(books, "POST", "lease", {}, instance=None), 400, "X-Agent-Instance")
    refused(call(books, "POST", "lease", {}, instance="short"), 400, "X-Agent-Instance")
    refused(call(books, "POST", "lease", {}, instance="has spaces in it!"), 400,
            "X-Agent-Instance")
    assert footprint(books) == before
    assert len(lease(books, body={"max_records": 1})["records"]) == 1


# Tokens.

def test_wrong_tokens_are_401_in_the_same_words(office) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office)
    username, _, secret = books.token.partition(".")
    before = footprint(books)
    wrong = {
        "missing": {"Authorization": None},
        "wrong scheme": {"Authorization": f"Basic {books.token}"},
        "no scheme": {"Authorization": books.token},
        "wrong secret": {"Authorization": f"Bearer {username}.{secret[:-2]}xx"},
        "unknown user": {"Authorization": f"Bearer agent-999999.{secret}"},
        "no secret": {"Authorization": f"Bearer {username}."},
        "not an agent token": {"Authorization": f"Bearer {books.api_key}"},
    }
    words = set()
    for headers in wrong.values():
        for method, path, body in (("POST", "heartbeat", {}), ("POST", "lease", {}),
                                   ("PUT", "lists/accounts", {"accounts": []}),
                                   ("PUT", "lists/nominals", {}),
                                   ("POST", "ack", {"batch_id": "ab", "results": []})):
            # 401 before the body or the list name is looked at: a stranger learns nothing.
            body_seen = refused(call(books, method, path, body, headers=headers), 401,
                                "unauthorized")
            words.add(body_seen["message"])
            assert body_seen["detail"] == body_seen["message"]  # the contract's name for it
    assert len(words) == 1  # a stranger cannot tell a wrong secret from an unknown user
    assert footprint(books) == before


def test_a_rotated_token_is_401_and_a_disconnected_connection_403(
        app, office, make_company) -> None:  # type: ignore[no-untyped-def]
    from app.agent import tokens
    from app.extensions import db
    from app.models import Connection

    books = ready_office(office)
    old = books.token
    with app.app_context():
        tokens.issue(db.session.get(Connection, books.connection_id))  # rotated
        db.session.remove()
    refused(call(books, "POST", "heartbeat", {}, token=old), 401, "rotated")
    with app.app_context():
        _, new = tokens.issue(db.session.get(Connection, books.connection_id))
        db.session.remove()
    batch = lease(books, token=new)
    with app.app_context():
        db.session.get(Connection, books.connection_id).status = "disconnected"
        db.session.commit()
        db.session.remove()
    before = footprint(books)
    refused(call(books, "POST", "lease", {}, token=new), 403, "disconnected", "reconnect")
    refused(call(books, "POST", "heartbeat", {"agent_version": "9"}, token=new), 403)
    refused(call(books, "POST", "ack", {"batch_id": batch["batch_id"], "results": [
        {"key": r["key"], "status": "created", "reference": "X"} for r in batch["records"]]},
        token=new), 403, "disconnected")
    after = footprint(books)
    assert after == before  # nothing handed out, the heartbeat not taken


def test_one_offices_agent_can_never_lease_or_ack_anothers_records(office) -> None:  # type: ignore[no-untyped-def]
    a = ready_office(office, customers=3, invoices=0)
    b = ready_office(office, customers=2, invoices=0)
    a_batch = lease(a)
    a_keys = {r["key"] for r in a_batch["records"]}
    assert a_keys
    before = footprint(a, scoped=True)
    forged = [{"key": k, "status": "created", "reference": f"FAKE{i}"}
              for i, k in enumerate(sorted(a_keys))]
    answer = call(b, "POST", "ack", {"batch_id": a_batch["batch_id"], "results": forged})
    assert answer.status_code == 200, answer.text
    said = answer.json()
    assert said["applied"] == 0 and all(not r["applied"] for r in said["results"])
    assert footprint(a, scoped=True) == before  # nothing of A's changed
    # B's own batch, acked with A's keys mixed in, applies B's only.
    b_batch = lease(b, instance="apitests-instance-b")
    b_keys = {r["key"] for r in b_batch["records"]}
    assert b_keys and not b_keys & a_keys
    mixed = forged + [{"key": k, "status": "created", "reference": f"B{i}"}
                      for i, k in enumerate(sorted(b_keys))]
    said = call(b, "POST", "ack", {"batch_id": b_batch["batch_id"], "results": mixed}).json()
    assert {r["key"] for r in said["results"] if r["applied"]} == b_keys
    assert footprint(a, scoped=True) == before
    # After A's lease runs out, B still never sees A's records.
    a.expire_leases()
    b.expire_leases()
    assert not {r["key"] for r in lease(b, instance="apitests-instance-b")["records"]} & a_keys
    again = lease(a)
    assert {r["key"] for r in again["records"]} == a_keys
    assert all(r["check_first"] for r in again["records"])


# The OpenAPI document and the bodies the agent program sends.

def test_a_late_ack_still_counts_and_a_repeated_one_changes_nothing(office) -> None:  # type: ignore[no-untyped-def]
    books = ready_office(office, customers=2, invoices=0)
    batch = lease(books)
    books.expire_leases()  # the answer is late, but nobody has had the records since
    results = [{"key": r["key"], "status": "created", "reference": r["payload"]["account_ref"]}
               for r in batch["records"]]
    first = call(books, "POST", "ack", {"batch_id": batch["batch_id"], "results": results})
    assert first.json()["applied"] == len(results), first.text
    done = footprint(books)
    assert {state for _, state, *_ in done["transfers"]} == {"sent"}
    again = call(books, "POST", "ack", {"batch_id": batch["batch_id"], "results": [
        {**r, "status": "rejected", "message": "changed my mind"} for r in results]})
    assert again.status_code == 200
    assert again.json()["applied"] == 0 and again.json()["ignored"] == len(results)
    assert all(r["why"] for r in again.json()["results"])
    assert footprint(books) == done
    assert lease(books)["records"] == []
