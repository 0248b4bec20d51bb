"""Is this contact already in the package? One normaliser and one set of rules, shared by the
look-up before a contact is created (app/sync/precreate.py), the one-time import and the
Linking page's suggestions, so all three agree on what counts as "the same".

Pure functions over plain data (no database, no Flask). A package contact is a dict as cached
for the Linking page: {id, name, email, postcode, reference, active, customer, supplier}.

Evidence, not string tricks: a long name that merely *contains* ours is not alike (no partial
matching), and a name alone must be the same name once normalised; anything weaker needs the
same email or postcode beside it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from connectors.base import Contact as PackageContact

# Words that say what kind of business it is, not which one.
NOISE_WORDS = {"ltd", "limited", "plc", "llp", "and", "the", "co", "company", "uk", "inc"}
_APOSTROPHES = re.compile(r"['\u2019`]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_NUMBERS = re.compile(r"\d+")

ALIKE_WITH_EVIDENCE = 50  # names at least this alike, plus the same email or postcode
ALIKE_ON_ITS_OWN = 90  # held (never linked) on the name alone: "Greenfield Boiler" / "Boilers"
EXACT_WITH_EMAIL = 90  # the same email and names this alike: the same business


def normalise_name(name: str) -> str:
    """ "Smith & Sons Ltd." -> "smith sons"; "Café Élan Limited" -> "cafe elan"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = _PUNCTUATION.sub(" ", _APOSTROPHES.sub("", text)).split()
    kept = [w for w in words if w not in NOISE_WORDS]
    return " ".join(kept or words)  # "The Co" stays comparable rather than empty


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_postcode(postcode: str) -> str:
    return "".join((postcode or "").split()).upper()


def name_alike(ours: str, theirs: str) -> int:
    """How alike two normalised names are, 0-100: whole-name comparisons only (word order
    ignored), so "Bob" is not 90% like a 230-character name that happens to contain it."""
    if not ours or not theirs:
        return 0
    return round(max(fuzz.ratio(ours, theirs), fuzz.token_sort_ratio(ours, theirs)))


def entry_of(contact: PackageContact) -> dict[str, Any]:
    """A package contact as cached and compared."""
    return {"id": str(contact.external_id), "name": contact.name, "email": contact.email,
            "phone": contact.phone, "postcode": contact.address.postcode,
            "city": contact.address.city, "reference": contact.reference,
            "active": bool(contact.active), "customer": bool(contact.is_customer),
            "supplier": bool(contact.is_supplier)}


def fits_kind(entry: Mapping[str, Any], kind: str) -> bool:
    """Can this package contact be our `kind`? Packages that keep customers and suppliers
    apart flag every contact as one; Xero flags a contact only once it has documents (so an
    unflagged one fits either)."""
    other = "supplier" if kind == "customer" else "customer"
    return bool(entry.get(kind)) or not entry.get(other)


@dataclass(frozen=True)
class Ours:
    """One of our contacts, as compared."""

    transfer_id: int
    kind: str  # customer | supplier
    name: str
    email: str = ""
    postcode: str = ""


@dataclass
class Evidence:
    """Why a package contact may be one of ours, in words."""

    name_score: int
    same_name: bool
    same_email: bool
    same_postcode: bool
    other_email: bool  # both have an email and they differ
    identical: bool = False  # the names as typed, spaces and case aside
    initials: bool = False  # "J Patel" and "Jane Patel": an initial where the other has a name

    @property
    def exact(self) -> bool:
        """The same business beyond reasonable doubt: linked without asking."""
        if self.same_name:
            return not self.other_email
        return self.same_email and self.name_score >= EXACT_WITH_EMAIL

    @property
    def likely(self) -> bool:
        """Worth holding the contact back and asking the bookkeeper."""
        return (self.same_name or self.same_email or self.name_score >= ALIKE_ON_ITS_OWN
                or self.initials
                or (self.same_postcode and self.name_score >= ALIKE_WITH_EVIDENCE))

    @property
    def suggestable(self) -> bool:
        """Enough to suggest on the Linking page: the same name, or an alike name with the
        same email or postcode."""
        return self.same_name or (
            self.name_score >= ALIKE_WITH_EVIDENCE and (self.same_email or self.same_postcode))

    def reasons(self, theirs: Mapping[str, Any]) -> list[str]:
        words = []
        if self.same_email:
            words.append(f"same email ({theirs.get('email')})")
        if self.same_postcode:
            words.append(f"same postcode ({theirs.get('postcode')})")
        if self.same_name:
            words.append("same name" if self.identical
                         else "same name once “Ltd”, punctuation and case are set aside")
        else:
            words.append(f"name {self.name_score}% alike")
            if self.initials:
                words.append("an initial where the other has the whole word")
        if self.other_email:
            words.append("but a different email")
        return words


def initials_match(a: str, b: str) -> bool:
    """ "j patel" / "jane patel": word for word the same, but for an initial standing for a
    word that starts with it (at least one whole word in common)."""
    x, y = a.split(), b.split()
    if len(x) != len(y) or len(x) < 2 or x == y:
        return False
    whole = 0
    for p, q in zip(x, y, strict=True):
        if p == q:
            whole += len(p) > 1
        elif not ((len(p) == 1 and q.startswith(p)) or (len(q) == 1 and p.startswith(q))):
            return False
    return whole > 0


