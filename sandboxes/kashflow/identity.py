"""KashFlow's sign-in (no OAuth), simulated: POST /v2/sessiontoken with the user name and
password answers a temporary token and three positions of the memorable word; PUT
/v2/sessiontoken with those characters answers a session token, sent on every other call as
`Authorization: KfToken <token>` and ended after an idle spell (KASHFLOW_SANDBOX_IDLE_SECONDS,
KashFlow's hour unless told). Five failures in a row (password or memorable word) lock the
account. Also the sandbox-only admin routes: sign-up, a password change that ends every session,
a lock, and the period lock (KashFlow's settings page, played).

Passwords are kept hashed (werkzeug's scrypt), memorable words sealed (the kit's Fernet: a
character at a position must be read back), tokens under their SHA-256 only.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, request
from werkzeug.security import check_password_hash, generate_password_hash

from sandboxes.kashflow import replies, rules
from sandboxes.kashflow import store as store
from sandboxes.kashflow.replies import Invalid, validation
from sandboxes.kit import store as kit_store
from sandboxes.kit.config import int_setting
from sandboxes.kit.redis_conn import get_redis
from sandboxes.kit.sealed import seal, unseal

IDLE_SETTING = "KASHFLOW_SANDBOX_IDLE_SECONDS"
IDLE_SECONDS = 3600  # unverified: "expires after 60 minutes of inactivity"
TEMPORARY_SECONDS = 300  # unverified: a temporary token's life
MAX_FAILURES = 5  # unverified: failures in a row that lock the account
POSITIONS = 3
MEMORABLE_MIN = 3  # three distinct positions need three characters
PASSWORD_MIN = 8  # unverified: KashFlow's password rules are not published
USERNAME_MAX = 50
SCHEME = "KfToken"

Answer = tuple[Response, int]

INVALID_CREDENTIALS = "The username or password is incorrect."
INVALID_TEMPORARY = "The temporary token is invalid or has expired."
INVALID_MEMORABLE = "The characters of the memorable word are incorrect."
ACCOUNT_LOCKED = ("This account has been locked after too many failed sign-in attempts. "
                  "Reset the password to unlock it.")


def idle_seconds() -> int:
    return int_setting(IDLE_SETTING, IDLE_SECONDS)


def _locked() -> Invalid:
    return Invalid("AccountLocked", ACCOUNT_LOCKED, 403)


def _signin_lock(key: str) -> Any:
    """One sign-in step per user at a time: a temporary token is spent once, failures are
    counted without losing one. Whoever takes it reads afresh (nothing is pending then)."""
    return _Fresh(get_redis().lock(f"sandbox:kashflow:signin:{key}", timeout=30,
                                   blocking_timeout=30))


class _Fresh:
    """A Redis lock that ends the store's transaction once taken, so what another request
    committed meanwhile is seen."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock

    def __enter__(self) -> _Fresh:
        self.lock.__enter__()
        kit_store.rollback()
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.__exit__(*exc)


def end_sessions(key: str) -> None:
    """Every session and temporary token of the user ends (not committed)."""
    for collection in (store.SESSIONS, store.TEMPORARY):
        for object_id in store.ids_with_ref(store.GLOBAL, collection, key):
            store.delete(store.GLOBAL, collection, object_id)


def _failed(user: dict[str, Any]) -> None:
    """One more failure in a row; the fifth locks the account and ends its sessions.
    Committed: a refused sign-in still counts."""
    user["Failures"] = int(user.get("Failures") or 0) + 1
    if user["Failures"] >= MAX_FAILURES:
        user["Locked"] = True
        end_sessions(store.user_key(user["UserName"]))
    store.save_user(user)
    kit_store.commit()


# ------------------------------------------------------------------------------ sign-in


