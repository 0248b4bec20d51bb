import pytest
from sqlalchemy import select

from app.extensions import db
from tests.security import test_company_isolation as iso


def _transfer_any(company_id, transfer_id):
    from app.models import Transfer
    return db.session.get(Transfer, transfer_id)


def _membership_any(company_id, user_id):
    from app.models import Membership
    from app.settings.service import NotFound
    found = db.session.execute(select(Membership).where(Membership.user_id == user_id)).scalars().first()
    if found is None:
        raise NotFound()
    return found


def _run_any(company_id, run_id):
    from app.models import Run
    return db.session.get(Run, run_id)


MUTANTS = {
    "transfer": ("app.records.queries.get_transfer", _transfer_any),
    "membership": ("app.settings.service.membership", _membership_any),
    "run": ("app.dashboard.queries.get_run", _run_any),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name, app, connected_books, worker_process, monkeypatch):
    target, fn = MUTANTS[name]
    monkeypatch.setattr(target, fn)
    with pytest.raises(AssertionError) as caught:
        iso.test_another_companys_admin_can_neither_see_nor_change_anything(
            app, connected_books, worker_process)
    print("\n", name, str(caught.value)[:1500])
