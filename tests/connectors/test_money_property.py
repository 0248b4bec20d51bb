"""Money, by property, for every package in the registry: what its connector would send for a
generated invoice, credit note and part payments comes, by the package's own rounding (its
sandbox's arithmetic), to our totals to the penny, and leaves owing what we say is owed.

In-process, no HTTP: 200 cases per package here (hypothesis profile "money-property"), 10,000
in bench/money_property.py. tests/connectors/money_cases.py says how a case is made and checked.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings

from connectors import package_keys
from tests.connectors.money_cases import (
    PROPERTY,
    Case,
    Doc,
    Hooks,
    Line,
    MissingHook,
    cases,
    check,
    package_hooks,
)


def _hooks(key: str) -> Hooks:
    try:
        return package_hooks(key)
    except MissingHook as exc:
        pytest.fail(str(exc))


@pytest.mark.parametrize("key", package_keys())
def test_what_each_connector_sends_comes_to_our_totals(key: str) -> None:
    hooks = _hooks(key)

    @settings(settings.get_profile(PROPERTY))
    @given(cases())
    def to_the_penny(case: Case) -> None:
        problems = check(hooks, case)
        assert not problems, "\n".join(problems)

    to_the_penny()


# A price with 4 decimals times a quantity that makes its last two count: Xero would round the
# unit price to 12.35 without unitdp=4 (24.70, not our 24.69).
FOUR_DECIMALS = Case(Doc("exclusive", (Line(Decimal("2"), Decimal("12.3449"), "standard"),)),
                     None, ())


@pytest.mark.parametrize("key", package_keys())
def test_four_decimal_unit_prices_and_a_credit_and_payments(key: str) -> None:
    hooks = _hooks(key)
    assert check(hooks, FOUR_DECIMALS) == []
    inclusive = Doc("inclusive", (Line(Decimal("1"), Decimal("0.625"), "standard"),
                                  Line(Decimal("3.3333"), Decimal("1.0005"), "reduced")))
    case = Case(inclusive, Doc("exclusive", (Line(Decimal("1"), Decimal("0.25"), "zero"),)),
                (Decimal("1.00"), Decimal("0.01")))
    assert check(hooks, case) == []


def test_the_check_sees_a_penny_and_a_refusal() -> None:
    """The property can fail: a connector that rounds a unit price to 2 dp is a penny out, and
    one that pays more than is owed is refused, both in the package's words."""
    key = package_keys()[0]
    hooks = package_hooks(key)

    def two_decimal_prices(kind, record, refs):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        if kind == "invoice":
            record = replace(record, lines=tuple(
                replace(ln, unit_price=ln.unit_price.quantize(Decimal("0.01")))
                for ln in record.lines))
        return hooks.payload(kind, record, refs)

    rounded = Hooks(key, two_decimal_prices, hooks.totals, hooks.amounts_left)
    # Sent as 12.34 x 2 = 24.68 where our line is 24.69 (to the penny of 24.6898).
    found = check(rounded, FOUR_DECIMALS)
    assert any("invoice (net, tax, total): ours 24.69, 4.94, 29.63" in p for p in found), found

    def overpaying(kind, record, refs):  # type: ignore[no-untyped-def]
        from dataclasses import replace

        if kind == "payment":
            record = replace(record, amount=record.amount + 1, allocations=tuple(
                replace(a, amount=a.amount + 1) for a in record.allocations))
        return hooks.payload(kind, record, refs)

    paying = Hooks(key, overpaying, hooks.totals, hooks.amounts_left)
    found = check(paying, Case(FOUR_DECIMALS.invoice, None, (Decimal("29.63"),)))
    assert any("refuses it" in p for p in found), found


def test_a_package_without_the_hooks_is_told_what_to_add(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import connectors

    monkeypatch.setitem(connectors._REGISTRY, "nohooks", "connectors.base:Connector")
    with pytest.raises(MissingHook, match=r"connectors/nohooks/payloads\.py"):
        package_hooks("nohooks")
    # A connector with its hook but no oracle in its sandbox.
    monkeypatch.setitem(connectors._REGISTRY, "nooracle", connectors._REGISTRY[package_keys()[0]])
    with pytest.raises(MissingHook, match=r"sandboxes/nooracle/totals\.py with `document_totals"):
        package_hooks("nooracle")
