"""The local journal (SQLite): no ack is lost, and no record is written into Sage twice.

Order of events for each record, and why:
1. `attempt(key)` before the writer touches Sage: if the agent dies mid-write, the next hand-out
   of that key looks in Sage first (check-first) even when the server did not ask for it.
2. `record(...)` the result BEFORE the ack is sent.
3. `mark_sent(keys)` only after the server answered 200.
Unsent results are re-sent first on the next loop. A key whose final result (created, exists,
rejected) is journalled is acked from the journal when handed out again, never written again.
A "retry" result is sent too but is not final: the next hand-out tries the write again.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from .writers.base import FINAL_STATUSES, WriteResult

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key        TEXT PRIMARY KEY,
    batch_id   TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT '',   -- '' while only attempted
    reference  TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL DEFAULT '',
    field      TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    attempted_at TEXT,
    written_at TEXT,
    sent_at    TEXT,
    refused    TEXT NOT NULL DEFAULT ''    -- the server's words when it refused the ack (4xx)
);
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Journal:
    """A file next to the agent; safe to open again after a crash (SQLite's own journalling)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One loop uses it at a time, but not always from the thread that opened it (a Windows
        # service opens it in one thread and runs the loop in another).
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        # Full synchronous writes: the point of the journal is to survive a power cut.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def instance_id(self) -> str:
        """This install's id, made the first time and kept with the journal: a restart is the
        same install, a copy of the config on another computer (with its own journal) is not."""
        found = self._db.execute("SELECT value FROM meta WHERE name = 'instance'").fetchone()
        if found:
            return str(found[0])
        made = uuid.uuid4().hex
        self._db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('instance', ?)",
                         (made,))
        return self.instance_id()

    def close(self) -> None:
        self._db.close()

    def attempt(self, key: str, batch_id: str, kind: str) -> None:
        """Note that a write of `key` is starting (see the module docstring, step 1)."""
        self._db.execute(
            "INSERT INTO results (key, batch_id, kind, attempted_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET batch_id=excluded.batch_id, "
            "attempted_at=excluded.attempted_at",
            (key, batch_id, kind, _now()))

    def was_attempted(self, key: str) -> bool:
        row = self._db.execute("SELECT attempted_at FROM results WHERE key=?", (key,)).fetchone()
        return bool(row and row[0])

    def record(self, key: str, batch_id: str, kind: str, result: WriteResult) -> None:
        """Keep a result (unsent) before it is acked; a later result for the key replaces it."""
        self._db.execute(
            "INSERT INTO results (key, batch_id, kind, status, reference, message, field, note, "
            "written_at, sent_at, refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '') "
            "ON CONFLICT(key) DO UPDATE SET batch_id=excluded.batch_id, kind=excluded.kind, "
            "status=excluded.status, reference=excluded.reference, message=excluded.message, "
            "field=excluded.field, note=excluded.note, written_at=excluded.written_at, "
            "sent_at=NULL, refused=''",
            (key, batch_id, kind, result.status, result.reference, result.message, result.field,
             result.note, _now()))

    def final_result(self, key: str) -> WriteResult | None:
        """The journalled outcome that must not be written again, if there is one."""
        row = self._db.execute(
            "SELECT status, reference, message, field, note FROM results WHERE key=?",
            (key,)).fetchone()
        if not row or row[0] not in FINAL_STATUSES:
            return None
        return WriteResult(status=row[0], reference=row[1], message=row[2], field=row[3],
                           note=row[4])

    def reassign(self, key: str, batch_id: str) -> None:
        """The key came back in a new batch: ack it (again) under that batch."""
        self._db.execute("UPDATE results SET batch_id=?, sent_at=NULL, refused='' WHERE key=?",
                         (batch_id, key))

    def unsent(self) -> dict[str, list[tuple[str, WriteResult]]]:
        """Results not yet acked, by batch, oldest first; those the server refused are left out
        (they wait for the key's next hand-out, which reassigns them)."""
        rows = self._db.execute(
            "SELECT batch_id, key, status, reference, message, field, note FROM results "
            "WHERE status != '' AND sent_at IS NULL AND refused = '' ORDER BY written_at, key"
        ).fetchall()
        batches: dict[str, list[tuple[str, WriteResult]]] = {}
        for batch_id, key, status, reference, message, field_, note in rows:
            result = WriteResult(status=status, reference=reference, message=message,
                                 field=field_, note=note)
            batches.setdefault(batch_id, []).append((key, result))
        return batches

    def mark_sent(self, keys: Iterable[str]) -> None:
        stamp = _now()
        self._db.executemany("UPDATE results SET sent_at=? WHERE key=?",
                             [(stamp, key) for key in keys])

    def mark_refused(self, keys: Iterable[str], words: str) -> None:
        self._db.executemany("UPDATE results SET refused=? WHERE key=?",
                             [(words or "refused", key) for key in keys])

    def unsent_count(self) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM results WHERE status != '' AND sent_at IS NULL").fetchone()
        return int(row[0])
