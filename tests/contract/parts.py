"""The per-package parts the contract suite needs, found through the registry; a package that
lacks one fails every contract test, naming what to write (tests/contract/README.md)."""

from __future__ import annotations

import ast
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

import pytest

from connectors import package_keys, package_module
from connectors.base import RejectReason
from connectors.contract import Provocation

ROOT = Path(__file__).resolve().parents[2]
REASONS: tuple[str, ...] = get_args(RejectReason)
README = "tests/contract/README.md"


def sandbox_hook(key: str) -> ModuleType:
    """sandboxes/<key>/contract.py, the sandbox's answers to the suite."""
    return import_module(f"sandboxes.{key}.contract")


def _part(key: str, part: str) -> ModuleType | None:
    """connectors/<key>/<part>.py, or None when there is none (a part that exists but fails to
    import raises: that is a bug in it, not a part to write)."""
    try:
        return package_module(key, part)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.endswith(f".{part}"):
            return None
        raise


def reasons_named_in_code(key: str) -> set[str]:
    """Every refusal reason written as a string in the connector's own modules: what it can
    give, whatever its errors module declares."""
    folder = ROOT / "connectors" / key
    named: set[str] = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and node.value in REASONS:
                named.add(node.value)
    return named


def lacks(key: str) -> list[str]:
    """What the package has yet to provide for the suite, in words; [] when it is complete."""
    found: list[str] = []
    demo = _part(key, "demo")
    if demo is None or not hasattr(demo, "DEMO"):
        found.append(f"connectors/{key}/demo.py: DEMO (its sandbox tenant and chart mapping)")
    else:
        mapping = demo.DEMO
        missing = [code for code in ("sales", "bank") if code not in mapping.accounts] + [
            code for code in ("standard", "zero") if code not in mapping.tax_rates]
        if missing:
            found.append(f"connectors/{key}/demo.py: DEMO maps none of {', '.join(missing)}")
    readback = _part(key, "readback")
    if readback is None or not callable(getattr(readback, "read_books", None)):
        found.append(f"connectors/{key}/readback.py: read_books(config, credentials, names)")
    bench = _part(key, "bench")
    if bench is None or not getattr(getattr(bench, "BENCH", None), "api_paths", None):
        found.append(f"connectors/{key}/bench.py: BENCH.api_paths (its API's paths)")
    errors = _part(key, "errors")
    declared = set(getattr(errors, "REJECT_REASONS", ()) or ())
    if errors is None or not declared:
        found.append(f"connectors/{key}/errors.py: REJECT_REASONS (the refusal reasons its "
                     "connector gives)")
    else:
        unknown = sorted(declared - set(REASONS))
        if unknown:
            found.append(f"connectors/{key}/errors.py: REJECT_REASONS has {unknown}, which "
                         "are not reasons of connectors.base.RejectReason")
        undeclared = sorted(reasons_named_in_code(key) - declared)
        if undeclared:
            found.append(f"connectors/{key}/errors.py: REJECT_REASONS leaves out {undeclared}, "
                         "which its code gives")
    try:
        hook = sandbox_hook(key)
    except ModuleNotFoundError as exc:
        if exc.name not in (f"sandboxes.{key}", f"sandboxes.{key}.contract"):
            raise
        found.append(f"sandboxes/{key}/contract.py: PROVOCATIONS and CONTACTS_PER_PAGE")
        return found
    provoked = {p.reason for p in getattr(hook, "PROVOCATIONS", ()) if isinstance(p, Provocation)}
    if not provoked:
        found.append(f"sandboxes/{key}/contract.py: PROVOCATIONS (how to provoke each refusal)")
    elif declared - provoked:
        found.append(f"sandboxes/{key}/contract.py: PROVOCATIONS for "
                     f"{', '.join(sorted(declared - provoked))}")
    if not isinstance(getattr(hook, "CONTACTS_PER_PAGE", None), int):
        found.append(f"sandboxes/{key}/contract.py: CONTACTS_PER_PAGE (contacts on one page of "
                     "the connector's contact list)")
    return found


def require_parts(key: str) -> None:
    """Fail the test now, naming every part the package lacks."""
    missing = lacks(key)
    if missing:
        pytest.fail(f"{key} cannot take the connector contract suite yet; it lacks "
                    + "; ".join(missing) + f" (see {README})", pytrace=False)


def provocation(key: str, reason: str) -> Provocation:
    hook: Any = sandbox_hook(key)
    return next(p for p in hook.PROVOCATIONS if p.reason == reason)


def all_packages() -> list[str]:
    return package_keys("push")  # the suite is about calling a package; pull ones are never called
