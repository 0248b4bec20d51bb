"""The agent, run from its config file as `ledgerlink-agent run --once` runs it, that dies like
a killed process (os._exit: no clean-up, no flush of anything not yet on disk) at one moment of
its N-th record: right after Sage 50 wrote it ("written"), or once its result is in the journal
but before the ack left ("journalled").

python tests/sage50/dying_agent.py CONFIG N written|journalled
(exit 137 when it died there; the agent's own exit code if it never got that far)
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "agent"), str(ROOT)]

from ledgerlink_agent import cli  # noqa: E402
from ledgerlink_agent.journal import Journal  # noqa: E402
from ledgerlink_agent.writers import sdo  # noqa: E402

KILLED = 137


def main() -> int:
    config, n, moment = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seen = {"count": 0}
    if moment == "written":
        write = sdo.SdoWriter.write

        def dying_write(self, kind, payload):  # type: ignore[no-untyped-def]
            result = write(self, kind, payload)
            seen["count"] += 1
            if seen["count"] == n:
                os._exit(KILLED)
            return result

        sdo.SdoWriter.write = dying_write  # type: ignore[method-assign]
    else:
        record = Journal.record

        def dying_record(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            record(self, *args, **kwargs)
            seen["count"] += 1
            if seen["count"] == n:
                os._exit(KILLED)

        Journal.record = dying_record  # type: ignore[method-assign]
    return cli.serve(config, threading.Event(), once=True)


if __name__ == "__main__":
    sys.exit(main())
