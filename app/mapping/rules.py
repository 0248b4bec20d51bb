"""Whether a package code suits one of our accounts or tax rates, in words a bookkeeper acts on.

A list entry is a plain dict as cached in PackageList: {code, name, type, kind, active} for
accounts and items, {code, name, rate, active} for tax rates (rate a percent string).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.models import Account, TaxRate

Entry = dict[str, Any]
MAX_CODE = 100  # the mapping tables' column width

KIND_WORDS = {"sales": "sales", "bank": "bank", "expense": "expense"}
KIND_PHRASES = {
    "sales": "a sales (income) account",
    "bank": "a bank account",
    "expense": "an expense account",
    "other": "neither a sales, a bank nor an expense account",
}


# Why a code was refused (or warned about), for callers that act on it rather than read it:
# the inbound API names each refused entry with one of these beside the words.
BLANK = "blank"
NOT_A_CODE = "not_a_code"
UNKNOWN = "unknown"
INACTIVE = "inactive"
WRONG_KIND = "wrong_kind"  # a bank account for a sales account; a purchases rate for sales
DIFFERENT_RATE = "different_rate"  # a warning only: saved, but said plainly


@dataclass
class Verdict:
    code: str = ""
    entry: Entry | None = None
    error: str = ""
    warning: str = ""
    reason: str = ""  # one of the names above, for the error (or else the warning)

    @property
    def ok(self) -> bool:
        return not self.error


def percent(value: Any) -> str:
    """Decimal("20.000") -> "20%", "17.5" -> "17.5%"."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return f"{value}%"
    text = f"{number.normalize():f}"
    return f"{text}%"


def entry_label(entry: Entry) -> str:
    """'200 Sales' where the package shows its codes; just 'Sales' where the code is an
    internal id the bookkeeper never sees."""
    code, name = str(entry.get("code", "")), str(entry.get("name", ""))
    if not entry.get("code_shown", True):
        return name or code
    return f"{code} {name}" if name and name != code else code


def tax_label(entry: Entry | None) -> str:
    """'5% (VAT on Income) · RROUTPUT' (Xero), '20.0% S · Standard rated 20%' (QuickBooks,
    whose code is an internal id), with the rate added where the words do not say it."""
    if not entry:
        return ""
    name, code = str(entry.get("name") or entry["code"]), str(entry["code"])
    description = str(entry.get("description") or "")
    rate = percent(entry.get("rate"))
    parts = [name]
    if description and description.casefold() != name.casefold():
        parts.append(description)
    if entry.get("code_shown", True) and code != name:
        parts.append(code)
    label = " \u00b7 ".join(parts)
    return label if rate in label else f"{label} \u00b7 {rate}"


def is_sales_rate(entry: Entry) -> bool:
    return entry.get("sales", True) is not False


def find(entries: Sequence[Entry], code: str) -> Entry | None:
    for entry in entries:
        if entry.get("code") == code:
            return entry
    # People type "ROUTPUT" for "routput"; codes differ by case only by accident.
    folded = code.casefold()
    for entry in entries:
        if str(entry.get("code", "")).casefold() == folded:
            return entry
    return None


def _clean(code: str | None, what: str, ours: str) -> Verdict:
    code = (code or "").strip()
    if not code:
        return Verdict(error=f"Choose the {what} for \u201c{ours}\u201d first.", reason=BLANK)
    if len(code) > MAX_CODE or any(not ch.isprintable() for ch in code):
        return Verdict(code=code, reason=NOT_A_CODE,
                       error=f"\u201c{code[:40]}\u201d is not a code the package could "
                             "have: codes are short, on one line.")
    return Verdict(code=code)


