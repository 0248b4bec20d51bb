"""The two secrets a Ledgerlink install needs, and where a development install keeps them.

SECRET_KEY signs sessions, remember-me cookies, CSRF tokens and reset links; ENCRYPTION_KEY
(Fernet) encrypts package tokens at rest. A published default would let anyone forge a session
or decrypt a database dump, so there is none: production must set both, and `make run` (sandbox
mode) makes random ones once and keeps them in instance/, readable by this user only.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import MutableMapping
from pathlib import Path

from cryptography.fernet import Fernet

from app.config import INSTANCE_DIR

KEY_FILES = {"SECRET_KEY": "secret_key", "ENCRYPTION_KEY": "encryption_key"}


class MissingKeys(RuntimeError):
    """Production start without the secrets it must be given."""


def _new_value(name: str) -> str:
    return Fernet.generate_key().decode() if name == "ENCRYPTION_KEY" else secrets.token_hex(32)


def instance_keys(directory: Path = INSTANCE_DIR) -> dict[str, str]:
    """The development keys kept under `directory`, made (randomly, once) if missing."""
    directory.mkdir(parents=True, exist_ok=True)
    found: dict[str, str] = {}
    for name, filename in KEY_FILES.items():
        path = directory / filename
        if not path.exists() or not path.read_text().strip():
            # O_EXCL: two processes starting at once keep whichever key was written first.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(_new_value(name) + "\n")
        found[name] = path.read_text().strip()
    return found


def export_instance_keys(env: MutableMapping[str, str], directory: Path = INSTANCE_DIR) -> None:
    """For `make run`: every process it starts reads the same keys from the environment.
    Keys already set in the environment win."""
    for name, value in instance_keys(directory).items():
        if not env.get(name):
            env[name] = value


# Values once published as defaults or examples: anyone could sign sessions with them.
PUBLIC_SECRETS = {"dev-only-not-secret", "test-secret-key", "bench-secret-key", "changeme"}


def check_keys(config: MutableMapping[str, object]) -> None:
    """Refuse a production start (SANDBOX_MODE not 1) without SECRET_KEY and ENCRYPTION_KEY,
    with a published SECRET_KEY, or with an ENCRYPTION_KEY that is not a Fernet key."""
    if config.get("SANDBOX_MODE"):
        return
    missing = [name for name in KEY_FILES if not str(config.get(name) or "").strip()]
    if not missing and str(config["SECRET_KEY"]).strip() in PUBLIC_SECRETS:
        raise MissingKeys("Ledgerlink will not start with a published SECRET_KEY: set it to a "
                          "long random string of your own.")
    if not missing:
        for key in str(config["ENCRYPTION_KEY"]).split(","):
            try:
                Fernet(key.strip().encode())
            except ValueError as exc:
                raise MissingKeys(
                    "ENCRYPTION_KEY is not a Fernet key (44 characters of URL-safe base64; "
                    "several may be given, comma-separated). Make one with python -c 'from "
                    "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
                ) from exc
    if missing:
        raise MissingKeys(
            "Ledgerlink will not start without " + " and ".join(missing) + ". Set "
            + ("them" if len(missing) > 1 else "it") + " in the environment: SECRET_KEY to a "
            "long random string (python -c 'import secrets; print(secrets.token_hex(32))'), "
            "ENCRYPTION_KEY to a Fernet key (python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())'). For a local trial with the "
            "sandboxes use `make run`, which makes both for you."
        )
