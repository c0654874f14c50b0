"""Fuzz the SIE 4 parser and the CSV contract path for a bounded time; report executions and failures.

Targets (``--targets``, all by default; the ``--seconds`` budget is split between them by weight):

- ``sie``: the SIE 4 reader alone (:mod:`fuzz.sie`): generated valid files, mutated;
- ``sie_ingest``: SIE 4 ledgers through ``ingest_file`` (``finance_ledger``), against an organisation;
- ``hr_sick_leave``, ``finance_budget``, ``ridership_boardings``: generated valid ``;``-separated
  extracts, mutated cell by cell and byte by byte, through the real entry point
  ``ingest.landing.ingest_file`` (:mod:`fuzz.extracts`).

A target's share of the budget is for generating examples; shrinking a failure it found may take
up to a quarter of its share more (at most a minute per failure). Each target prints its
executions, rate, the outcomes (loaded, quarantined, duplicate, ...) and every distinct failure
with its smallest input, saved under ``<workdir>/failures/``. The command exits 1 when any target
found a failure (an exception other than the contract's, a broken property, a hang).

Usage (from the repository root)::

    .venv/bin/python -m fuzz --seconds 60                  # a minute, split over every target
    .venv/bin/python -m fuzz --seconds 600 --targets sie   # ten minutes of the SIE parser
    .venv/bin/python -m fuzz --seconds 60 --seed 7         # another (reproducible) sequence

This is a bounded fuzzing run, not a test: the regression tests it led to are in
``tests/test_fuzz_regressions.py``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from fuzz.engine import REPO_ROOT, SHRINK_SECONDS, fuzz, print_result

#: Relative share of the budget: the reader alone is fast, an ingest is some 0.1 s per file.
WEIGHTS = {"sie": 2.0, "sie_ingest": 1.0, "hr_sick_leave": 1.0, "finance_budget": 1.0, "ridership_boardings": 1.0}


def make_target(name: str):
    if name == "sie":
        from fuzz.sie import SieParserTarget

        return SieParserTarget()
    from fuzz.extracts import TARGETS

    return TARGETS[name]()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the whole budget, split between targets")
    parser.add_argument("--targets", nargs="+", choices=list(WEIGHTS), default=list(WEIGHTS), metavar="TARGET")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (the same seed repeats a run)")
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / ".fuzz", help="roots and failures (default .fuzz/)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.update({"DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"})
    logging.basicConfig(level=logging.ERROR)  # a quarantined file logs a warning each: thousands
    workdir: Path = args.workdir.resolve()
    shutil.rmtree(workdir / "roots", ignore_errors=True)
    shutil.rmtree(workdir / "failures", ignore_errors=True)
    total_weight = sum(WEIGHTS[name] for name in args.targets)
    started = time.monotonic()
    results = []
    print(f"fuzzing {', '.join(args.targets)} for {args.seconds:.0f} s in all (seed {args.seed}); work in {workdir}")
    for name in args.targets:
        target = make_target(name)
        setup_started = time.monotonic()
        target.setup(workdir / "roots" / name)
        setup = time.monotonic() - setup_started
        budget = args.seconds * WEIGHTS[name] / total_weight
        print(f"\n[{name}] set up in {setup:.1f} s; fuzzing for {budget:.0f} s ...", flush=True)
        result = fuzz(target, budget, seed=args.seed, shrink_seconds=min(SHRINK_SECONDS, max(10.0, budget / 4)))
        print_result(result, target, workdir / "failures")
        results.append(result)
        sys.stdout.flush()
    elapsed = time.monotonic() - started
    executions = sum(r.executions for r in results)
    failures = sum(len(r.failures) for r in results)
    print(
        f"\nTotal: {executions} executions in {elapsed:.0f} s over {len(results)} target(s) (weights {total_weight:g})"
    )
    for result in results:
        print(
            f"  {result.target:<22} {result.executions:>8} executions {result.seconds:>7.0f} s "
            f"{result.rate:>8.1f}/s  {len(result.failures)} failure(s)"
        )
    print(f"{failures} distinct failure(s)" + (f"; inputs in {workdir / 'failures'}" if failures else ""))
    return 1 if failures else 0
