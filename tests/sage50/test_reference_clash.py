"""An account ref we chose that Sage 50 gives an account we did not make (added in Sage since
the agent last sent its contacts): refused in words that say what to do, and a Retry gives the
customer another ref, so the record is never stranded and nothing is added twice."""

from __future__ import annotations

from app.extensions import db
from tests.sage50.test_references_and_limits import customer

BLANK = {"address": ["", "", "", "", ""], "contact_name": "", "telephone": "", "email": "",
         "vat_number": ""}


def test_a_ref_sage_gives_another_account_is_explained_and_a_retry_chooses_another(
        office, tmp_path) -> None:  # type: ignore[no-untyped-def]
    books = office()
    agent = books.agent(tmp_path / "journal.sqlite3")
    books.until_idle(agent)  # the lists and contacts went: Sage had no ACMEHEAT then
    by_hand = books.writer()
    by_hand.open()
    made = by_hand.write("customer", {"account_ref": "ACMEHEAT", "name": "Acme Heat Pumps",
                                      **BLANK})
    assert made.status == "created"  # someone adds an account in Sage 50 by hand
    books.post_all([customer("C1", "Acme Heating Ltd")])
    books.until_idle(agent)
    [refused] = [t for t in books.transfers() if t.record_type == "customer"]
    assert refused.state == "failed" and refused.reason == "duplicate_reference"
    assert "ACMEHEAT" in refused.explanation and "did not make" in refused.explanation
    assert "Linking page" in refused.fix_hint and "another reference" in refused.fix_hint
    assert refused.package_ref == ""  # freed: a Retry chooses again
    with books.app.app_context():
        from app.models import Transfer
        from app.sync.actions import retry

        retry(db.session.get(Transfer, refused.id))
        db.session.commit()
        db.session.remove()
    books.until_idle(agent)
    [sent] = [t for t in books.transfers() if t.record_type == "customer"]
    assert sent.state == "sent" and sent.external_id == sent.package_ref == "ACMEHEA2"
    accounts = {c["ACCOUNT_REF"]: c["NAME"] for c in books.books()["customers"]}
    assert accounts == {"ACMEHEAT": "Acme Heat Pumps", "ACMEHEA2": "Acme Heating Ltd"}
