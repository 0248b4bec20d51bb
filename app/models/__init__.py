"""All models, imported here so Alembic and the app see every table."""

from app.models.chart import Account, AccountMapping, TaxMapping, TaxRate
from app.models.company import ApiKey, Company, Membership, User, utcnow
from app.models.connection import Connection
from app.models.notification import DigestRecipient, DigestState
from app.models.package_list import PackageList
from app.models.pull import PullClient, PullSession
from app.models.records import Contact, Document, DocumentLine, Payment, PaymentAllocation
from app.models.transfer import Attempt, Run, Transfer, TransferEvent

__all__ = [
    "Account",
    "AccountMapping",
    "ApiKey",
    "Attempt",
    "Company",
    "Connection",
    "Contact",
    "DigestRecipient",
    "DigestState",
    "Document",
    "DocumentLine",
    "Membership",
    "PackageList",
    "Payment",
    "PaymentAllocation",
    "PullClient",
    "PullSession",
    "Run",
    "TaxMapping",
    "TaxRate",
    "Transfer",
    "TransferEvent",
    "User",
    "utcnow",
]
