"""The agent's loop: heartbeat, lists when due, lease, write each record, journal, ack.

One cycle (`cycle()`):
1. re-send results journalled but not yet acked (an earlier cycle's ack did not get through);
2. heartbeat (with the last writer error, so the bookkeeper sees why nothing arrives);
3. PUT the lists the server says are due, if the writer can read them;
4. lease a batch; for each record: a journalled final result is acked again, never re-written;
   check-first (asked by the server, or a write of ours that never finished) looks in Sage;
   otherwise write. Every result goes into the journal before it is acked, in chunks.
ServerUnavailable from any call ends the cycle; `run()` backs off and tries again; the journal
keeps what was not acked. Unauthorized stops the agent.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from . import __version__
from .api import AgentApi, RequestRefused, ServerUnavailable
from .backoff import Backoff
from .journal import Journal
from .writers.base import KINDS, Writer, WriteResult, WriterUnavailable, rejected, retry

log = logging.getLogger(__name__)

ACK_CHUNK = 25
# Stop starting new records this long before the lease runs out: an ack after it may be ignored
# and the records handed out again (harmless, thanks to the journal, but wasted work).
LEASE_MARGIN_SECONDS = 15


@dataclass
class CycleOutcome:
    leased: int = 0
    written: int = 0
    from_journal: int = 0
    found: int = 0
    retries: int = 0
    acked: int = 0
    unsent: int = 0
    batch_id: str | None = None
    poll_seconds: int | None = None
    writer_error: str = ""


class AgentLoop:
    def __init__(self, api: AgentApi, writer: Writer, journal: Journal, *, poll_seconds: int = 30,
                 max_records: int | None = None, backoff: Backoff | None = None,
                 ack_chunk: int = ACK_CHUNK, stop: threading.Event | None = None) -> None:
        self.api = api
        self.writer = writer
        self.journal = journal
        api.set_instance(journal.instance_id())
        self.poll_seconds = poll_seconds
        self.max_records = max_records
        self.backoff = backoff or Backoff()
        self.ack_chunk = max(1, ack_chunk)
        self.stop = stop or threading.Event()
        self.last_error = ""

    # -- one cycle ---------------------------------------------------------------------------
    def cycle(self) -> CycleOutcome:
        outcome = CycleOutcome()
        self.resend_unsent(outcome)
        info = self._open_writer()
        answer = self.api.heartbeat(agent_version=__version__, last_error=self.last_error, **info)
        if isinstance(answer.get("poll_seconds"), int) and answer["poll_seconds"] > 0:
            outcome.poll_seconds = answer["poll_seconds"]
        if self.last_error:
            # Sage cannot be reached: taking a batch would only let its lease run out.
            outcome.writer_error = self.last_error
            return outcome
        self._send_lists(answer.get("lists_due") or [])
        if self.last_error:
            outcome.writer_error = self.last_error
            return outcome
        lease = self.api.lease(self.max_records)
        records = lease.get("records") or []
        batch_id = lease.get("batch_id")
        if not batch_id or not records:
            return outcome
        outcome.batch_id = batch_id
        outcome.leased = len(records)
        log.info("batch %s: %d record(s)", batch_id, len(records))
        self.writer.start_batch(batch_id)
        lease_seconds = lease.get("lease_seconds")
        seconds = lease_seconds if isinstance(lease_seconds, int | float) else 300
        deadline = time.monotonic() + max(seconds - LEASE_MARGIN_SECONDS, seconds / 2)
        self._process(batch_id, records, outcome, deadline)
        outcome.unsent = self.journal.unsent_count()
        return outcome

    def _open_writer(self) -> dict[str, str]:
        try:
            self.writer.open()
            info = self.writer.describe()
        except WriterUnavailable as exc:
            self.last_error = str(exc)
            log.error("Sage 50 cannot be reached: %s", exc)
            return {"sage_version": "", "company_name": ""}
        self.last_error = ""
        return {"sage_version": info.get("sage_version", ""),
                "company_name": info.get("company_name", "")}

    def _send_lists(self, due: list[Any]) -> None:
        if not due:
            return
        try:
            available = self.writer.lists()
        except WriterUnavailable as exc:
            self.last_error = str(exc)
            return
        for name in due:
            if name not in available:
                continue
            try:
                stored = self.api.put_list(str(name), available[name])
            except RequestRefused as exc:
                # A list the server will not take must not stop records being written.
                log.error("the server refused Sage's %s list: %s", name, exc)
                continue
            log.info("sent Sage's %s list (%s stored)", name, stored.get("stored"))

    def _process(self, batch_id: str, records: list[dict[str, Any]], outcome: CycleOutcome,
                 deadline: float) -> None:
        pending: list[str] = []
        server_down: ServerUnavailable | None = None
        for record in records:
            if time.monotonic() > deadline or self.stop.is_set():
                log.info("batch %s: leaving the rest for the next lease", batch_id)
                break
            key = str(record.get("key") or "")
            if not key:
                log.warning("batch %s: a record without a key was skipped", batch_id)
                continue
            try:
                self._settle(batch_id, key, record, outcome)
            except WriterUnavailable as exc:
                # Sage went away mid-batch: stop writing; the rest go back when the lease ends.
                self.last_error = str(exc)
                outcome.writer_error = str(exc)
                log.error("Sage 50 stopped answering: %s", exc)
                break
            pending.append(key)
            if len(pending) >= self.ack_chunk and server_down is None:
                server_down = self._try_ack(batch_id, pending, outcome)
                pending = [] if server_down is None else pending
        if pending and server_down is None:
            server_down = self._try_ack(batch_id, pending, outcome)
        if server_down is not None:
            # Everything is journalled; the next cycle sends it first.
            raise server_down

    def _settle(self, batch_id: str, key: str, record: dict[str, Any],
                outcome: CycleOutcome) -> None:
        kind = str(record.get("kind") or "")
        payload = record.get("payload") or {}
        known = self.journal.final_result(key)
        if known is not None:
            log.info("%s %s: already %s (from the journal)", kind, key, known.status)
            self.journal.reassign(key, batch_id)
            outcome.from_journal += 1
            return
        result = self._write(batch_id, key, kind, payload, bool(record.get("check_first")),
                             outcome)
        self.journal.record(key, batch_id, kind, result)
        if result.status == "retry":
            outcome.retries += 1
        log.info("%s %s: %s %s", kind, key, result.status, result.reference or result.message)

    def _write(self, batch_id: str, key: str, kind: str, payload: Any, check_first: bool,
               outcome: CycleOutcome) -> WriteResult:
        if kind not in KINDS or not isinstance(payload, dict):
            return rejected(f"the agent does not know how to write a {kind or 'record'}")
        if check_first or self.journal.was_attempted(key):
            try:
                found = self.writer.find(kind, payload)
            except WriterUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - not knowing, writing could duplicate it
                log.exception("%s %s: could not look in Sage first", kind, key)
                return retry(f"the agent could not look in Sage for it first: {exc}")
            if found is not None:
                outcome.found += 1
                return WriteResult("exists", reference=found,
                                   note=self.writer.note_for(kind, payload))
        self.journal.attempt(key, batch_id, kind)
        try:
            result = self.writer.write(kind, payload)
        except WriterUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop the batch
            log.exception("%s %s: the writer failed", kind, key)
            return retry(f"the agent could not write it: {exc}")
        outcome.written += 1
        return result

    # -- acks --------------------------------------------------------------------------------
    def _try_ack(self, batch_id: str, keys: list[str],
                 outcome: CycleOutcome) -> ServerUnavailable | None:
        entries = self.journal.unsent().get(batch_id, [])
        wanted = set(keys)
        results = [(key, result) for key, result in entries if key in wanted]
        try:
            self._ack(batch_id, results, outcome)
        except ServerUnavailable as exc:
            log.warning("ack of batch %s not delivered (kept in the journal): %s", batch_id, exc)
            return exc
        return None

    def _ack(self, batch_id: str, results: list[tuple[str, WriteResult]],
             outcome: CycleOutcome) -> None:
        for start in range(0, len(results), self.ack_chunk):
            chunk = results[start:start + self.ack_chunk]
            keys = [key for key, _ in chunk]
            try:
                answer = self.api.ack(batch_id, [result.ack(key) for key, result in chunk])
            except RequestRefused as exc:
                # Read and refused (an unknown batch, say): re-sending it will not help. The
                # results stay journalled and go out again when the server hands the keys out.
                log.error("the server refused the ack of batch %s: %s", batch_id, exc)
                self.journal.mark_refused(keys, exc.detail)
                continue
            self.journal.mark_sent(keys)
            outcome.acked += int(answer.get("applied", len(chunk)) or 0)

    def resend_unsent(self, outcome: CycleOutcome | None = None) -> int:
        """Send what the journal holds unacked, oldest batch first; the number sent."""
        outcome = outcome or CycleOutcome()
        sent_before = outcome.acked
        for batch_id, results in self.journal.unsent().items():
            log.info("re-sending %d journalled result(s) of batch %s", len(results), batch_id)
            self._ack(batch_id, results, outcome)
        return outcome.acked - sent_before

    # -- running -----------------------------------------------------------------------------
    def run(self, *, once: bool = False) -> CycleOutcome:
        """Cycle until `stop` is set (or once). Unauthorized propagates: the caller stops."""
        while True:
            try:
                outcome = self.cycle()
            except (ServerUnavailable, RequestRefused) as exc:
                if once:
                    raise
                delay = self.backoff.next_delay()
                if isinstance(exc, RequestRefused):
                    log.error("Ledgerlink refused the agent's request (%s); trying again in "
                              "%.0f s", exc, delay)
                else:
                    log.warning("Ledgerlink cannot be reached (%s); trying again in %.0f s",
                                exc, delay)
                if self.stop.wait(delay):
                    return CycleOutcome()
                continue
            self.backoff.reset()
            if outcome.poll_seconds:
                self.poll_seconds = outcome.poll_seconds
            if once:
                return outcome
            # A batch that came back full may have more behind it: lease again straight away.
            # Not when Sage asked to wait (locked): that would hammer it and the server.
            busy = outcome.leased and not outcome.writer_error and not outcome.retries
            if self.stop.wait(0 if busy else self.poll_seconds):
                return outcome
