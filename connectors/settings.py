"""What a package declares about its own settings, so app/config.py can stay package-free."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One environment variable a package reads.

    `default` applies to a real install; `sandbox` (a template over `{sandbox}`, the package's
    local simulator under BASE_URL) replaces it in sandbox mode. None means "same as default".
    """

    name: str
    default: str = ""
    sandbox: str | None = None
    url: bool = False  # a trailing slash is dropped, so paths join cleanly


def resolve(
    settings: tuple[Setting, ...], env: Mapping[str, str], sandbox: bool, sandbox_url: str
) -> dict[str, str]:
    """Each setting's value: the environment's, else the (sandbox) default."""
    values: dict[str, str] = {}
    for s in settings:
        fallback = s.sandbox if sandbox and s.sandbox is not None else s.default
        value = env.get(s.name, fallback.format(sandbox=sandbox_url))
        values[s.name] = value.rstrip("/") if s.url else value
    return values