def check_account(
    account: Account, code: str | None, entries: Sequence[Entry] | None, title: str,
    what: str = "account",
) -> Verdict:
    """The code must be in the package's list, active, and of our account's kind (a bank
    account for our bank account). With no list (the package has none) the code is taken as
    typed."""
    verdict = _clean(code, f"{title} {what}", account.name)
    if not verdict.ok or entries is None:
        return verdict
    # Items and accounts are numbered separately in some packages (QuickBooks Online has an
    # item 35 and a bank account 35): an entry of our account's kind wins a shared code.
    entry = (find([e for e in entries if e.get("kind") == account.kind], verdict.code)
             or find(entries, verdict.code))
    if entry is None:
        verdict.reason = UNKNOWN
        verdict.error = (
            f"{title} has no {what} with the code \u201c{verdict.code}\u201d. If you added it "
            f"in {title} just now, press Refresh lists and choose it again.")
        return verdict
    verdict.code, verdict.entry = str(entry["code"]), entry
    label = entry_label(entry)
    if not entry.get("active", True):
        verdict.reason = INACTIVE
        verdict.error = (
            f"\u201c{label}\u201d is archived in {title}, so {title} would refuse every record "
            f"posted to it. Choose an active {what}, or restore it in {title} and press "
            "Refresh lists.")
        return verdict
    theirs = str(entry.get("kind") or "other")
    if theirs != account.kind:
        verdict.reason = WRONG_KIND
        ours = KIND_WORDS.get(account.kind, account.kind)
        verdict.error = (
            f"\u201c{label}\u201d is {KIND_PHRASES.get(theirs, 'another kind of account')} in "
            f"{title}, but \u201c{account.name}\u201d is our {ours} account. Choose one of "
            f"{title}\u2019s {ours} {what}s.")
    return verdict


def check_tax_rate(
    rate: TaxRate, code: str | None, entries: Sequence[Entry] | None, title: str
) -> Verdict:
    """The code must be one of the package's active tax rates. A different percentage is
    allowed (the bookkeeper may know better) but said plainly."""
    verdict = _clean(code, f"{title} tax rate", rate.name)
    if not verdict.ok or entries is None:
        return verdict
    entry = find(entries, verdict.code)
    if entry is None:
        verdict.reason = UNKNOWN
        verdict.error = (
            f"{title} has no tax rate with the code \u201c{verdict.code}\u201d. If you added "
            f"it in {title} just now, press Refresh lists and choose it again.")
        return verdict
    verdict.code, verdict.entry = str(entry["code"]), entry
    if not entry.get("active", True):
        verdict.reason = INACTIVE
        verdict.error = (
            f"\u201c{tax_label(entry)}\u201d is archived in {title}. Choose an active tax "
            "rate.")
        return verdict
    if not is_sales_rate(entry):
        verdict.reason = WRONG_KIND
        verdict.error = (
            f"\u201c{tax_label(entry)}\u201d is a purchases rate in {title}: it goes on "
            f"bills, and {title} refuses it on sales invoices and credit notes. Choose one "
            f"of {title}\u2019s sales rates.")
        return verdict
    if not same_rate(entry.get("rate"), rate.rate):
        verdict.reason = DIFFERENT_RATE
        verdict.warning = (
            f"Check this: our \u201c{rate.name}\u201d is {percent(rate.rate)}, but "
            f"{title}\u2019s \u201c{entry.get('name') or entry['code']}\u201d is "
            f"{percent(entry.get('rate'))}. Invoices would go with VAT worked out at "
            f"{percent(rate.rate)} under a {percent(entry.get('rate'))} code, so {title} may "
            "refuse them or your VAT return may be wrong. If this is not what you meant, "
            "choose another rate.")
    return verdict


def same_rate(theirs: Any, ours: Any) -> bool:
    try:
        return Decimal(str(theirs)) == Decimal(str(ours))
    except InvalidOperation:
        return False


def is_income_account(entry: Entry) -> bool:
    """An account sales can post to, for a package that sells through items bound to one
    (its items are listed as sales entries too, typed "Item:...")."""
    kind_of = str(entry.get("type", "")).casefold()
    if kind_of.startswith("item"):
        return False
    return entry.get("kind") == "sales" or "income" in kind_of or "revenue" in kind_of


def check_income_account(code: str | None, entries: Sequence[Entry] | None, title: str,
                         item_name: str) -> Verdict:
    verdict = _clean(code, f"{title} income account", item_name)
    if not verdict.ok or entries is None:
        return verdict
    entry = find(entries, verdict.code)
    if entry is None or not is_income_account(entry):
        verdict.reason = UNKNOWN
        verdict.error = (f"{title} has no income account with the code "
                         f"\u201c{verdict.code}\u201d. Choose one from the list.")
    elif not entry.get("active", True):
        verdict.reason = INACTIVE
        verdict.error = f"\u201c{entry_label(entry)}\u201d is archived in {title}."
    else:
        verdict.code, verdict.entry = str(entry["code"]), entry
    return verdict
