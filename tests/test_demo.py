"""`flask demo` stays idempotent: two runs at once, a second organisation of the same package
connected to the demo company, a changed demo password (kept), and its API keys (a new one each
run, the earlier ones revoked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from connectors import package_keys

ROOT = Path(__file__).resolve().parent.parent


def _demo_process() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "--json"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _demo_in_process(app) -> dict:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return json.loads(result.output.strip().splitlines()[-1])


def _connections(app, company_id: int) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.models import Connection

    with app.app_context():
        rows = db.session.execute(
            db.select(Connection).filter_by(company_id=company_id).order_by(Connection.id)
        ).scalars().all()
        found = [(c.id, c.package, c.tenant_name) for c in rows]
        db.session.remove()
    return found


def _demo_companies(app) -> int:  # type: ignore[no-untyped-def]
    from app.demo import DEMO_COMPANY
    from app.extensions import db
    from app.models import Company

    with app.app_context():
        count = len(db.session.execute(
            db.select(Company).filter_by(name=DEMO_COMPANY)).scalars().all())
        db.session.remove()
    return count


def _keep_quiet(app, company_id: int) -> None:  # type: ignore[no-untyped-def]
    """Later tests' cron ticks must not send the demo's records."""
    from app.extensions import db
    from app.models import Connection

    with app.app_context():
        for c in db.session.execute(
                db.select(Connection).filter_by(company_id=company_id)).scalars():
            c.schedule = "manual"
        db.session.commit()
        db.session.remove()


def test_two_demo_runs_at_once_make_one_demo(app, live_url) -> None:  # type: ignore[no-untyped-def]
    first, second = _demo_process(), _demo_process()
    a, b = _finish(first), _finish(second)
    assert a["company_id"] == b["company_id"]
    assert a["connections"] == b["connections"]
    # Each run issues its own key and revokes the earlier ones: one of the two still works.
    working = [k for k in (a["api_key"], b["api_key"]) if _key_works(live_url, k)]
    assert len(working) == 1
    assert _demo_companies(app) == 1
    packages = [p for _, p, _ in _connections(app, a["company_id"])]
    # Every registered package, connected and with its sandbox details printed.
    assert sorted(packages) == sorted(package_keys())
    assert sorted(a["connections"]) == sorted(a["sandbox"]) == sorted(package_keys())
    from connectors import connector_class

    for key, block in a["sandbox"].items():
        # A web package's own API and token; a desktop one's Web Connector sign-in or agent
        # token.
        wanted = {"web_connector": ("qbwc_url", "username", "password"),
                  "agent": ("agent_url", "agent_token")}.get(
            connector_class(key).auth_kind, ("api_url", "access_token"))
        assert all(block.get(k) for k in wanted), (key, block)
    _keep_quiet(app, a["company_id"])


def test_rerun_after_a_second_organisation_of_each_package_is_connected(
        app, live_url) -> None:  # type: ignore[no-untyped-def]
    from app.demo import connect_sandbox

    first = _demo_in_process(app)
    company_id = first["company_id"]
    with app.test_request_context():
        others = [connect_sandbox(key, company_id, f"Acme's other {key} tenant").id
                  for key in package_keys()]
        from app.extensions import db

        db.session.remove()
    before = _connections(app, company_id)

    again = _demo_in_process(app)
    assert again["company_id"] == company_id
    assert again["connections"] == first["connections"]
    assert [c for c in others if c in again["connections"].values()] == []
    assert _connections(app, company_id) == before  # nothing new made, nothing lost
    _keep_quiet(app, company_id)


def _key_works(live_url: str, key: str) -> bool:
    answer = requests.get(f"{live_url}/api/v1/customers/D-C00000", timeout=10,
                          headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def test_rerun_keeps_a_changed_demo_password_and_revokes_earlier_keys(app, live_url) -> None:  # type: ignore[no-untyped-def]
    from app.demo import DEMO_EMAIL, DEMO_PASSWORD
    from app.extensions import db
    from app.models import User

    first = _demo_in_process(app)
    assert _key_works(live_url, first["api_key"])
    with app.app_context():
        from app.models import Membership

        user = db.session.execute(db.select(User).filter_by(email=DEMO_EMAIL)).scalar_one()
        user.set_password("someone-changed-it-2026")
        db.session.execute(db.delete(Membership).filter_by(
            user_id=user.id, company_id=first["company_id"]))
        db.session.commit()
        db.session.remove()

    again = _finish(_demo_process())
    assert again["login"]["password"] is None  # we no longer know it, and do not reset it
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=DEMO_EMAIL)).scalar_one()
        assert user.check_password("someone-changed-it-2026")
        assert not user.check_password(DEMO_PASSWORD)
        db.session.remove()
    from tests.ui import sign_in

    # The published password no longer opens the account; the chosen one does, as an admin.
    refused = sign_in(app.test_client(), DEMO_EMAIL, DEMO_PASSWORD)
    assert refused.status_code == 401, refused.status_code
    signed_in = sign_in(app.test_client(), DEMO_EMAIL, "someone-changed-it-2026")
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)[:500]
    assert "/login" not in signed_in.headers["Location"]
    # The key printed by the first run is revoked; the new one works.
    assert not _key_works(live_url, first["api_key"])
    assert _key_works(live_url, again["api_key"])
    _keep_quiet(app, first["company_id"])
