"""ReceivePaymentAdd: money received from a customer, applied to its invoices
(AppliedToTxnAdd with PaymentAmount), and credit memos applied to invoices through the same
request (AppliedToTxnAdd with SetCredit, as our apply_credit_add sends it: a payment of 0).

Refused, with nothing written: an invoice TxnID that is not there or is another customer's
(3120: unverified for the second), a credit memo the same, applying more to an invoice than it
still owes or more of a credit than it has left (3180 with QuickBooks' dialog words, unverified
code), PaymentAmounts adding up to more than TotalAmount, a DepositToAccountRef to nothing
(3140) or to an account that is not a bank or current asset. Without DepositToAccountRef the
money goes to Undeposited Funds (QuickBooks' default preference). IsAutoApply applies the
payment to the customer's open invoices, oldest first (unverified: QuickBooks' own rule may
prefer an invoice of exactly the amount).

Signs (unverified): an invoice's LinkedTxn amounts and AppliedAmount are negative, as
QuickBooks shows money taken off an invoice; a credit memo's LinkedTxn amount is positive.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from sandboxes.quickbooks_desktop import rets, store
from sandboxes.quickbooks_desktop.reading import boolean, decimal, ref, resolve, text
from sandboxes.quickbooks_desktop.replies import (
    amount_text,
    invalid_reference,
    not_found,
    rs,
    save_error,
)
from sandboxes.quickbooks_desktop.replies import ref as ref_to
from sandboxes.quickbooks_desktop.transactions import (
    Opening,
    find_body,
    move_customer_balance,
    new_transaction,
    open_transaction,
)

WHERE = "Receive Payment"
DEPOSIT_TYPES = ("Bank", "OtherCurrentAsset")
ZERO = Decimal("0.00")


def _money(data: dict[str, Any], field: str) -> Decimal:
    return Decimal(str(data.get(field) or 0))


def _txn_of(company: str, collection: str, txn_id: str, customer: dict[str, Any]
            ) -> dict[str, Any]:
    found = store.get_data(company, collection, txn_id)
    # unverified: another customer's transaction is answered as one that is not there.
    if found is None or found["CustomerRef"]["ListID"] != customer["ListID"]:
        raise not_found(txn_id)
    return found


def _deposit(company: str, body: etree._Element) -> dict[str, Any]:
    wanted = ref(body, "DepositToAccountRef")
    if wanted is None:
        return store.by_ref(company, store.ACCOUNTS, "Undeposited Funds")[0]
    account = resolve(company, store.ACCOUNTS, wanted, "Account", WHERE)
    if account.get("AccountType") not in DEPOSIT_TYPES:
        raise invalid_reference("Account", wanted.shown, WHERE)
    return account


def _auto_applied(company: str, customer: dict[str, Any], total: Decimal
                  ) -> list[tuple[str, Decimal, list[tuple[str, Decimal]]]]:
    plan, left = [], total
    for invoice in store.find_data(company, store.INVOICES):
        owed = _money(invoice, "BalanceRemaining")
        if left <= 0 or owed <= 0 or invoice["CustomerRef"]["ListID"] != customer["ListID"]:
            continue
        paid = min(owed, left)
        plan.append((invoice["TxnID"], paid, []))
        left -= paid
    return plan


def _asked(body: etree._Element) -> list[tuple[str, Decimal, list[tuple[str, Decimal]]]]:
    asked = []
    for block in body.findall("AppliedToTxnAdd"):
        paid = decimal(block, "PaymentAmount", WHERE) or ZERO
        credits = [(text(c, "CreditTxnID"), decimal(c, "AppliedAmount", WHERE) or ZERO)
                   for c in block.findall("SetCredit")]
        asked.append((text(block, "TxnID"), paid, credits))
    return asked


def receive_payment_add(company: str, rq: etree._Element) -> etree._Element:
    body = find_body(rq, "ReceivePaymentAdd", WHERE)
    opening = open_transaction(company, body, WHERE)
    customer = opening.customer
    deposit = _deposit(company, body)
    given_total = decimal(body, "TotalAmount", WHERE)
    if boolean(body, "IsAutoApply", False):
        asked = _auto_applied(company, customer, given_total or ZERO)
    else:
        asked = _asked(body)
    total = given_total if given_total is not None else sum((a[1] for a in asked), ZERO)
    if total < 0 or any(paid < 0 or any(c[1] < 0 for c in credits)
                        for _, paid, credits in asked):
        raise save_error(WHERE, "An amount received or applied cannot be negative.")
    invoices: dict[str, dict[str, Any]] = {}
    memos: dict[str, dict[str, Any]] = {}
    applied_total = ZERO
    for txn_id, paid, credits in asked:
        invoice = invoices.get(txn_id) or _txn_of(company, store.INVOICES, txn_id, customer)
        invoices[txn_id] = invoice
        taken = paid + sum((c[1] for c in credits), ZERO)
        # unverified: the code (3180) and words for applying more than an invoice owes.
        if taken > _money(invoice, "BalanceRemaining"):
            raise save_error(WHERE, f"The amount applied to invoice {invoice['RefNumber']} "
                                    f"({amount_text(taken)}) is more than its open balance "
                                    f"({invoice['BalanceRemaining']}).")
        for credit_id, credited in credits:
            memo = memos.get(credit_id) or _txn_of(company, store.CREDIT_MEMOS, credit_id,
                                                   customer)
            memos[credit_id] = memo
            if credited > _money(memo, "CreditRemaining"):
                raise save_error(WHERE, f"The credit applied from credit memo "
                                        f"{memo['RefNumber']} ({amount_text(credited)}) is "
                                        f"more than it has left ({memo['CreditRemaining']}).")
            memo["CreditRemaining"] = amount_text(_money(memo, "CreditRemaining") - credited)
        invoice["BalanceRemaining"] = amount_text(_money(invoice, "BalanceRemaining") - taken)
        applied_total += paid
    if applied_total > total:
        raise save_error(WHERE, f"The amounts applied ({amount_text(applied_total)}) are more "
                                f"than the payment ({amount_text(total)}).")
    return _record(company, rq, opening, deposit, total, applied_total, asked, invoices, memos)


def _link(txn: dict[str, Any], kind: str, amount: Decimal) -> dict[str, Any]:
    return {"TxnID": txn["TxnID"], "TxnType": kind, "TxnDate": txn["TxnDate"],
            "RefNumber": txn.get("RefNumber") or None, "LinkType": "AMTTYPE",
            "Amount": amount_text(amount)}


def _record(company: str, rq: etree._Element, opening: Opening, deposit: dict[str, Any],
            total: Decimal, applied_total: Decimal,
            asked: list[tuple[str, Decimal, list[tuple[str, Decimal]]]],
            invoices: dict[str, dict[str, Any]], memos: dict[str, dict[str, Any]]
            ) -> etree._Element:
    """Everything checked: the payment, and what it did to its invoices and credit memos."""
    body = opening.body
    _, made, payment = new_transaction(company, opening)
    payment |= {
        "RefNumber": text(body, "RefNumber") or None, "TotalAmount": amount_text(total),
        "Memo": text(body, "Memo") or None, "DepositToAccountRef": ref_to(deposit),
        "UnusedPayment": amount_text(total - applied_total), "UnusedCredits": "0.00",
        "applied": [],
    }
    for invoice_id, paid, credits in asked:
        invoice = invoices[invoice_id]
        if paid:
            # unverified: the signs of linked amounts (see above).
            invoice["links"].append(_link(payment, "ReceivePayment", -paid))
        credit_links = []
        for credit_id, credited in credits:
            memo = memos[credit_id]
            invoice["links"].append(_link(memo, "CreditMemo", -credited))
            memo["links"].append(_link(invoice, "Invoice", credited))
            credit_links.append(_link(memo, "CreditMemo", -credited))
        taken = paid + sum((c[1] for c in credits), ZERO)
        invoice["AppliedAmount"] = amount_text(_money(invoice, "AppliedAmount") - taken)
        payment["applied"].append({
            "TxnID": invoice_id, "TxnType": "Invoice", "TxnDate": invoice["TxnDate"],
            "RefNumber": invoice.get("RefNumber") or None,
            "BalanceRemaining": invoice["BalanceRemaining"], "Amount": amount_text(paid),
            "LinkedTxn": credit_links})
    for invoice in invoices.values():
        invoice["IsPaid"] = _money(invoice, "BalanceRemaining") == 0
        invoice["EditSequence"], invoice["TimeModified"] = store.edit_sequence(), made
        store.save(company, store.INVOICES, invoice, "TxnID", invoice["RefNumber"])
    for memo in memos.values():
        memo["EditSequence"], memo["TimeModified"] = store.edit_sequence(), made
        store.save(company, store.CREDIT_MEMOS, memo, "TxnID", memo["RefNumber"])
    store.save(company, store.PAYMENTS, payment, "TxnID", payment["RefNumber"] or "")
    move_customer_balance(company, opening.customer, -total)
    answer = rs(rq)
    answer.append(rets.payment(payment))
    return answer