def evidence(ours: Ours, theirs: Mapping[str, Any], our_name: str | None = None,
             their_name: str | None = None) -> Evidence:
    a = normalise_name(ours.name) if our_name is None else our_name
    b = normalise_name(str(theirs.get("name", ""))) if their_name is None else their_name
    email, their_email = normalise_email(ours.email), normalise_email(str(theirs.get("email")
                                                                          or ""))
    postcode = normalise_postcode(ours.postcode)
    score = 100 if a and a == b else name_alike(a, b)
    numbers, their_numbers = _NUMBERS.findall(a), _NUMBERS.findall(b)
    if numbers and their_numbers and numbers != their_numbers:
        # "Flat 1" and "Flat 2", "Customer 00001" and "00002": alike letters, other places.
        score = min(score, ALIKE_WITH_EVIDENCE - 1)
    return Evidence(
        name_score=score, same_name=bool(a) and a == b,
        same_email=bool(email) and email == their_email,
        same_postcode=bool(postcode) and postcode == normalise_postcode(
            str(theirs.get("postcode") or "")),
        other_email=bool(email) and bool(their_email) and email != their_email,
        identical=" ".join(ours.name.lower().split())
        == " ".join(str(theirs.get("name") or "").lower().split()),
        initials=not _NUMBERS.search(a + b) and initials_match(a, b))


@dataclass
class Candidate:
    entry: Mapping[str, Any]
    evidence: Evidence
    reasons: list[str] = field(default_factory=list)

    def stored(self) -> dict[str, Any]:
        """What a held transfer keeps, for the Linking page and the record page."""
        return {"id": str(self.entry["id"]), "name": str(self.entry.get("name", "")),
                "reasons": self.reasons}


@dataclass
class Verdict:
    """Before creating one of ours: link to `exact`, hold for `likely`, or create."""

    exact: Candidate | None = None
    likely: list[Candidate] = field(default_factory=list)


class PackageIndex:
    """The package's active contacts, normalised once, for many look-ups in one run.

    `used` maps a kind to {package id: our contact's name} for package contacts already
    linked to (or created for) one of ours of that kind on this connection.
    """

    def __init__(self, entries: Sequence[Mapping[str, Any]],
                 used: Mapping[str, Mapping[str, str]]) -> None:
        self.entries = [e for e in entries if e.get("active", True)]
        self.names = [normalise_name(str(e.get("name", ""))) for e in self.entries]
        self.used = used
        self._by: dict[str, dict[str, list[int]]] = {"name": {}, "email": {}, "postcode": {}}
        for i, e in enumerate(self.entries):
            for key, value in (("name", self.names[i]),
                               ("email", normalise_email(str(e.get("email") or ""))),
                               ("postcode", normalise_postcode(str(e.get("postcode") or "")))):
                if value:
                    self._by[key].setdefault(value, []).append(i)
        self._choices = dict(enumerate(self.names))

    def _looked_up(self, ours: Ours, our_name: str) -> set[int]:
        """Every package contact that could be alike: the same name, email or postcode, or a
        name alike on its own (rapidfuzz's extract, fast over thousands)."""
        found: set[int] = set(self._by["name"].get(our_name, ()))
        found.update(self._by["email"].get(normalise_email(ours.email), ()))
        found.update(self._by["postcode"].get(normalise_postcode(ours.postcode), ()))
        if our_name:
            for _, _, i in process.extract(our_name, self._choices, scorer=fuzz.token_sort_ratio,
                                           limit=10, score_cutoff=70):
                found.add(i)
        return found

    def verdict(self, ours: Ours) -> Verdict:
        our_name = normalise_name(ours.name)
        found: list[Candidate] = []
        for i in self._looked_up(ours, our_name):
            entry = self.entries[i]
            ev = evidence(ours, entry, our_name, self.names[i])
            if not ev.likely:
                continue
            reasons = ev.reasons(entry)
            taken = self.used.get(ours.kind, {}).get(str(entry["id"]))
            if taken is not None:
                reasons.append(f"already linked to our {ours.kind} “{taken}”")
            if not fits_kind(entry, ours.kind):
                reasons.append(f"it is a {'supplier' if ours.kind == 'customer' else 'customer'}"
                               " there")
            found.append(Candidate(entry, ev, reasons))
        found.sort(key=lambda c: (-c.evidence.exact, -c.evidence.name_score,
                                  str(c.entry.get("name", "")).lower()))
        linkable = [c for c in found if c.evidence.exact and fits_kind(c.entry, ours.kind)
                    and str(c.entry["id"]) not in self.used.get(ours.kind, {})]
        if len(linkable) == 1 and len(found) == 1:
            return Verdict(exact=linkable[0])
        if len(linkable) == 1 and not any(c.evidence.exact for c in found
                                          if c is not linkable[0]):
            # One exact twin beside weaker look-alikes: the exact one is the match.
            return Verdict(exact=linkable[0])
        return Verdict(likely=found[:5])
