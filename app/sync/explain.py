"""Outcomes put into words a bookkeeper can act on: what went wrong, why, and what to do.

Every text names the record's own things (customer, account, date) and the package by name; the
package's raw message is kept separately for support.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connectors.base import Rejected


@dataclass(frozen=True)
class Explanation:
    reason: str
    text: str  # what happened and why
    fix: str  # what to do, as an instruction


def _d(details: Mapping[str, str], key: str, default: str = "") -> str:
    return str(details.get(key) or default)


def explain_rejection(rejected: Rejected, package: str, label: str) -> Explanation:
    """Words for a record the package refused. `label` names the record ("Invoice INV-1")."""
    d = rejected.details
    reason = rejected.reason
    contact = _d(d, "contact_name", "this customer")
    if reason == "contact_archived":
        return Explanation(
            reason,
            f"{contact} is archived in {package}, so {package} refuses new documents for them.",
            f"Restore (un-archive) the contact in {package}, then press Retry.",
        )
    if reason == "contact_missing":
        return Explanation(
            reason,
            f"{contact} no longer exists in {package} (it was deleted there after we created it).",
            f"Restore the contact in {package}, then press Retry.",
        )
    if reason == "duplicate_name":
        return Explanation(
            reason,
            f"{package} already has another contact called {contact}, and names must be unique.",
            f"Link this customer to the existing {package} contact, or rename one of them, "
            "then press Retry.",
        )
    if reason == "duplicate_reference" and _d(d, "reference_ours"):
        # A customer or supplier reference Ledgerlink chose (Sage 50's account refs) that the
        # package gives an account we did not make: a Retry chooses another one.
        kind, ref = _d(d, "contact_kind", "contact"), _d(d, "reference", label)
        return Explanation(
            reason,
            f"{package} already has another {kind} account with the reference {ref}, which "
            f"Ledgerlink did not make, so it cannot take {contact} under it.",
            f"If it is the same business, link them on the Linking page. If not, press Retry: "
            f"Ledgerlink gives this {kind} another reference.",
        )
    if reason == "duplicate_reference" and _d(d, "contact_kind"):
        # A customer or supplier whose code the package already gives another business
        # (KashFlow's codes): not a document, and not ours to rename there.
        kind, ref = _d(d, "contact_kind"), _d(d, "reference", label)
        held = _d(d, "held_name")
        named = f" ({held})" if held else ""
        return Explanation(
            reason,
            f"{package} already has another {kind} with the code {ref}{named}, so it cannot "
            f"take {contact} under that code.",
            f"If they are the same business, correct the name in the job system or in "
            f"{package} so the two match; otherwise give this {kind} another code in the job "
            "system. Then press Retry.",
        )
    if reason == "duplicate_reference":
        ref = _d(d, "reference", label)
        return Explanation(
            reason,
            f"{package} already has a document numbered {ref} that we did not create.",
            f"Check {ref} in {package}: if it is this one, mark this record as do not send; "
            "otherwise renumber it in the job system.",
        )
    if reason in ("account_unknown", "account_archived"):
        code = _d(d, "account_code", "the mapped account")
        state = "is archived" if reason == "account_archived" else "does not exist"
        return Explanation(
            reason,
            f"Account code {code} {state} in {package}.",
            f"Map the account to an active {package} account on the Mapping page, then press "
            "Retry.",
        )
    if reason == "tax_rate_unknown":
        code = _d(d, "tax_code", "the mapped tax rate")
        return Explanation(
            reason,
            f"{package} does not accept the tax rate {code} on this document.",
            f"Map the VAT rate to one of {package}'s tax rates on the Mapping page, then press "
            "Retry.",
        )
    if reason == "locked_period":
        when = _d(d, "date", "the document date")
        lock = _d(d, "lock_date")
        lock_text = f" ({lock})" if lock else ""
        return Explanation(
            reason,
            f"The date {when} is before {package}'s lock date{lock_text}.",
            f"Move the lock date in {package}, or mark this record as do not send.",
        )
    if reason == "invoice_missing":
        inv = _d(d, "invoice_reference", "the invoice")
        return Explanation(
            reason,
            f"Invoice {inv} cannot be found in {package} (it may have been deleted or voided).",
            f"Restore invoice {inv} in {package} or mark this record as do not send.",
        )
    if reason == "amount_exceeds_due":
        inv = _d(d, "invoice_reference", "the invoice")
        return Explanation(
            reason,
            f"The amount is more than what is still owed on {inv} in {package} "
            "(it may already have been paid or credited there).",
            f"Check {inv} in {package}; correct the payment in the job system or mark it as "
            "do not send.",
        )
    if reason == "invoice_draft":
        inv = _d(d, "invoice_reference", "The invoice")
        return Explanation(
            reason,
            f"{inv} {'are drafts' if ', ' in inv else 'is a draft'} in {package}, and "
            f"{package} takes payments only against approved invoices.",
            f"Approve {inv} in {package}, then press Retry.",
        )
    if rejected.field == "Total" and d.get("external_id"):
        return Explanation(
            "totals_differ",
            f"{label} is in {package}, but {package} made its total £{_d(d, 'package_total')} "
            f"(VAT £{_d(d, 'package_tax')}) where the job system has £{_d(d, 'our_total')} "
            f"(VAT £{_d(d, 'our_tax')}).",
            f"Correct the document in {package} to match the job system, then press Retry: it "
            f"is looked up in {package} and linked there, not sent a second time.",
        )
    if d.get("created_payment_ids"):
        return Explanation(
            "payment_partly_sent",
            f"Part of this payment reached {package} and part was refused: "
            f"{rejected.package_message}",
            f"Record the rest of the payment by hand in {package}, then mark this record as do "
            "not send (a Retry would duplicate the part that went in).",
        )
    return Explanation(
        "validation",
        f"{package} refused {label}: {rejected.package_message}",
        f"Correct the record in the job system (or in {package} where the message points "
        "there), then press Retry.",
    )


def explain_waiting_for_lists(reason: str, package: str, collector: str) -> Explanation:
    """An unmapped record of a package whose lists have not arrived from its desktop side
    (`collector`: what collects there, "the Web Connector")."""
    return Explanation(
        reason,
        f"Waiting for {package}'s lists: nothing can be mapped until {collector} on the "
        f"computer with {package} has run once and sent them.",
        f"Run {collector} on that computer, then map on the Mapping page; the record goes "
        "with the next send.",
    )


def explain_preflight(reason: str, package: str, details: Mapping[str, str]) -> Explanation:
    """Words for a record we stopped before sending (nothing went to the package)."""
    if reason == "unmapped_account":
        name = _d(details, "name")
        return Explanation(
            reason,
            f'The account "{name}" is not mapped to a {package} account code yet.',
            f'Map "{name}" to a nominal code on the Mapping page; the record goes with the '
            "next send.",
        )
    if reason == "unmapped_tax_rate":
        name = _d(details, "name")
        return Explanation(
            reason,
            f'The VAT rate "{name}" is not mapped to a {package} tax rate yet.',
            f'Map "{name}" on the Mapping page; the record goes with the next send.',
        )
    if reason == "totals_mismatch":
        return Explanation(
            reason,
            f"The lines add up to £{_d(details, 'computed')}, but the job system says the total "
            f"is £{_d(details, 'stated')}.",
            "Correct the lines or the total in the job system; the corrected record is sent "
            "automatically.",
        )
    if reason == "allocations_mismatch":
        return Explanation(
            reason,
            f"The payment is £{_d(details, 'amount')}, but its allocations to invoices add up "
            f"to £{_d(details, 'allocated')}.",
            "Correct the payment's allocations in the job system.",
        )
    if reason == "allocation_exceeds_invoice":
        return Explanation(
            reason,
            f"£{_d(details, 'amount')} is allocated to invoice {_d(details, 'invoice')}, which "
            f"only comes to £{_d(details, 'total')}.",
            "Correct the payment's allocation in the job system.",
        )
    if reason == "no_lines":
        return Explanation(reason, "The document has no lines.", "Add lines in the job system.")
    return Explanation(reason, f"This record cannot be sent: {reason}.", "Check it.")


def explain_blocked(parent_label: str, parent_state: str, package: str) -> Explanation:
    """Why a record waits for another one (not a failure: it goes once the parent does)."""
    if parent_state == "failed":
        return Explanation(
            "parent_failed",
            f"Waits for {parent_label} (failed: see it first).",
            f"Fix {parent_label}; this record follows it automatically.",
        )
    # An invoice before the cut-off is already in the books: never advise sending it.
    if parent_state == "before_cutoff":
        return Explanation(
            "parent_before_cutoff",
            f"{parent_label} is dated before the cut-off, so it is already in your books; "
            f"we look it up in {package} by its number before this record goes.",
            "Nothing to do: it goes once the invoice is found there.",
        )
    if parent_state == "not_found":
        return Explanation(
            "parent_not_found",
            f"{parent_label} is dated before the cut-off, so it is already in your books, but "
            f"we could not find it in {package} by its number.",
            f"Open {parent_label} and link it to the invoice in {package}; this record "
            "follows it automatically.",
        )
    if parent_state == "do_not_send":
        return Explanation(
            "parent_do_not_send",
            f"{parent_label} is marked do not send, so this record cannot go either.",
            f"Send {parent_label} after all, or mark this record as do not send too.",
        )
    if parent_state == "possible_duplicate":
        return Explanation(
            "parent_possible_duplicate",
            f"Waits for {parent_label}, which may already be in {package}: held back so "
            f"{package} does not get it twice.",
            f"On the Linking page, link {parent_label} to the {package} contact or create it "
            "anyway; this record follows it automatically.",
        )
    if parent_state == "needs_link":
        return Explanation(
            "parent_missing",
            f"{parent_label} has not been sent to {package}.",
            f"Send {parent_label} first.",
        )
    return Explanation(
        "waits_for_parent",
        f"Waits for {parent_label} to reach {package}.",
        "Nothing to do: it goes right after it.",
    )
