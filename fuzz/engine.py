"""Run one fuzz target for a bounded time with Hypothesis, and collect its distinct failures.

A :class:`Target` gives a Hypothesis strategy of examples and a property, :meth:`Target.check`, that
returns an outcome label (``loaded``, ``quarantined``, ...) or raises. :func:`fuzz` runs the
property on generated examples until its time is up:

- any exception is a failure; :class:`PropertyFailure` names a broken property, any other exception
  is an unexpected one (named by its type and the innermost frame of the project's code);
- an example that runs longer than the target's ``timeout`` is a failure ("hang");
- the first time a failure is seen, it is raised to Hypothesis, which shrinks it; the smallest
  failing example seen is kept per failure (by the target's ``size``), so a shrink cut short by the
  budget still leaves a small reproducer. A failure already shrunk is only counted after that, and
  generation goes on in a new Hypothesis run.

Everything is in one process and on the main thread (the timeout is ``SIGALRM``); a hang in native
code that never returns to Python is caught by ``faulthandler`` after four timeouts, which dumps the
stacks and ends the process (the example is then still on disk, see the target).
"""

from __future__ import annotations

import collections
import faulthandler
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The longest a found failure is shrunk before generation goes on.
SHRINK_SECONDS = 60.0


class PropertyFailure(AssertionError):
    """A fuzz property does not hold: ``name`` is the property (stable, it groups failures)."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name
        self.detail = detail


def require(condition: object, name: str, detail: str | Callable[[], str] = "") -> None:
    """Raise :class:`PropertyFailure` ``name`` unless ``condition`` holds (``detail`` may be lazy)."""
    if not condition:
        raise PropertyFailure(name, detail() if callable(detail) else detail)


class Target(Protocol):
    name: str
    #: Seconds one example may take before it counts as a hang.
    timeout: float

    def setup(self, workdir: Path) -> None:
        """Prepare what every example needs (a warehouse root with reference data, ...)."""
        ...

    def strategy(self) -> Any:
        """The Hypothesis strategy of examples."""
        ...

    def check(self, example: Any) -> str:
        """Run the property on one example: an outcome label, or an exception."""
        ...

    def size(self, example: Any) -> int:
        """How big an example is (the smallest failing one is kept)."""
        ...

    def reproducer(self, example: Any) -> bytes:
        """The example's input as the bytes of a file (what a regression test writes)."""
        ...

    def describe(self, example: Any) -> str:
        """The example in words (how it was built: the valid file and its mutations)."""
        ...


@dataclass
class Failure:
    signature: str
    error: str
    example: Any
    size: int
    count: int = 1
    traceback: str = ""


@dataclass
class Result:
    target: str
    executions: int = 0
    seconds: float = 0.0
    runs: int = 0
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: dict[str, Failure] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.executions / self.seconds if self.seconds else 0.0


class _OutOfTime(BaseException):
    """Ends a Hypothesis run: a BaseException, so Hypothesis neither catches nor shrinks it."""


