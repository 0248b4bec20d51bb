"""The consent page every package's authorisation endpoint shows: the package's brand, the
tenants (organisations, companies, businesses) the person signing in may choose, and a field to
create a new one. Who that person is, and so which tenants they see, is decided here too.

app/connections/sandbox_consent.py clicks this page the way a person would, so its form keeps one
convention: hidden request inputs (login_hint among them), a `tenant_id` select,
`new_organisation`, `decision`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import render_template, request

from sandboxes.kit.store import GLOBAL, ObjectStore

CONSENT_TEMPLATE = "sandbox_kit/consent.html"  # in the kit blueprint's template folder
OWNERS = "owners"  # which sandbox account each tenant belongs to
GUEST = ""  # the owner of tenants made by a consent from nobody in particular
LOGIN_HINT_MAX = 100


@dataclass(frozen=True)
class ConsentBrand:
    """How a package's consent page names itself and what a connection reaches."""

    name: str  # the badge: "Xero sandbox"
    colour: str  # CSS colour of the badge and buttons
    owner: str  # whose rules a bad request broke: "Intuit"
    place: str  # what the app asks to reach, in the page title: "your QuickBooks company"
    tenant: str  # one of them, lower case: "organisation", "company"

    @property
    def choose(self) -> str:
        """The words when nothing was chosen: "Choose an organisation."."""
        article = "an" if self.tenant[:1] in "aeiou" else "a"
        return f"Choose {article} {self.tenant}."


@dataclass(frozen=True)
class TenantChoice:
    """What the consent page offers: the package lists and creates its own tenants."""

    # The owner's tenants as (id, name); a first visit seeds one (and commits it).
    offered: Callable[[str], list[tuple[str, str]]]
    # A new tenant named so, for this owner (not committed): its id.
    create: Callable[[str, str], str]
    several: bool = False  # Xero lets one consent reach several organisations
    name_max: int = 255
    heading_names_first: bool = False  # the page's heading names the first tenant offered


def render_consent(
    brand: ConsentBrand,
    error: str | None = None,
    tenants: Iterable[tuple[str, str]] = (),
    heading: str = "",
    params: Any = None,
) -> str:
    """The consent page (error=None: the form offering `tenants` as (id, name) pairs)."""
    return render_template(
        CONSENT_TEMPLATE, brand=brand, error=error, tenants=list(tenants),
        heading=heading or brand.place, params=params, app_name="Ledgerlink",
    )


def consent_owner() -> str:
    """Whose tenants this consent request may see and choose: the sandbox account the request
    names in OpenID Connect's `login_hint`, as a real package's sign-in page is told who is
    signing in. Ledgerlink sends a per-company hint it derives with its own secret
    (app/connections/sandbox_consent.py), so one company's hint cannot be guessed from
    another's. A request with none sees only tenants made by consents with none."""
    source = request.form if request.method == "POST" else request.args
    hint = str(source.get("login_hint", "")).strip()
    if not hint or len(hint) > LOGIN_HINT_MAX or not hint.isascii() or not hint.isprintable():
        return GUEST
    return hint


def set_owner(package: str, tenant: str, owner: str) -> None:
    ObjectStore(package).put(GLOBAL, OWNERS, tenant, {"owner": owner}, ref=owner)


def owned_tenants(package: str, owner: str) -> set[str]:
    return {row.object_id for row in ObjectStore(package).find(GLOBAL, OWNERS, ref=owner)}


def chosen_tenants(choice: TenantChoice, brand: ConsentBrand, owner: str,
                   offered: list[tuple[str, str]]) -> list[str] | str:
    """The tenants the posted form chose among those offered (a new one replaces the
    selection: its books start empty and its own), or the words saying nothing was."""
    known = {tenant_id for tenant_id, _name in offered}
    if choice.several:
        tenants = [t for t in request.form.getlist("tenant_id") if t in known]
    else:
        single = request.form.get("tenant_id", "")
        tenants = [single] if single in known else []
    new_name = request.form.get("new_organisation", "").strip()
    if new_name:
        tenants = [choice.create(new_name[:choice.name_max], owner)]
    return tenants or brand.choose
