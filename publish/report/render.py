"""Rendering the follow-up reports: the Jinja templates (publish/templates), one HTML file per report and
the index, written into a temporary sibling of the output directory and moved into place in one rename
(an atomic exchange when it already exists), so a reader sees the previous set or the new one.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from publish.report.data import Marts, ReportData, ReportError, read_marts
from publish.report.view import ReportBuilder, ReportIndex, report_rows
from publish.swedish import (
    DASH,
    NBSP,
)
from regionkpi.fsio import fsync_dir as _fsync_dir

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
INDEX = "index.html"
TMP_MARK = ".tmp-"


class ReportSet(list[Path]):
    """The paths of the written reports (a list), with the directory and its index page."""

    def __init__(self, reports: Iterable[Path], out_dir: Path) -> None:
        super().__init__(reports)
        self.out_dir = out_dir
        self.index = out_dir / INDEX


# Rendering ----------------------------------------------------------------------------------------


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # keep "högst 3,1 %" on one line: the words and the figure belong together
    environment.filters["nbsp"] = lambda text: str(text).replace(" ", NBSP)
    return environment


def _published(marts_db: Path, run_id: str | None, published_at: str | None) -> tuple[str, str]:
    """Run id and publication time: as given, else from the snapshot's manifest.json beside the file."""
    if run_id is None or published_at is None:
        try:
            manifest = json.loads((marts_db.parent / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        run_id = run_id or manifest.get("run_id")
        published_at = published_at or manifest.get("published_at")
    return run_id or DASH, _format_time(published_at)


def _format_time(value: str | None) -> str:
    """An ISO time as Swedish readers write it, in Swedish time when the time-zone database is there."""
    if not value:
        return DASH
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M (svensk tid)")
    except Exception:  # no tz database: say UTC
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    """Make ``tmp`` the report directory in one step: a rename when nothing is there yet, else an
    atomic exchange with the old set (which is then removed). Without renameat2 the old set is moved
    aside first, leaving an instant in which ``out_dir`` is missing, never half-written."""
    if not out_dir.exists() and not out_dir.is_symlink():
        os.replace(tmp, out_dir)
    elif _exchange(tmp, out_dir):
        shutil.rmtree(tmp)  # now holds the previous set
    else:
        aside = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out_dir, aside)
        os.replace(tmp, out_dir)
        if aside.is_symlink():
            aside.unlink()
        else:
            shutil.rmtree(aside, ignore_errors=True)
    _fsync_dir(out_dir.parent)


def render_reports(
    marts_db: Path,
    out_dir: Path,
    *,
    run_id: str | None = None,
    published_at: str | None = None,
    exports: Callable[[list[Path]], object] | None = None,
    export_kinds: Sequence[str] = (),
) -> ReportSet:
    """Render one follow-up report per region × organisation × period of ``fct_goal_fulfilment`` in the
    published ``marts_db`` into ``out_dir`` (replaced as a whole), plus ``out_dir/index.html``.

    ``run_id`` and ``published_at`` go into every footer; by default they are read from the
    snapshot's manifest.json next to ``marts_db``. ``exports`` is called with the written reports'
    paths while they are still in the temporary directory (the PDFs and workbooks beside them move into
    place with the HTML, in the same rename); ``export_kinds`` (``pdf``, ``xlsx``) are linked from the
    index. Returns the report paths (index excluded) as a :class:`ReportSet`, whose ``index`` is the
    index page. On any failure the previous set is untouched.
    """
    # `current/marts.duckdb` resolved once: the manifest read for the footer is then the data's snapshot
    marts_db, out_dir = Path(marts_db).resolve(), Path(out_dir)
    data = _read(marts_db)
    shown_run_id, shown_time = _published(marts_db, run_id, published_at)
    footer = {"run_id": shown_run_id, "published_at": shown_time}
    reports = report_rows(data)
    log.info("rendering %d follow-up report(s) from %s into %s", len(reports), marts_db, out_dir)

    environment = _environment()
    report_template = environment.get_template("report.html.j2")
    builder = ReportBuilder(data)
    written: list[Path] = []
    index = ReportIndex(export_kinds)
    with _new_report_set(out_dir) as tmp:
        for key, rows in sorted(reports.items()):
            context = {**builder.report(key, rows), "footer": footer, "index_href": "../../" + INDEX}
            relative = Path(key.region) / key.organisation / f"{key.period}.html"
            _write(tmp / relative, report_template.render(context))
            written.append(out_dir / relative)
            index.add(context, relative)
            log.debug("wrote %s", relative)
        index_page = environment.get_template("index.html.j2")
        _write(tmp / INDEX, index_page.render({"regions": index.regions(), "footer": footer, "total": len(written)}))
        if exports is not None:
            exports([tmp / path.relative_to(out_dir) for path in written])
    log.info("wrote %d follow-up report(s) and %s", len(written), out_dir / INDEX)
    return ReportSet(written, out_dir)


def _read(marts_db: Path) -> ReportData:
    if not marts_db.is_file():
        raise ReportError(f"no marts database at {marts_db}: publish first")
    try:
        with closing(duckdb.connect(str(marts_db), read_only=True)) as con:
            return read_marts(Marts(con))
    except duckdb.Error as error:
        raise ReportError(f"cannot read {marts_db}: {error}") from error


@contextmanager
def _new_report_set(out_dir: Path) -> Iterator[Path]:
    """A temporary sibling of ``out_dir`` to write the set into; moved into place when the block ends
    cleanly, removed on any failure (``out_dir`` is then left as it was)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        yield tmp
        _fsync_dir(tmp)
        _move_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publish.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("marts_db", type=Path, help="a published marts.duckdb (read-only)")
    parser.add_argument("out_dir", type=Path, help="directory for index.html and the reports (replaced)")
    parser.add_argument("--run-id", help="published run id for the footer (default: the snapshot's manifest)")
    parser.add_argument("--published-at", help="publication time, ISO 8601 (default: the snapshot's manifest)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        reports = render_reports(args.marts_db, args.out_dir, run_id=args.run_id, published_at=args.published_at)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(reports)} report(s); open {reports.index}")
    return 0
