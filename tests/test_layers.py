"""The import layers (pyproject.toml's import-linter contracts) hold, and app/sync touches no
request code: nothing in the sync layer may depend on there being a web request."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUEST_NAMES = {"request", "session", "g", "abort", "redirect", "url_for", "make_response",
                 "render_template", "flash", "Blueprint", "has_request_context"}


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _flask_request_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            found += [f"{path.name}: {a.name}" for a in node.names if a.name in REQUEST_NAMES]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [f"{path.name}: {n}" for n in names if n and n.startswith("werkzeug")]
    return found


def test_the_sync_layer_imports_no_request_code() -> None:
    sync = sorted((ROOT / "app" / "sync").glob("*.py"))
    assert sync, "app/sync not found"
    assert [hit for path in sync for hit in _flask_request_imports(path)] == []


def test_the_request_check_sees_a_request_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from flask import current_app, request\n")
    assert _flask_request_imports(sample) == ["sample.py: request"]


def test_nothing_but_the_job_layer_imports_app_jobs_to_enqueue() -> None:
    """The queue is reached by job path (app/queue.py): that is what broke the cycle
    app.jobs -> app.sync.runs -> app.jobs (and the same through app.auth.reset)."""
    importers = []
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.ImportFrom) and node.module == "app.jobs") or (
                    isinstance(node, ast.Import) and any(a.name == "app.jobs" for a in node.names)):
                importers.append(str(path.relative_to(ROOT)))
    assert sorted(set(importers)) == ["app/cron.py"]


def test_every_job_path_names_a_job() -> None:
    """Queued by path, a misspelt job would only fail in the worker: every "app.jobs.<name>"
    written in app/ must be a function in app.jobs."""
    import app.jobs

    paths = {
        node.value
        for path in (ROOT / "app").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and node.value.startswith("app.jobs.")
    }
    assert {"app.jobs.send_data", "app.jobs.import_contacts",
            "app.jobs.send_password_reset"} <= paths
    missing = sorted(p for p in paths if not callable(getattr(app.jobs, p.rsplit(".", 1)[1], None)))
    assert missing == []
