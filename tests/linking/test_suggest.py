"""Ranking on its own: normalised names, email and postcode, strong and ambiguous matches."""

from __future__ import annotations

import time

from app.linking.suggest import (
    ContactIndex,
    Ours,
    normalise_email,
    normalise_name,
    normalise_postcode,
)


def entry(i: str, name: str, email: str = "", postcode: str = "", active: bool = True) -> dict:
    return {"id": i, "name": name, "email": email, "postcode": postcode, "active": active}


NOBODY: dict[str, dict[str, str]] = {"customer": {}, "supplier": {}}


def test_normalising():
    assert normalise_name("Smith & Sons Ltd.") == "smith sons"
    assert normalise_name("SMITH AND SONS LIMITED") == "smith sons"
    assert normalise_name("Bob’s Plumbing (Leeds) Ltd") == "bobs plumbing leeds"
    assert normalise_name("Ltd") == "ltd"  # never empty when there was a name
    assert normalise_name("Café Élan (Leeds) Limited") == "cafe elan leeds"
    assert normalise_postcode(" ls1 4ab ") == "LS14AB"
    assert normalise_email(" Bob@Example.TEST ") == "bob@example.test"


def test_ranking_and_reasons():
    index = ContactIndex([
        entry("x1", "Smith and Sons Limited", postcode="BD7 1AA"),
        entry("x2", "Smithson Roofing"),
        entry("x3", "Smith & Sons", email="office@smith.test", postcode="BD71AA"),
        entry("x4", "Smith & Sons Ltd", active=False),  # archived: never suggested
        entry("x5", "Completely Different"),
    ], NOBODY)
    found = index.suggest(Ours(1, "customer", "Smith & Sons Ltd", "OFFICE@smith.test",
                               "bd7 1aa"))
    # "Smithson Roofing" is only a bit alike, with nothing else in common: not suggested.
    assert [s.external_id for s in found] == ["x3", "x1"]
    best = found[0]
    assert best.reasons == ["same email (office@smith.test)", "same postcode (BD71AA)",
                            "same name once “Ltd”, punctuation and case are set aside"]
    assert best.strong and best.strength == "strong"
    assert found[1].reasons == ["same postcode (BD7 1AA)", "same name once “Ltd”, "
                                "punctuation and case are set aside"] and found[1].strong
    assert all(s.external_id != "x4" for s in found)


def test_a_name_alike_needs_an_email_or_postcode_beside_it():
    """Issue 7 item 13: a 230-character unrelated name was suggested as "86% alike"."""
    long_name = "Northern Counties Property Maintenance and Facilities " * 4 + "Bob Group"
    assert len(long_name) >= 220
    index = ContactIndex([
        entry("long", long_name[:230]),
        entry("alike", "Bob Plumbing Services", postcode="LS1 4AB"),
        entry("nothing", "Bob Plumbing Servicing"),
        entry("other-pc", "Bob Plumbing Service", postcode="M1 1AA"),
    ], NOBODY)
    found = index.suggest(Ours(1, "customer", "Bob Plumbing", postcode="LS14AB"))
    assert [s.external_id for s in found] == ["alike"]
    assert found[0].reasons[0] == "same postcode (LS1 4AB)"
    assert found[0].reasons[1].startswith("name ") and found[0].reasons[1].endswith("% alike")
    # With the same email instead, and with an identical name on its own, it is suggested.
    by_email = ContactIndex([entry("e", "Bob Plumbing Services", email="bob@x.test")], NOBODY)
    assert by_email.suggest(Ours(2, "customer", "Bob Plumbing", "BOB@x.test"))[0].reasons[0] \
        == "same email (bob@x.test)"
    same = ContactIndex([entry("s", "BOB PLUMBING LTD.")], NOBODY)
    assert same.suggest(Ours(3, "customer", "Bob Plumbing"))[0].name_score == 100
    # The long name is never alike, whatever else is shared.
    shared = ContactIndex([entry("long", long_name[:230], email="bob@x.test")], NOBODY)
    assert shared.suggest(Ours(4, "customer", "Bob Plumbing", "bob@x.test")) == []


def test_used_contacts_are_not_suggested_for_the_same_kind():
    used = {"customer": {"x1": "Bob Plumbing"}, "supplier": {"x2": "Bob Plumbing"}}
    index = ContactIndex([entry("x1", "Bob Plumbing"),
                          entry("x2", "Bob Plumbing Supplies", postcode="LS1 1AA")], used)
    as_customer = index.suggest(Ours(1, "customer", "Bob Plumbing", postcode="LS1 1AA"))
    assert [s.external_id for s in as_customer] == ["x2"]
    # The same package contact may be our supplier and our customer: said, not hidden.
    as_supplier = index.suggest(Ours(2, "supplier", "Bob Plumbing"))
    assert [s.external_id for s in as_supplier] == ["x1"]
    assert "already linked to our customer “Bob Plumbing”" in as_supplier[0].reasons


