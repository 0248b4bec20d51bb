"""A package is one folder: the config, the demo, the test conftests, the read-back and the
bench find packages through the registry and name none of them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from connectors import connector_class, package_keys, package_module
from tests.connectors.money_cases import package_hooks

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_FREE = [
    "app/config.py", "app/demo.py", "tests/conftest.py", "tests/sync/conftest.py",
    "tests/sync/readback.py", "tests/linking/conftest.py", "bench/push_throughput.py",
    "bench/fault_injection.py", "bench/pages_100k.py", "bench/ratesim.py",
    "bench/money_property.py", "tests/connectors/money_cases.py",
    "tests/connectors/test_money_property.py", "tests/connectors/test_money_over_http.py",
    "tests/fault_injection.py", "tests/sync/test_pipeline.py",
    # The connector contract suite every package passes names none of them.
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "contract").glob("*.py")),
    # The agent API serves any AgentPackage; the pull bench every pull package.
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "app" / "agent").glob("*.py")),
    "app/webconnector/contract.py", "app/webconnector/routes.py", "app/webconnector/setup.py",
    "app/sync/package_refs.py", "app/sync/handout.py", "app/sync/pull_health.py",
    "bench/pull_journeys.py", "bench/bench_env.py",
]


def _package_words() -> re.Pattern[str]:
    """Each registered package's key, title and the prefix of its settings (XERO_, QBO_...)."""
    words: set[str] = set()
    for key in package_keys():
        words.add(re.escape(key))
        words.add(re.escape(connector_class(key).title).replace(r"\ ", r"\s?"))
        for setting in package_module(key, "settings").SETTINGS:
            words.add(re.escape(setting.name.split("_", 1)[0]) + "_")
    return re.compile("|".join(sorted(words)), re.IGNORECASE)


def _names(path: Path, words: re.Pattern[str]) -> list[str]:
    """Identifiers, attributes and string constants (not docstrings or comments) naming one."""
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef) and n.body
            and isinstance(n.body[0], ast.Expr)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = None if id(node) in docs else node.value
        else:
            text = getattr(node, "id", None) or getattr(node, "attr", None)
        if isinstance(text, str) and words.search(text):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]!r}")
    return found


@pytest.mark.parametrize("relative", PACKAGE_FREE)
def test_names_no_package(relative: str) -> None:
    assert _names(ROOT / relative, _package_words()) == []


def test_the_check_sees_a_package_name() -> None:
    words = _package_words()
    assert words.search("XERO_API_URL") and words.search("quickbooks_online")
    assert words.search("QuickBooks Online") and words.search("QBO_MINOR_VERSION")


def test_every_package_declares_its_folder_parts() -> None:
    for key in package_keys():
        assert package_module(key, "settings").SETTINGS
        assert package_module(key, "demo").DEMO.tenant_name
        assert callable(package_module(key, "readback").read_books)
        if connector_class(key).mode == "push":  # the push bench's profile of its calls
            assert package_module(key, "bench").BENCH.api_paths
        # The money property test's two hooks (connectors/__init__.py); MissingHook says what
        # to add.
        package_hooks(key)
