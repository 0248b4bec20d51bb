"""One qbXML request document in, the response document out: what QBXMLRP2's ProcessRequest
does with the company file open.

- A document that is not well-formed XML, carries a DTD, has text outside ISO-8859-1 (what
  QuickBooks reads: PACKAGES.md's field notes), lacks `<?qbxml version?>`, or breaks the
  schema (when QBD_SANDBOX_SCHEMA names it) raises ParseError with HRESULT 0x80040400,
  "QuickBooks found an error when parsing the provided XML text stream." ProcessRequest fails
  with that COM error and no response; the Web Connector then hands receiveResponseXML an
  empty response with that hresult and message. A qbXML version other than 13.0 (or older)
  is 0x80040429 (unverified: the number and words as integrators quote them).
- One *Rs per *Rq, same requestID, in order. onError="stopOnError": requests after the first
  whose severity is Error are not run and get no Rs (Intuit's SDK guide: processing stops
  there). continueOnError runs them all. rollbackOnError stops at the error and undoes the
  whole set; each Add before it that had succeeded is answered 3180 "rolled back" in place of
  its Ret (unverified: what QuickBooks answers for the requests it rolled back, and whether
  it rolls back every kind of request; our answer keeps a client from taking a rolled-back
  record for made).
- Error recovery (unverified, the attributes from qbxmlops130.xsd, the behaviour from the SDK
  guide's outline): a message set with newMessageSetID is answered as usual, the attribute is
  echoed on QBXMLMsgsRs and the response is kept; a later message set carrying that id as
  oldMessageSetID gets the kept response back, none of its own requests run. An
  oldMessageSetID not kept runs the message set as usual.
- responseData="includeNone": every Rs keeps its status and loses its Rets (the SDK guide's
  meaning of the attribute; unverified that queries lose theirs too).
- A request the simulator does not run is answered 3250 naming it; a request whose content
  the handlers cannot read (only possible without the schema) is a 3180 naming what is wrong.

Nothing is committed until the whole set has run; one set runs at a time per company file
(store.writing).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date

from lxml import etree

from sandboxes.kit import store as kit_store
from sandboxes.quickbooks_desktop import (
    documents,
    iterators,
    lists,
    payments,
    replies,
    schema,
    store,
    txn_queries,
)
from sandboxes.quickbooks_desktop.replies import Refusal

PARSE_HRESULT = "0x80040400"
PARSE_WORDS = "QuickBooks found an error when parsing the provided XML text stream."
VERSION_HRESULT = "0x80040429"
VERSION_WORDS = "The version of QBXML that was requested is not supported or is unknown."
SUPPORTED_VERSIONS = ("13.0",)
PROLOGUE = '<?xml version="1.0"?><?qbxml version="13.0"?>'

log = logging.getLogger(__name__)
Handler = Callable[[str, etree._Element], etree._Element]

HANDLERS: dict[str, Handler] = {
    "CustomerAddRq": lists.customer_add,
    "VendorAddRq": lists.vendor_add,
    "InvoiceAddRq": documents.invoice_add,
    "CreditMemoAddRq": documents.credit_memo_add,
    "ReceivePaymentAddRq": payments.receive_payment_add,
    "AccountQueryRq": lists.account_query,
    "ItemQueryRq": lists.item_query,
    "ItemServiceQueryRq": lists.item_service_query,
    "ItemNonInventoryQueryRq": lists.item_non_inventory_query,
    "ItemOtherChargeQueryRq": lists.item_other_charge_query,
    "ItemSalesTaxQueryRq": lists.item_sales_tax_query,
    "SalesTaxCodeQueryRq": lists.sales_tax_code_query,
    "CustomerQueryRq": lists.customer_query,
    "VendorQueryRq": lists.vendor_query,
    "InvoiceQueryRq": txn_queries.invoice_query,
    "CreditMemoQueryRq": txn_queries.credit_memo_query,
    "ReceivePaymentQueryRq": txn_queries.receive_payment_query,
}
# What a request without the schema's guard can raise inside a handler.
GARBAGE = (TypeError, ValueError, KeyError, AttributeError, IndexError)


class ParseError(Exception):
    """The request document was refused whole, as ProcessRequest fails: `hresult` and
    `message` are what the Web Connector passes on to receiveResponseXML."""

    def __init__(self, hresult: str, message: str, detail: str = "") -> None:
        super().__init__(f"{hresult}: {message}" + (f" ({detail})" if detail else ""))
        self.hresult, self.message, self.detail = hresult, message, detail


class UnknownCompany(LookupError):
    """No company file has this id (QuickBooks could not open it)."""


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_VERSION = re.compile(r"<\?qbxml\s+version\s*=\s*[\"']([^\"']*)[\"']\s*\?>")


def parse_request(request_xml: str) -> etree._Element:
    """The QBXML root of a request document, or ParseError (see above)."""
    try:
        # unverified: that QuickBooks refuses the whole document (PACKAGES.md's field notes say
        # only that its text must be ISO-8859-1).
        request_xml.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise ParseError(PARSE_HRESULT, PARSE_WORDS, "text outside ISO-8859-1") from exc
    body = _DECLARATION.sub("", request_xml, count=1)
    version = _VERSION.search(body)
    if version is None:
        raise ParseError(PARSE_HRESULT, PARSE_WORDS, "no <?qbxml version?> instruction")
    # unverified: QuickBooks answers older versions too; this file speaks 13.0 only.
    if version.group(1) not in SUPPORTED_VERSIONS:
        raise ParseError(VERSION_HRESULT, VERSION_WORDS, version.group(1))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(body.encode("utf-8"), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(PARSE_HRESULT, PARSE_WORDS, exc.msg) from None
    if root.getroottree().docinfo.doctype:
        raise ParseError(PARSE_HRESULT, PARSE_WORDS, "a DOCTYPE is not qbXML")
    problem = schema.problem(root)
    if problem:
        raise ParseError(PARSE_HRESULT, PARSE_WORDS, problem)
    if root.tag != "QBXML" or root.find("QBXMLMsgsRq") is None:
        raise ParseError(PARSE_HRESULT, PARSE_WORDS, "no QBXML/QBXMLMsgsRq")
    return root


def _answer(company_id: str, rq: etree._Element) -> etree._Element:
    tag = str(rq.tag)
    handler = HANDLERS.get(tag)
    if handler is None:
        return replies.rs(rq, replies.UNSUPPORTED, "Error",
                          f"{tag} is not supported by this QuickBooks Desktop simulator.")
    try:
        return handler(company_id, rq)
    except Refusal as refusal:
        return replies.refused(rq, refusal)
    except GARBAGE as exc:
        log.info("qbd sandbox could not read %s: %r", tag, exc)
        return replies.rs(rq, replies.SAVE_ERROR, "Error",
                          f"QuickBooks could not process the {tag[:-2]} request: {exc}")


def _rolled_back(answers: list[etree._Element], failed: etree._Element) -> None:
    for index, answer in enumerate(answers[:-1]):
        if answer.get("statusCode") == "0" and answer.tag.endswith("AddRs"):
            fresh = etree.Element(answer.tag)
            for name in ("requestID",):
                if answer.get(name) is not None:
                    fresh.set(name, answer.get(name, ""))
            fresh.set("statusCode", str(replies.SAVE_ERROR))
            fresh.set("statusSeverity", "Error")
            fresh.set("statusMessage", "The request was rolled back: request "
                                       f"{failed.get('requestID', '')} failed and the message "
                                       "set asked for rollbackOnError.")
            answers[index] = fresh


def _run(company_id: str, msgs_rq: etree._Element) -> etree._Element:
    on_error = msgs_rq.get("onError", "stopOnError")
    bare = msgs_rq.get("responseData") == "includeNone"
    msgs_rs = etree.Element("QBXMLMsgsRs")
    answers: list[etree._Element] = []
    for rq in msgs_rq:
        if not isinstance(rq.tag, str):
            continue
        answer = _answer(company_id, rq)
        answers.append(answer)
        if answer.get("statusSeverity") != "Error" or on_error == "continueOnError":
            continue
        # stopOnError: nothing after the error runs or is answered (unverified beyond Intuit's
        # SDK guide and what responses.py expects).
        if on_error == "rollbackOnError":
            kit_store.rollback()
            _rolled_back(answers, answer)
            msgs_rs.set("messageSetStatusCode", answer.get("statusCode", ""))
        break
    for answer in answers:
        if bare:
            for child in list(answer):
                answer.remove(child)
        msgs_rs.append(answer)
    return msgs_rs


def _document(msgs_rs: etree._Element) -> str:
    root = etree.Element("QBXML")
    root.append(msgs_rs)
    return PROLOGUE + etree.tostring(root, encoding="unicode")


def process(company_id: str, request_xml: str) -> str:
    """The response document QuickBooks would give for `request_xml` in this company file;
    ParseError when the document is refused whole, UnknownCompany when there is no such file.
    Commits what the message set did."""
    msgs_rq = parse_request(request_xml).find("QBXMLMsgsRq")
    if msgs_rq is None:  # parse_request made sure of it; this satisfies the type checker
        raise ParseError(PARSE_HRESULT, PARSE_WORDS, "no QBXMLMsgsRq")
    with store.writing(company_id):
        kit_store.rollback()  # read afresh under the lock
        if store.company(company_id) is None:
            raise UnknownCompany(company_id)
        # unverified: error recovery as the SDK guide outlines it (see above).
        old = msgs_rq.get("oldMessageSetID")
        if old:
            kept = store.get_data(company_id, store.MESSAGE_SETS, old)
            if kept is not None:
                return str(kept["response"])
        msgs_rs = _run(company_id, msgs_rq)
        new = msgs_rq.get("newMessageSetID")
        if new:
            msgs_rs.set("newMessageSetID", new)
        response = _document(msgs_rs)
        if new:
            store.put(company_id, store.MESSAGE_SETS, new, {"response": response})
        kit_store.commit()
        return response


def set_closing_date(company_id: str, closing: date | None) -> None:
    """The company file's closing date (None: none), as its owner sets it in QuickBooks'
    preferences (committed); transactions dated on or before it are refused."""
    with store.writing(company_id):
        kit_store.rollback()
        found = store.company(company_id)
        if found is None:
            raise UnknownCompany(company_id)
        found["closing_date"] = closing.isoformat() if closing else None
        store.save_company(found)
        kit_store.commit()


def end_session(company_id: str) -> int:
    """QBXMLRP2's EndSession: the company's open iterators die (committed); how many did.
    UnknownCompany when there is no such file."""
    with store.writing(company_id):
        kit_store.rollback()
        if store.company(company_id) is None:
            raise UnknownCompany(company_id)
        ended = iterators.end_session(company_id)
        kit_store.commit()
        return ended
