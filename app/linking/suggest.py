"""Ranking the package's existing contacts as likely twins of one of ours.

Pure functions over plain data (no database, no Flask), so ranking can be tested and reasoned
about on its own. Names are normalised once per request ("Smith & Sons Ltd." -> "smith sons"),
then compared with rapidfuzz; an identical email address or postcode adds to the score. Each
suggestion carries the reasons in words, so the bookkeeper sees *why* it was suggested.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

TOP = 3  # suggestions shown per contact
EXTRACT_LIMIT = 10  # name candidates looked at per contact before scoring
NAME_CUTOFF = 60  # a name alone must be at least this alike to be suggested
NAME_WITH_POSTCODE_CUTOFF = 40
STRONG_NAME = 95  # with the same postcode
STRONG_NAME_WITH_EMAIL = 60  # a shared email alone (accounts@, a family address) is not enough

# Words that say what kind of business it is, not which one.
_NOISE_WORDS = {"ltd", "limited", "plc", "llp", "and", "the", "co", "company", "uk"}
_APOSTROPHES = re.compile(r"['\u2019`]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")


def normalise_name(name: str) -> str:
    words = _PUNCTUATION.sub(" ", _APOSTROPHES.sub("", (name or "").lower())).split()
    kept = [w for w in words if w not in _NOISE_WORDS]
    return " ".join(kept or words)  # "The Co" stays comparable rather than empty


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_postcode(postcode: str) -> str:
    return "".join((postcode or "").split()).upper()


@dataclass(frozen=True)
class Ours:
    """One of our contacts that would be created in the package."""

    transfer_id: int
    kind: str  # customer | supplier
    name: str
    email: str = ""
    postcode: str = ""


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

    @property
    def strength(self) -> str:
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
        theirs = self.names[i]
        name_score = 0
        if our_name and theirs:
            name_score = round(max(fuzz.WRatio(our_name, theirs),
                                   fuzz.token_sort_ratio(our_name, theirs)))
        email = normalise_email(ours.email)
        postcode = normalise_postcode(ours.postcode)
        same_email = bool(email) and email == normalise_email(str(e.get("email", "")))
        same_postcode = bool(postcode) and postcode == normalise_postcode(
            str(e.get("postcode", "")))
        if not (same_email or name_score >= NAME_CUTOFF
                or (same_postcode and name_score >= NAME_WITH_POSTCODE_CUTOFF)):
            return None
        other = "supplier" if ours.kind == "customer" else "customer"
        s = Suggestion(
            external_id=str(e["id"]), name=str(e.get("name", "")),
            email=str(e.get("email", "")), postcode=str(e.get("postcode", "")),
            reference=str(e.get("reference", "")), name_score=name_score,
            same_email=same_email, same_postcode=same_postcode,
            also_linked_to=self.used.get(other, {}).get(str(e["id"]), ""),
        )
        s.score = min(100, round(0.6 * name_score + 35 * same_email + 20 * same_postcode))
        s.strong = (same_email and name_score >= STRONG_NAME_WITH_EMAIL) or (
            same_postcode and name_score >= STRONG_NAME)
        if same_email:
            s.reasons.append("same email")
        if same_postcode:
            s.reasons.append("same postcode")
        s.reasons.append("same name" if name_score == 100 else f"name {name_score}% alike")
        if s.also_linked_to:
            s.reasons.append(f"already linked to our {other} \u201c{s.also_linked_to}\u201d")
        return s

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
            for _, _, i in process.extract(
                our_name, self.choices(ours.kind), scorer=fuzz.WRatio,
                limit=EXTRACT_LIMIT, score_cutoff=NAME_WITH_POSTCODE_CUTOFF,
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