def test_strong_matches_must_be_unambiguous():
    index = ContactIndex([
        entry("a", "Alpha Heating", email="alpha@x.test"),
        entry("b", "Beta Gas", postcode="M1 1AA"),
        entry("c", "Beta Gas Services", postcode="M1 1AA"),
        entry("d", "Shared Inbox One", email="accounts@agent.test"),
        entry("e", "Gamma Electrics", postcode="LS1 1AA"),
    ], NOBODY)
    pairs = index.strong_matches([
        Ours(1, "customer", "Alpha Heating Ltd", "ALPHA@x.test"),
        Ours(2, "customer", "Beta Gas", postcode="m11aa"),  # one strong, one merely alike
        Ours(3, "customer", "Someone Else", "accounts@agent.test"),  # email, name unlike
        Ours(4, "customer", "Gamma Electrics", postcode="LS1 1AA"),
        Ours(5, "customer", "Gamma Electrics Ltd", postcode="LS11AA"),  # two of ours: ambiguous
    ])
    assert [(o.transfer_id, s.external_id) for o, s in pairs] == [(1, "a"), (2, "b")]


def test_thousands_of_contacts_stay_fast():
    theirs = [entry(f"x{i}", f"Customer {i} Heating Services", email=f"c{i}@x.test",
                    postcode=f"LS{i % 30} {i % 9}AB") for i in range(5000)]
    ours = [Ours(i, "customer", f"Customer {i} Heating", f"c{i}@x.test") for i in range(5000)]
    started = time.perf_counter()
    index = ContactIndex(theirs, NOBODY)
    page = [index.suggest(o) for o in ours[:50]]
    strong = index.strong_matches(ours)
    elapsed = time.perf_counter() - started
    for found, o in zip(page, ours[:50], strict=True):
        assert found and found[0].external_id == f"x{o.transfer_id}"
    assert len(strong) == 5000
    print(f"5,000 x 5,000: a page of 50 and all strong matches in {elapsed:.2f}s")


def test_look_before_creating_rules():
    """The verdict before a contact is created: exact twins linked, likely ones held, names
    that differ only in their numbers (flats, numbered customers) left alone."""
    from app.sync.contact_match import PackageIndex

    index = PackageIndex([
        entry("jane", "Jane Patel", email="jane@patel.test"),
        entry("green", "Greenfield Boilers Ltd"),
        entry("cafe", "Café Élan Limited"),
        {**entry("screw", "Screwfix Direct"), "supplier": True},
        entry("flat1", "Flat 1 Mill House", postcode="LS1 1AA"),
        entry("hall", "Hall and Co Ltd", email="office@hall.test"),
        entry("long", "Bob Plumbing " + "and Heating Services Leeds " * 8),
    ], NOBODY)

    def verdict(name: str, email: str = "", postcode: str = "", kind: str = "customer"):
        v = index.verdict(Ours(1, kind, name, email, postcode))
        return (v.exact.entry["id"] if v.exact else None), [c.entry["id"] for c in v.likely]

    assert verdict("GREENFIELD BOILERS") == ("green", [])
    assert verdict("cafe elan") == ("cafe", [])
    assert verdict("Jane Patel", "JANE@patel.test") == ("jane", [])
    assert verdict("J. Patel", "jane@patel.test") == (None, ["jane"])  # same email, alike
    assert verdict("Hall & Co", "hall@elsewhere.test") == (None, ["hall"])  # other email
    assert verdict("Screwfix Direct") == (None, ["screw"])  # a supplier there, not a customer
    assert verdict("Screwfix Direct", kind="supplier") == ("screw", [])
    assert verdict("Greenfield Boiler") == (None, ["green"])  # 97% alike on its own: ask
    assert verdict("Flat 2 Mill House", postcode="LS1 1AA") == (None, [])
    assert verdict("Bob Plumbing") == (None, [])
    assert verdict("J. Patel") == (None, ["jane"])  # no email, but "J." may be "Jane": ask
    assert verdict("K. Patel") == (None, [])
    held = index.verdict(Ours(1, "customer", "J. Patel", "jane@patel.test")).likely[0]
    assert held.stored() == {"id": "jane", "name": "Jane Patel",
                             "reasons": ["same email (jane@patel.test)", "name 82% alike",
                                         "an initial where the other has the whole word"]}
