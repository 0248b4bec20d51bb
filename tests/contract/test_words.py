"""The words check itself: it must see the package's machinery, and let a bookkeeper's
sentence through."""

from __future__ import annotations

from tests.contract.words import raw_bits, says_what_to_do


def test_raw_codes_json_statuses_and_field_names_are_seen() -> None:
    assert raw_bits('Acme answered 400: {"Type": "ValidationException"}')
    assert raw_bits("Acme refused it: 6240 Duplicate Name Exists Error")
    assert raw_bits("Customer.DisplayName cannot contain a colon")
    assert raw_bits("Acme refused the token (invalid_grant)")
    assert raw_bits("Invalid Reference Id : CustomerRef element id 99 not found")


def test_a_bookkeepers_sentence_passes() -> None:
    text = "Account code 999 does not exist in Acme Books."
    assert raw_bits(text) != []  # a bare number is a code...
    assert raw_bits(text, ["999"]) == []  # ... unless it is the record's own
    assert says_what_to_do("Map the account to an active Acme account on the Mapping page, "
                           "then press Retry.", "Acme")
    assert not says_what_to_do("", "Acme")
    assert not says_what_to_do("Something went wrong", "Acme")
