"""Creating a company with its chart of accounts, first user and API key."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.extensions import db
from app.models import Account, ApiKey, Company, Membership, TaxRate, User

# A UK VAT-registered trades business's chart: what the job system names in its records.
DEFAULT_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("sales", "Sales", "sales"),
    ("materials_sales", "Materials sales", "sales"),
    ("callout_fees", "Call-out fees", "sales"),
    ("bank", "Bank current account", "bank"),
    ("expenses", "General expenses", "expense"),
)
DEFAULT_TAX_RATES: tuple[tuple[str, str, Decimal], ...] = (
    ("standard", "Standard rate VAT 20%", Decimal("20")),
    ("reduced", "Reduced rate VAT 5%", Decimal("5")),
    ("zero", "Zero rated 0%", Decimal("0")),
    ("exempt", "Exempt", Decimal("0")),
)


@dataclass
class NewCompany:
    company: Company
    user: User
    api_key: str


def create_company(name: str, admin_email: str, password: str, role: str = "admin") -> NewCompany:
    """A company with the default chart, a user with `role` in it, and one API key.

    An existing user with that email is given the membership instead of a new account.
    """
    company = Company(name=name, country="GB", vat_registered=True)
    db.session.add(company)
    db.session.flush()
    for key, title, kind in DEFAULT_ACCOUNTS:
        db.session.add(Account(company_id=company.id, key=key, name=title, kind=kind))
    for key, title, rate in DEFAULT_TAX_RATES:
        db.session.add(TaxRate(company_id=company.id, key=key, name=title, rate=rate))
    user = db.session.execute(db.select(User).filter_by(email=admin_email)).scalar_one_or_none()
    if user is None:
        user = User(email=admin_email, name=admin_email.split("@")[0])
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
    db.session.add(Membership(user_id=user.id, company_id=company.id, role=role))
    key, raw = ApiKey.issue(company.id)
    db.session.add(key)
    db.session.commit()
    return NewCompany(company=company, user=user, api_key=raw)