class _Hang(BaseException):
    """Raised by SIGALRM inside an example; a BaseException, so no ``except Exception`` swallows it."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _Hang


def signature(error: BaseException) -> str:
    """What groups failures: the property's name, or the exception's type and innermost project frame."""
    if isinstance(error, PropertyFailure):
        return f"property: {error.name}"
    where = getattr(error, "where", None)  # an exception ingest caught and reported (fuzz.extracts)
    if isinstance(where, str):
        return f"internal error: {where}"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [
        f
        for f in frames
        if f.filename.startswith(str(REPO_ROOT))
        and "/.venv/" not in f.filename
        and not f.filename.startswith(str(REPO_ROOT / "fuzz"))
    ]
    where = (ours or frames)[-1] if frames else None
    if where is None:
        return type(error).__name__
    path = Path(where.filename)
    shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path.name
    return f"{type(error).__name__} at {shown}:{where.lineno} ({where.name})"


def _error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= 500 else text[:500] + " ..."


def _bind(function: Callable[[Any], None]) -> Callable[[Any], None]:
    """A plain one-argument function for ``@given`` (a fresh one per Hypothesis run)."""

    def example_test(example: Any) -> None:
        function(example)

    return example_test


def fuzz(target: Target, seconds: float, *, seed: int = 0, shrink_seconds: float = SHRINK_SECONDS) -> Result:
    """Fuzz ``target`` for ``seconds`` (set up beforehand); never raises for what the property finds."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as with_seed

    result = Result(target.name)
    started = time.monotonic()
    deadline = started + seconds
    shrunk: set[str] = set()  # failures Hypothesis has had its chance to shrink: only counted now
    previous_alarm = signal.signal(signal.SIGALRM, _on_alarm)

    found: dict[str, float] = {}  # failures first raised in the current Hypothesis run, and when
    while time.monotonic() < deadline:
        found.clear()

        def execute(example: Any) -> None:
            now = time.monotonic()
            if now >= deadline and not found:
                raise _OutOfTime
            if found and now >= min(found.values()) + shrink_seconds:
                raise _OutOfTime
            result.executions += 1
            faulthandler.dump_traceback_later(target.timeout * 4, exit=True)
            signal.setitimer(signal.ITIMER_REAL, target.timeout)
            began = time.monotonic()
            try:
                try:
                    outcome = target.check(example)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    faulthandler.cancel_dump_traceback_later()
                took = time.monotonic() - began
                # SIGALRM cannot stop native code (DuckDB): an example that returned late is a hang too
                require(took <= target.timeout, "hang", f"an example ran {took:.0f} s (limit {target.timeout:.0f} s)")
            except _Hang:
                error: Exception = PropertyFailure("hang", f"an example ran longer than {target.timeout:.0f} s")
            except Exception as raised:
                error = raised
            else:
                result.outcomes[outcome] += 1
                return
            key = signature(error)
            size = target.size(example)
            known = result.failures.get(key)
            if known is None:
                result.failures[key] = Failure(key, _error_text(error), example, size, 1, traceback.format_exc())
            else:
                known.count += 1
                if size < known.size:
                    known.example, known.size, known.error = example, size, _error_text(error)
            if key in shrunk:
                return
            found.setdefault(key, time.monotonic())
            raise error

        test = given(target.strategy())(_bind(execute))
        test = with_seed(seed * 1_000_003 + result.runs)(test)
        test = settings(
            max_examples=10**9,
            deadline=None,
            database=None,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=True,
            print_blob=False,
        )(test)
        result.runs += 1
        try:
            test()
        except _OutOfTime:
            pass
        except Exception:  # what Hypothesis reports after shrinking: already recorded
            if not found:  # not from the property: the harness itself is broken
                raise
        shrunk.update(found)
        if not found and time.monotonic() < deadline:
            break  # Hypothesis ended by itself: the search space is exhausted
    signal.signal(signal.SIGALRM, previous_alarm)
    result.seconds = time.monotonic() - started
    return result


def print_result(result: Result, target: Target, out_dir: Path | None, file: Any = None) -> None:
    """Per target: executions, rate, outcomes and each distinct failure with its smallest example."""
    file = file or sys.stdout
    outcomes = ", ".join(f"{label} {count}" for label, count in sorted(result.outcomes.items()))
    print(
        f"\n{result.target}: {result.executions} executions in {result.seconds:.0f} s "
        f"({result.rate:.1f}/s, {result.runs} Hypothesis run(s)); {len(result.failures)} distinct failure(s)",
        file=file,
    )
    print(f"  outcomes: {outcomes or '-'}", file=file)
    for index, failure in enumerate(result.failures.values(), start=1):
        data = target.reproducer(failure.example)
        shown = repr(data) if len(data) <= 400 else repr(data[:400]) + f" ... ({len(data)} bytes)"
        print(f"  FAILURE {index}: {failure.signature} (seen {failure.count} time(s))", file=file)
        print(f"    {failure.error}", file=file)
        print(f"    smallest input ({len(data)} bytes): {shown}", file=file)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            stem = out_dir / f"{result.target}-{index}"
            stem.with_suffix(".bin").write_bytes(data)
            stem.with_suffix(".txt").write_text(
                f"{failure.signature}\n{failure.error}\n\n{target.describe(failure.example)}\n\n{failure.traceback}",
                encoding="utf-8",
            )
            print(f"    saved: {stem}.bin (input), {stem}.txt (traceback)", file=file)
