"""A package added on the platform is one folder (two, with its simulator): the issue-9 test.

Every commit that touches a new package's folders may touch, besides them, only its own line of
the registry, the README, its own migration and its own test files (named for it, and created by
one of its commits). A package is "new" when its connector folder first appeared after the
platform's first commit (the one that made sandboxes/kit/): the two packages written before the
platform are not judged by it.

Read from git history, so it needs a clone with history (CI's clean clone has it); without git it
is skipped, saying so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from connectors import package_keys

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = "connectors/__init__.py"


def _git(*args: str, root: Path = ROOT) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def _has_history() -> bool:
    if shutil.which("git") is None:
        return False
    try:
        return _git("rev-parse", "--is-shallow-repository").strip() == "false"
    except subprocess.CalledProcessError:
        return False


pytestmark = pytest.mark.skipif(not _has_history(), reason="needs a git clone with history")


def violations(key: str, root: Path = ROOT) -> list[str] | None:
    """What a new package's commits touch outside its own parts; None for an older package."""

    def git(*args: str) -> str:
        return _git(*args, root=root)

    base = git("log", "--format=%H", "--reverse", "--diff-filter=A", "--", "sandboxes/kit").split()
    first = git("log", "--format=%H", "--reverse", "--", f"connectors/{key}").split()
    if not base or not first:
        return None  # no platform yet, or the package is not committed: nothing to judge
    older = subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", first[0],
                            base[0]], capture_output=True, check=False, timeout=60)
    if older.returncode == 0:
        return None  # written before the platform
    found: list[str] = []
    commits = git("log", "--no-merges", "--format=%H", "--",
                  f"connectors/{key}", f"sandboxes/{key}").split()
    for commit in commits:
        for line in git("show", "--format=", "--name-status", "--no-renames",
                        commit).splitlines():
            status, path = line.split("\t")[0][0], line.split("\t")[-1]
            made = git("log", "--format=%H", "--reverse", "--diff-filter=A", "--", path).split()
            if not allowed(key, path, bool(made) and (made[0] in commits
                                                       or _after(first[0], made[0], root))):
                found.append(f"{commit[:8]} {status} {path}")
            if path == REGISTRY:
                diff = git("show", "--format=", "-U0", commit, "--", REGISTRY).splitlines()
                found += [f"{commit[:8]} registry {d}" for d in diff
                          if d[:1] in "+-" and not d.startswith(("+++", "---"))
                          and f'"{key}":' not in d]
    return found


def _after(first: str, made: str, root: Path) -> bool:
    """Was `made` committed on top of `first` (a file created once the package was begun, in a
    commit of tests alone, is the package's too)?"""
    return subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", first, made],
                          capture_output=True, check=False, timeout=60).returncode == 0


def allowed(key: str, path: str, its_own: bool) -> bool:
    """May a commit of package `key` touch this path? (`its_own`: the file was created by one of
    the package's commits, or after its first one)"""
    own = (f"connectors/{key}/", f"sandboxes/{key}/")
    if path.startswith(own) or path in ("README.md", REGISTRY):
        return True
    name = path.rsplit("/", 1)[-1]
    if path.startswith("migrations/versions/") and key in name:
        return True
    return its_own and path.startswith("tests/") and key in path


@pytest.mark.parametrize("key", package_keys())
def test_a_new_package_touches_only_its_folders(key: str) -> None:
    found = violations(key)
    if found is None:
        pytest.skip(f"{key} predates the platform")
    assert found == [], f"{key}'s commits touch files outside its folders"
    lines = (ROOT / REGISTRY).read_text().splitlines()
    assert len([line for line in lines if f'"{key}":' in line]) == 1


def test_the_check_sees_a_package_commit_that_reaches_outside(tmp_path: Path) -> None:
    def commit(files: dict[str, str], message: str) -> None:
        for name, text in files.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text)
        _git("add", "-A", root=tmp_path)
        _git("-c", "user.email=t@example.test", "-c", "user.name=t", "commit", "-qm", message,
             root=tmp_path)

    _git("init", "-q", root=tmp_path)
    commit({"connectors/old/a.py": "", REGISTRY: '"old": "x",\n'}, "an older package")
    commit({"sandboxes/kit/__init__.py": ""}, "the platform")
    commit({"connectors/acme/a.py": "", "tests/test_acme.py": "",
            REGISTRY: '"old": "x",\n"acme": "y",\n'}, "acme, one folder")
    assert violations("old", tmp_path) is None
    assert violations("acme", tmp_path) == []
    commit({"connectors/acme/b.py": "", "app/config.py": "ACME = 1\n",
            REGISTRY: '"old": "z",\n"acme": "y",\n'}, "acme reaches outside")
    found = violations("acme", tmp_path) or []
    assert [f.split(" ", 1)[1] for f in found] == [
        "A app/config.py", 'registry -"old": "x",', 'registry +"old": "z",']


def test_the_rule_allows_only_the_package_its_own_parts() -> None:
    assert allowed("acme", "connectors/acme/client.py", False)
    assert allowed("acme", "sandboxes/acme/rules.py", False)
    assert allowed("acme", "migrations/versions/acme_01.py", True)
    assert allowed("acme", "tests/connectors/test_acme_payloads.py", True)
    assert not allowed("acme", "tests/connectors/test_acme_payloads.py", False)
    assert not allowed("acme", "app/config.py", False)
    assert not allowed("acme", "sandboxes/kit/store.py", False)
    assert not allowed("acme", "migrations/versions/other_01.py", True)