def begin(body: Any) -> Answer:
    """POST /v2/sessiontoken {UserName, Password}."""
    body = rules.body_object(body)
    username = body.get("UserName")
    password = body.get("Password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise validation("UserName and Password are required.")
    key = store.user_key(username)
    with _signin_lock(key):
        user = store.user(username)
        if user is None:
            raise Invalid("InvalidCredentials", INVALID_CREDENTIALS, 401)
        if user.get("Locked"):
            raise _locked()
        if not check_password_hash(user["PasswordHash"], password):
            _failed(user)
            if user.get("Locked"):
                raise _locked()
            raise Invalid("InvalidCredentials", INVALID_CREDENTIALS, 401)
        word = unseal(user["MemorableWord"]) or ""
        positions = sorted(secrets.SystemRandom().sample(range(1, len(word) + 1), POSITIONS))
        token = secrets.token_urlsafe(32)
        store.put(store.GLOBAL, store.TEMPORARY, store.digest(token),
                  {"user": key, "positions": positions, "issued": store.now()}, ref=key)
        kit_store.commit()
    return replies.answer({"TemporaryToken": token,
                           "MemorableWordList": [{"Position": p} for p in positions]})


def _characters(answered: Any, positions: list[int]) -> dict[int, str] | None:
    """The characters given for exactly the positions asked, or None."""
    if not isinstance(answered, list):
        return None
    given: dict[int, str] = {}
    for entry in answered:
        if not isinstance(entry, dict):
            return None
        position, value = entry.get("Position"), entry.get("Value")
        if isinstance(position, bool) or not isinstance(position, int):
            return None
        if not isinstance(value, str) or len(value) != 1 or position in given:
            return None
        given[position] = value
    return given if sorted(given) == positions else None


def complete(body: Any) -> Answer:
    """PUT /v2/sessiontoken {TemporaryToken, MemorableWordList: [{Position, Value}]}."""
    body = rules.body_object(body)
    token = body.get("TemporaryToken")
    if not isinstance(token, str) or not token:
        raise validation("TemporaryToken is required.")
    found = store.get_data(store.GLOBAL, store.TEMPORARY, store.digest(token))
    if found is None:
        raise Invalid("InvalidToken", INVALID_TEMPORARY, 401)
    with _signin_lock(found["user"]):
        found = store.get_data(store.GLOBAL, store.TEMPORARY, store.digest(token))
        if found is None:
            raise Invalid("InvalidToken", INVALID_TEMPORARY, 401)
        # Single use: spent by this attempt, right or wrong.
        store.delete(store.GLOBAL, store.TEMPORARY, store.digest(token))
        kit_store.commit()
        if store.now() - float(found["issued"]) > TEMPORARY_SECONDS:
            raise Invalid("InvalidToken", INVALID_TEMPORARY, 401)
        user = store.get_data(store.GLOBAL, store.USERS, found["user"])
        if user is None:
            raise Invalid("InvalidToken", INVALID_TEMPORARY, 401)
        if user.get("Locked"):
            raise _locked()
        word = unseal(user["MemorableWord"]) or ""
        given = _characters(body.get("MemorableWordList"), found["positions"])
        # unverified: KashFlow compares the characters without regard to case.
        right = given is not None and all(
            0 < p <= len(word) and word[p - 1].lower() == v.lower() for p, v in given.items())
        if not right:
            _failed(user)
            if user.get("Locked"):
                raise _locked()
            raise Invalid("InvalidMemorableWord", INVALID_MEMORABLE, 401)
        user["Failures"] = 0
        store.save_user(user)
        session = secrets.token_urlsafe(32)
        store.put(store.GLOBAL, store.SESSIONS, store.digest(session),
                  {"user": found["user"], "company": user["CompanyId"],
                   "issued": store.now(), "last_used": store.now()}, ref=found["user"])
        kit_store.commit()
    return replies.answer({"SessionToken": session})


def _presented() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == SCHEME.lower() else ""


def session_of_request() -> dict[str, Any] | Answer:
    """The session the request's KfToken opens (its last use moved to now, committed), or
    KashFlow's 401."""
    token = _presented()
    if not token:
        return replies.invalid_token()
    key = store.digest(token)
    found = store.get_data(store.GLOBAL, store.SESSIONS, key)
    if found is None:
        return replies.invalid_token()
    moment = store.now()
    if moment - float(found["last_used"]) > idle_seconds():
        store.delete(store.GLOBAL, store.SESSIONS, key)
        kit_store.commit()
        return replies.invalid_token()
    if store.company(found["company"]) is None:
        return replies.invalid_token()
    if moment - float(found["last_used"]) >= 1:  # a write a second is enough for an idle clock
        found["last_used"] = moment
        store.put(store.GLOBAL, store.SESSIONS, key, found, ref=found["user"])
        kit_store.commit()
    return found | {"token_key": key}


def end(session: dict[str, Any]) -> Answer:
    """DELETE /v2/sessiontoken: the calling token ends (the sandbox's; unverified)."""
    store.delete(store.GLOBAL, store.SESSIONS, session["token_key"])
    kit_store.commit()
    return Response(status=204), 204


def company_view(company_id: str) -> Answer:
    """GET /v2/company. unverified: the shape (the wire contract's)."""
    found = store.company(company_id)
    if found is None:
        return replies.not_found()
    return replies.answer({"Name": found["Name"], "VatRegistered": found["VatRegistered"]})


# ------------------------------------------------------------- sandbox-only admin routes


def _password(body: dict[str, Any]) -> str:
    password = body.get("Password")
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise validation(f"Password is required: at least {PASSWORD_MIN} characters.")
    return password


def signup(body: Any) -> Answer:
    """POST /sandbox/kashflow/sandbox/signup: a new user and its company, seeded."""
    body = rules.body_object(body)
    username = rules.text(body, "UserName", USERNAME_MAX, required=True)
    if any(c.isspace() for c in username):
        raise validation("UserName must not hold spaces.")
    password = _password(body)
    word = body.get("MemorableWord")
    if not isinstance(word, str) or len(word) < MEMORABLE_MIN or len(word) > 50 \
            or any(c.isspace() for c in word):
        raise validation(f"MemorableWord is required: {MEMORABLE_MIN} to 50 characters, no "
                         "spaces.")
    name = rules.text(body, "CompanyName", 100, required=True)
    with _signin_lock(store.user_key(username)):
        if store.user(username) is not None:
            raise Invalid("UserNameTaken", f"The user name {username} is already taken.", 409)
        company_id = store.create_company(name)
        store.save_user({"UserName": username, "CompanyId": company_id,
                         "PasswordHash": generate_password_hash(password),
                         "MemorableWord": seal(word), "Failures": 0, "Locked": False})
        kit_store.commit()
    return replies.answer({"UserName": username, "CompanyName": name}, 201)


def _user(username: str) -> dict[str, Any]:
    found = store.user(username)
    if found is None:
        raise Invalid("NotFound", f"No user {username} was found.", 404)
    return found


def change_password(username: str, body: Any) -> Answer:
    """The password changes and every session of the user ends (how tests withdraw access).
    It also unlocks the account: a reset is how a locked-out user gets back in."""
    body = rules.body_object(body)
    password = _password(body)
    user = _user(username)
    user |= {"PasswordHash": generate_password_hash(password), "Failures": 0, "Locked": False}
    end_sessions(store.user_key(username))
    store.save_user(user)
    kit_store.commit()
    return replies.answer({"UserName": user["UserName"]})


def lock(username: str) -> Answer:
    user = _user(username)
    user["Locked"] = True
    end_sessions(store.user_key(username))
    store.save_user(user)
    kit_store.commit()
    return replies.answer({"UserName": user["UserName"], "Locked": True})


def period_lock(username: str, body: Any) -> Answer:
    """Documents and payments dated on or before LockDate are refused (null: no lock)."""
    body = rules.body_object(body)
    user = _user(username)
    on = rules.a_date(body, "LockDate", required=False)
    found = store.company(user["CompanyId"]) or {}
    found["LockDate"] = on.isoformat() if on else None
    store.save_company(found)
    kit_store.commit()
    return replies.answer({"UserName": user["UserName"], "LockDate": found["LockDate"]})
