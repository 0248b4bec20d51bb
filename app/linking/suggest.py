"""Ranking the package's existing contacts as likely twins of one of ours.

Pure functions over plain data (no database, no Flask). The evidence rules are
app/sync/contact_match.py's, the same ones the look-up before creating a contact uses: a
suggestion needs the same name once normalised ("Smith & Sons Ltd." is "smith sons"), or a name
at least half alike *and* the same email or postcode. Whole names are compared, never a part of
one, so a long unrelated name is not "86% alike". Each suggestion says why it is made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from app.sync.contact_match import (
    ALIKE_WITH_EVIDENCE,
    Ours,
    evidence,
    normalise_email,
    normalise_name,
    normalise_postcode,
)

__all__ = ["ContactIndex", "Ours", "Suggestion", "normalise_email", "normalise_name",
           "normalise_postcode"]

TOP = 3  # suggestions shown per contact
EXTRACT_LIMIT = 10  # name candidates looked at per contact before scoring
STRONG_NAME = 95  # with the same postcode
STRONG_NAME_WITH_EMAIL = 60  # a shared email alone (accounts@, a family address) is not enough


@dataclass
class Suggestion:
    external_id: str
    name: str
    email: str
    postcode: str
    reference: str
    name_score: int
    same_email: bool
    same_postcode: bool
    also_linked_to: str = ""  # our contact of the other kind already linked to it
    score: int = 0
    strong: bool = False
    reasons: list[str] = field(default_factory=list)
    held: bool = False  # the contact was held back as possibly this one (precreate.py)

    @property
    def strength(self) -> str:
        if self.held:
            return "possible duplicate"
        if self.strong:
            return "strong"
        return "likely" if self.score >= 55 else "possible"


class ContactIndex:
    """The package's contacts, normalised once, ready to be searched for many of ours.

    `entries` are the cached package contacts ({id, name, email, postcode, reference, active}).
    `used` maps a kind to {package id: our contact's name} for package contacts already linked
    to one of our contacts of that kind on this connection: those are never suggested for the
    same kind again (two of our customers on one package contact would merge their accounts).
    """

    def __init__(
        self, entries: Sequence[Mapping[str, Any]], used: Mapping[str, Mapping[str, str]]
    ) -> None:
        self.entries = [e for e in entries if e.get("active", True)]
        self.used = used
        self.names = [normalise_name(str(e.get("name", ""))) for e in self.entries]
        self.by_email: dict[str, list[int]] = defaultdict(list)
        self.by_postcode: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            if email := normalise_email(str(e.get("email", ""))):
                self.by_email[email].append(i)
            if postcode := normalise_postcode(str(e.get("postcode", ""))):
                self.by_postcode[postcode].append(i)
        self._choices: dict[str, dict[int, str]] = {}

    def _free(self, kind: str, i: int) -> bool:
        return str(self.entries[i]["id"]) not in self.used.get(kind, {})

    def choices(self, kind: str) -> dict[int, str]:
        if kind not in self._choices:
            self._choices[kind] = {
                i: n for i, n in enumerate(self.names) if n and self._free(kind, i)
            }
        return self._choices[kind]

    def _score(self, ours: Ours, i: int, our_name: str) -> Suggestion | None:
        e = self.entries[i]
        ev = evidence(ours, e, our_name, self.names[i])
        if not ev.suggestable:
            return None
        other = "supplier" if ours.kind == "customer" else "customer"
        s = Suggestion(
            external_id=str(e["id"]), name=str(e.get("name", "")),
            email=str(e.get("email", "")), postcode=str(e.get("postcode", "")),
            reference=str(e.get("reference", "")), name_score=ev.name_score,
            same_email=ev.same_email, same_postcode=ev.same_postcode,
            also_linked_to=self.used.get(other, {}).get(str(e["id"]), ""),
        )
        s.score = min(100, round(0.6 * ev.name_score + 35 * ev.same_email
                                 + 20 * ev.same_postcode))
        s.strong = (ev.same_email and ev.name_score >= STRONG_NAME_WITH_EMAIL) or (
            ev.same_postcode and ev.name_score >= STRONG_NAME)
        s.reasons = ev.reasons(e)
        if s.also_linked_to:
            s.reasons.append(f"already linked to our {other} \u201c{s.also_linked_to}\u201d")
        return s

    def with_held(self, found: list[Suggestion], held: Sequence[Mapping[str, Any]] | None,
                  by_id: Mapping[str, Mapping[str, Any]]) -> list[Suggestion]:
        """The package contacts a held contact looked like first (with the reasons found
        when it was held), then the other suggestions."""
        first: list[Suggestion] = []
        for h in held or ():
            e = by_id.get(str(h.get("id")))
            if e is None or not e.get("active", True):
                continue
            first.append(Suggestion(
                external_id=str(e["id"]), name=str(e.get("name", "")),
                email=str(e.get("email", "")), postcode=str(e.get("postcode", "")),
                reference=str(e.get("reference", "")), name_score=0, same_email=False,
                same_postcode=False, reasons=list(h.get("reasons") or []), held=True))
        ids = {s.external_id for s in first}
        return first + [s for s in found if s.external_id not in ids]

    def _exact_candidates(self, ours: Ours) -> set[int]:
        found: set[int] = set()
        if email := normalise_email(ours.email):
            found.update(self.by_email.get(email, ()))
        if postcode := normalise_postcode(ours.postcode):
            found.update(self.by_postcode.get(postcode, ()))
        return {i for i in found if self._free(ours.kind, i)}

    def suggest(self, ours: Ours, top: int = TOP) -> list[Suggestion]:
        """The best `top` package contacts for one of ours, best first."""
        our_name = normalise_name(ours.name)
        candidates = self._exact_candidates(ours)
        if our_name:
            # Only names alike enough to count with an email or postcode beside them.
            for _, _, i in process.extract(
                our_name, self.choices(ours.kind), scorer=fuzz.token_sort_ratio,
                limit=EXTRACT_LIMIT, score_cutoff=ALIKE_WITH_EVIDENCE,
            ):
                candidates.add(i)
        scored = [s for i in candidates if (s := self._score(ours, i, our_name))]
        scored.sort(key=lambda s: (-s.score, -s.name_score, s.name.lower()))
        return scored[:top]

    def strong_matches(self, contacts: Iterable[Ours]) -> list[tuple[Ours, Suggestion]]:
        """Unambiguous strong matches: each of ours has exactly one strong package contact,
        and that package contact is strong for no other of ours of the same kind. Found
        through the email and postcode look-ups only (every strong match shares one), so it
        stays fast across thousands of contacts."""
        pairs: list[tuple[Ours, Suggestion]] = []
        claims: dict[tuple[str, str], int] = defaultdict(int)
        for ours in contacts:
            our_name = normalise_name(ours.name)
            strong = [s for i in self._exact_candidates(ours)
                      if (s := self._score(ours, i, our_name)) and s.strong]
            for s in strong:
                claims[(ours.kind, s.external_id)] += 1
            if len(strong) == 1:
                pairs.append((ours, strong[0]))
        return [(o, s) for o, s in pairs if claims[(o.kind, s.external_id)] == 1]
