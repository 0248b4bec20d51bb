"""The sandboxes' shared kit on its own: what the package sandboxes' tests do not reach (client
authentication by form, the store's own table and session, windows, the spec checker's refusal
of Swagger 2.0). Real HTTP, a real Redis and the test database throughout."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.connectors import test_xero_sandbox as xero_tests
from tests.connectors.test_xero_sandbox import xero  # noqa: F401  (fixture)

TIMEOUT = 10


def test_token_and_revocation_take_client_secret_post(xero) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = xero_tests._consent(xero, f"Post Auth {uuid.uuid4().hex[:6]}")["code"][0]
    creds = {"client_id": xero["client_id"], "client_secret": xero["secret"]}
    tokens = requests.post(f"{xero['base']}/identity/connect/token", timeout=TIMEOUT, data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": xero_tests.REDIRECT_URI} | creds)
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["Cache-Control"] == "no-store"
    refresh = tokens.json()["refresh_token"]
    unknown = requests.post(f"{xero['base']}/identity/connect/token", timeout=TIMEOUT,
                            data={"grant_type": "password"} | creds)
    assert unknown.status_code == 400 and unknown.json() == {"error": "unsupported_grant_type"}
    revoked = requests.post(f"{xero['base']}/identity/connect/revocation", timeout=TIMEOUT,
                            data={"token": refresh} | creds)
    assert revoked.status_code == 200 and revoked.content == b""
    again = requests.post(f"{xero['base']}/identity/connect/token", timeout=TIMEOUT,
                          data={"grant_type": "refresh_token", "refresh_token": refresh} | creds)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    nothing = requests.post(f"{xero['base']}/identity/connect/revocation", timeout=TIMEOUT,
                            data=creds)
    assert nothing.status_code == 400 and nothing.json() == {"error": "invalid_request"}


def test_store_keeps_its_own_table_and_commits_only_when_told(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    from app.extensions import db
    from sandboxes.kit import db as kit_db
    from sandboxes.kit import store as kit_store
    from sandboxes.kit.store import ObjectStore

    objects = ObjectStore(f"kit-test-{uuid.uuid4().hex[:6]}")
    with app.app_context():
        objects.put("t1", "things", "a", {"n": 1}, ref="first")
        objects.put("t1", "things", "b", {"n": 2})
        kit_store.commit()
        objects.put("t1", "things", "c", {"n": 3})
        kit_store.rollback()
        assert "sandbox_kit_objects" not in db.metadata.tables  # not among the app's models
        assert "sandbox_kit_objects" in inspect(kit_db.engine()).get_table_names()
    with app.app_context():  # another context: another session, the committed rows only
        assert objects.find_data("t1", "things") == [{"n": 1}, {"n": 2}]
        assert [o.object_id for o in objects.find("t1", "things", ref="first")] == ["a"]
        assert objects.get_data("t2", "things", "a") is None
        objects.delete("t1", "things", "a")
        kit_store.commit()
    with app.app_context():
        assert objects.find_data("t1", "things") == [{"n": 2}]


def test_windows_refuse_without_counting_and_free_concurrent_slots(app) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.kit import windows

    key = f"kit-test:{uuid.uuid4().hex}"
    moment = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
    with app.app_context():
        day = windows.utc_day("day", f"{key}:day", 2, moment)
        slots = windows.concurrent("concurrent", f"{key}:conc", 1)
        first = windows.acquire([day, slots], moment)
        assert first.allowed and first.remaining(day) == 1
        busy = windows.acquire([day, slots], moment)
        assert not busy.allowed and busy.refused_by == slots and busy.retry_after == 1
        windows.release([day, slots])
        second = windows.acquire([day, slots], moment)
        assert second.allowed and second.counts == {"day": 2, "concurrent": 1}
        windows.release([day, slots])
        over = windows.acquire([day, slots], moment)
        assert not over.allowed and over.refused_by == day
        assert over.retry_after == 6400  # until midnight UTC
        minute = windows.sliding("minute", f"{key}:min", 1, 60)
        assert windows.acquire([minute], moment).allowed
        late = windows.acquire([minute], moment + 20.5)
        assert not late.allowed and late.retry_after == 40
        assert windows.acquire([minute], moment + 60.5).allowed


def test_openapi_check_refuses_a_swagger_2_document(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.kit.openapi import request_violations

    spec = tmp_path / "swagger.json"
    spec.write_text(json.dumps({"swagger": "2.0", "paths": {}}))
    with pytest.raises(ValueError, match="Swagger 2.0: use sandboxes/kit/swagger.py"):
        request_violations(str(spec), "POST", "/contacts", {})
