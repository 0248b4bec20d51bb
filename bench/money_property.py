"""Money, by property, at scale: 10,000 generated invoices (with credit notes and part payments)
per package, each checked the way tests/connectors/test_money_property.py checks 200: what the
connector would send, worked out by the package's own rounding (its sandbox's arithmetic),
against our totals. In-process, no HTTP, no database.

Prints, per package, the cases run and how many came out differently from ours (the goal is 0),
with the first few differing documents; never asserts. The same generated cases go to every
package, so their figures compare like with like.

    python bench/money_property.py [--examples 10000] [--package KEY] [--show 3] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import given, seed, settings  # noqa: E402

from connectors import package_keys  # noqa: E402
from tests.connectors.money_cases import (  # noqa: E402
    BENCH,
    Case,
    Hooks,
    MissingHook,
    cases,
    check,
    describe,
    our_records,
    package_hooks,
)


@dataclass
class Tally:
    hooks: Hooks
    run: int = 0
    differing: int = 0
    refused: int = 0  # of the differing, those the package would refuse outright
    lines: int = 0
    first: list[tuple[Case, list[str]]] = field(default_factory=list)


def run(keys: list[str], examples: int, show: int, seed_value: int) -> int:
    tallies: list[Tally] = []
    for key in keys:
        try:
            tallies.append(Tally(package_hooks(key)))
        except MissingHook as exc:
            print(f"{key}: not run: {exc}")
    if not tallies:
        return 1

    @seed(seed_value)
    @settings(settings.get_profile(BENCH), max_examples=examples)
    @given(cases())
    def every_package(case: Case) -> None:
        ours = our_records(case)
        for tally in tallies:
            problems = check(tally.hooks, case, ours)
            tally.run += 1
            tally.lines += sum(len(d.lines) for d in (case.invoice, case.credit_note) if d)
            if problems:
                tally.differing += 1
                tally.refused += any("refuses it" in p for p in problems)
                if len(tally.first) < show:
                    tally.first.append((case, problems))

    started = time.perf_counter()
    every_package()
    seconds = time.perf_counter() - started
    print(f"Money by property: {examples:,} cases per package (seed {seed_value}), "
          f"{seconds:.1f} s for all\n")
    print(f"{'package':<20} {'cases run':>10} {'lines':>9} {'penny differences':>18} "
          f"{'refused':>8}")
    for tally in tallies:
        print(f"{tally.hooks.key:<20} {tally.run:>10,} {tally.lines:>9,} "
              f"{tally.differing:>18,} {tally.refused:>8,}")
    for tally in tallies:
        for case, problems in tally.first:
            print(f"\n{tally.hooks.key}: {describe(case)}")
            for problem in problems:
                print(f"  {problem}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="cases per package")
    parser.add_argument("--package", choices=package_keys(), help="one package only")
    parser.add_argument("--show", type=int, default=3, help="differing documents to print")
    parser.add_argument("--seed", type=int, default=None, help="repeat a run (printed)")
    args = parser.parse_args()
    if args.examples < 1:
        parser.error("--examples must be at least 1")
    keys = [args.package] if args.package else package_keys()
    seed_value = args.seed if args.seed is not None else random.randrange(2**32)
    return run(keys, args.examples, args.show, seed_value)


if __name__ == "__main__":
    sys.exit(main())
