"""What the push bench (bench/push_throughput.py) needs to know about a package's sandbox and
its real limits; each package declares one in connectors/<key>/bench.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

KILL_MIX = {"customers": 20, "invoices": 80, "payments": 30, "credit_notes": 10}


@dataclass(frozen=True)
class BenchProfile:
    # Request paths under /sandbox/<key>/ that are API calls, and that are OAuth token calls.
    api_paths: tuple[str, ...]
    oauth_path: str
    batch: int  # records per create request, as the connector sends them
    # The package's own limits (not our budget under them): rolling windows of
    # (calls, seconds, batch calls only), and the same in words.
    windows: tuple[tuple[int, float, bool], ...]
    limit_words: str
    concurrency: int
    # (calls, what they are): the calls beyond one create per batch that linking credits needs.
    extra_floor: Callable[[dict[str, int]], tuple[int, str]]
    # A recorded request path under /sandbox/<key>/ -> its endpoint with ids starred.
    endpoint: Callable[[str], str]
    batch_path: str = ""  # request paths ending so are batch calls ("": none)
    # The records the SIGKILL end-to-end test (tests/sync/test_pipeline.py) sends: enough
    # calls to be interrupted mid-run, few enough to stay inside one minute of the limits.
    kill_mix: dict[str, int] = field(default_factory=lambda: dict(KILL_MIX))
