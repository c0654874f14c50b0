"""Reading large extracts in chunks, with vectorised cell parsing: bounded memory at any file size.

The ledger of a large region holds millions of postings a year. :func:`read_chunks` streams a
``;``-separated file a block of bytes at a time and yields parsed chunks of at most ``chunk_rows``
rows; every cell that breaks its rule becomes a :class:`~ingest.contract.Violation` with the file's
line number, exactly as :func:`ingest.contract.read_extract` reports them.

Two readers give the same chunks:

* The **exact** reader is Python's ``csv`` module over a text stream (any codec). It is the
  reference: its line numbers are physical lines (``\\r``, ``\\n`` and ``\\r\\n`` end a line), a quoted
  value may span lines, and a malformed row is reported and skipped.
* The **fast** reader cuts the file into blocks at line ends, transcodes each block to UTF-8 and
  parses it with Arrow's CSV reader. It is used only where it provably numbers rows exactly: a block
  goes to Arrow when every quoted line is well-formed and closed on its own line, no line ends in a
  lone ``\\r``, no line is longer than the ``csv`` field limit, and Arrow returns one row per non-blank
  line (so row *i* of the block is its *i*-th non-blank line). Any other block is parsed by the
  ``csv`` module from the same text, with the same line offset; if that block ends inside a quoted
  value (or does not decode) the exact reader takes over from the block's first line to the end of
  the file. Every earlier block ended on a row boundary, so the result is the same as reading the
  whole file with the exact reader; nothing already yielded has to be taken back.

Cells are parsed column-wise in Arrow compute (trimming, number shapes and decimal commas); periods,
dates and whole numbers are parsed once per distinct value. Cells whose number text is not ASCII
(rare: non-Latin digits) go through the pandas reference parse, so results do not depend on the path.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ingest.contract import Violation, normalise_header

log = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 250_000
#: Cells are held as Arrow strings: vectorised string operations run in Arrow, not per Python object.
TEXT = "string[pyarrow]"
MAX_CELL_VIOLATIONS = 200

_GROUPING = r"[ \u00a0\u202f]"
_NUMBER = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|[+-]?\d+\.\d+"

#: Bytes read per block by the fast reader (cut back to the last line end).
BLOCK_BYTES = 1 << 20
#: A line longer than this (no line end in sight) hands the rest of the file to the exact reader.
_MAX_LINE_BYTES = 64 << 20
#: Reference cycles are collected when Arrow memory grew by this many chunks (and at least the bytes).
_GC_GROWTH_CHUNKS = 2
_GC_GROWTH_MIN_BYTES = 64 << 20
#: Codecs in which ``\n``, ``\r``, ``"`` and ``;`` are single bytes that occur only as themselves.
_BYTE_SCANNABLE = {"utf-8", "utf-8-sig", "cp1252", "iso8859-1", "iso8859-15", "ascii"}
#: A single-line record as the ``csv`` module reads it in strict mode (used on lines holding a quote).
_FIELD = r'(?:"(?:[^"]|"")*"|[^";\r\n][^;\r\n]*)?'
_QUOTED_LINE = rf"^{_FIELD}(?:;{_FIELD})*\r?\n?$"


@dataclass(frozen=True)
class Field:
    """One column of a chunked extract: header as delivered, name it gets, and its kind.

    Kinds: ``text`` (trimmed, empty = missing), ``number`` (decimal comma, optional grouping),
    ``integer``, ``period`` (``YYYYMM`` -> first day of the month), ``date`` (``YYYY-MM-DD`` or
    ``YYYYMMDD``), ``timestamp`` (``YYYY-MM-DD HH:MM[:SS]``, a ``T`` allowed between date and time;
    local time, no zone). ``max_decimals`` limits a number's decimals (öre: 2).
    """

    header: str
    name: str
    kind: str = "text"
    required: bool = True
    max_decimals: int | None = None


@dataclass
class Chunk:
    """A parsed chunk: typed columns plus ``line_no``, and the violations found in it."""

    frame: pd.DataFrame
    violations: list[Violation] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    ignored_headers: list[str] = field(default_factory=list)


# A piece of rows on its way to a chunk: one Arrow string column per wanted position, and line numbers.
_Rows = tuple[list[pa.Array | pa.ChunkedArray], np.ndarray]


def read_chunks(
    path: Path,
    encoding: str,
    fields: Sequence[Field],
    *,
    one_of: Sequence[Sequence[Sequence[str]]] = (),
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[Chunk]:
    """Yield the file as parsed chunks of at most ``chunk_rows`` rows.

    A header that breaks the contract yields one chunk with no rows and the header violations, and
    nothing more. ``one_of`` lists groups of alternatives (each a list of field names) of which at
    least one alternative must be complete in the header. The last chunk may have no rows.
    """
    codec = _codec_name(encoding)
    start = _header_line(path, codec) if codec in _BYTE_SCANNABLE else None
    if start is None:
        yield from _read_exact(path, encoding, fields, one_of=one_of, chunk_rows=chunk_rows)
        return
    header_row, body_offset = start
    positions, headers, ignored, violations = _match_header(header_row, _by_header(fields), fields, one_of)
    if violations:
        yield Chunk(pd.DataFrame(), violations, headers, ignored)
        return
    assembler = _Assembler(fields, positions, headers, ignored, chunk_rows)
    for event in _fast_events(path, codec, body_offset, len(header_row), assembler.wanted, chunk_rows):
        yield from assembler.feed(event)
    yield assembler.finish()


def _read_exact(
    path: Path,
    encoding: str,
    fields: Sequence[Field],
    *,
    one_of: Sequence[Sequence[Sequence[str]]] = (),
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[Chunk]:
    """The reference reader: Python's ``csv`` module over the whole file (same chunks as the fast one)."""
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = _csv_reader(handle)
        try:
            header_row = next(reader)
        except StopIteration:
            yield Chunk(pd.DataFrame(), [Violation("the file is empty (a header row is required)", line=1)])
            return
        except csv.Error as error:
            yield Chunk(pd.DataFrame(), [Violation(f"unreadable header row: {error}", line=1)])
            return
        positions, headers, ignored, violations = _match_header(header_row, _by_header(fields), fields, one_of)
        if violations:
            yield Chunk(pd.DataFrame(), violations, headers, ignored)
            return
        assembler = _Assembler(fields, positions, headers, ignored, chunk_rows)
        for event in _csv_events(reader, 0, len(header_row), assembler.wanted, chunk_rows, stop_at_error=False):
            yield from assembler.feed(event)
        yield assembler.finish()


def _by_header(fields: Sequence[Field]) -> dict[str, Field]:
    return {normalise_header(f.header): f for f in fields}


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def _csv_reader(lines: Iterable[str]) -> Any:
    return csv.reader(lines, delimiter=";", quotechar='"', strict=True)


def _match_header(
    header_row: list[str],
    by_header: dict[str, Field],
    fields: Sequence[Field],
    one_of: Sequence[Sequence[Sequence[str]]],
) -> tuple[dict[str, int], dict[str, str], list[str], list[Violation]]:
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    violations: list[Violation] = []
    for index, raw in enumerate(header_row):
        column = by_header.get(normalise_header(raw))
        if column is None:
            if raw.strip():
                ignored.append(raw.replace("\ufeff", "").strip())
            continue
        if column.name in positions:
            violations.append(Violation(f"column '{column.header}' appears twice in the header", line=1))
        positions[column.name] = index
        headers[column.name] = raw.replace("\ufeff", "").strip()
    for column in fields:
        if column.required and column.name not in positions:
            violations.append(Violation(f"required column '{column.header}' is missing from the header", line=1))
    names = {f.name: f.header for f in fields}
    for group in one_of:
        if not any(all(name in positions for name in alternative) for alternative in group):
            described = " or ".join("+".join(names[n] for n in alternative) for alternative in group)
            violations.append(Violation(f"one of these column sets is required: {described}", line=1))
    return positions, headers, ignored, violations


# --------------------------------------------------------------------------------------------------
# Row sources: the csv module (exact) and Arrow blocks (fast). Both emit pieces of rows and violations.
# --------------------------------------------------------------------------------------------------


class _Unfinished(Exception):
    """A block the csv module could not read to its end on its own (for example a quoted newline
    across the block's end): the exact reader must take over from the block's start."""


def _csv_events(
    reader: Any,
    line_offset: int,
    width: int,
    wanted: list[int],
    batch_rows: int,
    *,
    stop_at_error: bool,
) -> Iterator[_Rows | Violation]:
    """Rows (and row violations) as the csv module reads them; line numbers shifted by ``line_offset``.

    A malformed record ends the reading with an ``unreadable CSV`` violation, as the whole-file read
    reports it; with ``stop_at_error`` it raises :class:`_Unfinished` instead (the caller re-reads
    from elsewhere).
    """
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if len(row) != width:
                if any(cell.strip() for cell in row):
                    if rows:
                        yield _python_rows(rows, lines, wanted)
                        rows, lines = [], []
                    yield Violation(
                        f"row has {len(row)} fields, the header has {width}", line=reader.line_num + line_offset
                    )
                continue
            rows.append(row)
            lines.append(reader.line_num + line_offset)
            if len(rows) >= batch_rows:
                yield _python_rows(rows, lines, wanted)
                rows, lines = [], []
    except csv.Error as error:
        if stop_at_error:
            raise _Unfinished(str(error)) from error
        if rows:
            yield _python_rows(rows, lines, wanted)
            rows, lines = [], []
        yield Violation(f"unreadable CSV: {error}", line=reader.line_num + line_offset)
    if rows:
        yield _python_rows(rows, lines, wanted)


def _python_rows(rows: list[list[str]], lines: list[int], wanted: list[int]) -> _Rows:
    columns = [pa.array([row[i] for row in rows], type=pa.large_string()) for i in wanted]
    return columns, np.asarray(lines, dtype=np.int64)


def _header_line(path: Path, codec: str) -> tuple[list[str], int] | None:
    """The header row and the byte offset of the body, when the header is one clean physical line.

    None sends the file to the exact reader (empty file, undecodable or multi-line header, ...).
    """
    head = b""
    with path.open("rb") as handle:
        while (end := head.find(b"\n")) < 0 and (more := handle.read(1 << 20)):
            head += more
            if len(head) > _MAX_LINE_BYTES:
                return None
    line = head if end < 0 else head[: end + 1]
    try:
        text = line.decode(codec)
    except UnicodeDecodeError:
        return None
    core = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text
    if not text or "\r" in core or "\n" in core:
        return None
    try:
        rows = list(_csv_reader([text]))
    except csv.Error:
        return None
    if len(rows) != 1:
        return None
    return rows[0], len(line)


def _fast_events(
    path: Path, codec: str, offset: int, width: int, wanted: list[int], batch_rows: int
) -> Iterator[_Rows | Violation]:
    """The body from byte ``offset`` (line 2), block by block: Arrow where exact, else the csv module."""
    body_codec = "utf-8" if codec == "utf-8-sig" else codec  # a BOM is only special at the file start
    names = [f"c{i}" for i in range(width)]
    options = _arrow_options(names, [names[i] for i in wanted])
    line = 2
    stats = {"arrow": 0, "csv": 0}
    with path.open("rb") as handle:
        handle.seek(offset)
        carry = b""
        while True:
            data = handle.read(BLOCK_BYTES)
            buffer = carry + data if carry else data
            if data:
                cut = buffer.rfind(b"\n") + 1
                if cut == 0:
                    if len(buffer) > _MAX_LINE_BYTES:
                        break  # no line end in sight: the exact reader handles it, from this block
                    carry = buffer
                    continue
                block, carry = buffer[:cut], buffer[cut:]
            else:
                block, carry = buffer, b""
            if not block:
                _log_stats(path, stats, None)
                return
            events: list[_Rows] | list[_Rows | Violation]
            try:
                is_utf8 = body_codec == "utf-8"
                utf8 = block if is_utf8 else block.decode(body_codec).encode("utf-8")
                events, lines = _arrow_block(utf8, line, options, wanted, validate=is_utf8)
                stats["arrow"] += 1
            except (_Dirty, UnicodeDecodeError):
                try:
                    events = _csv_block(block, body_codec, line, width, wanted, batch_rows)
                    lines = _physical_lines(block)
                    stats["csv"] += 1
                except (_Unfinished, UnicodeDecodeError):
                    break
            yield from events
            offset += len(block)
            line += lines
            if not data:
                _log_stats(path, stats, None)
                return
    _log_stats(path, stats, line)
    with path.open("rb") as handle:
        handle.seek(offset)
        text = io.TextIOWrapper(handle, encoding=body_codec, newline="")
        yield from _csv_events(_csv_reader(text), line - 1, width, wanted, batch_rows, stop_at_error=False)


def _log_stats(path: Path, stats: dict[str, int], exact_from: int | None) -> None:
    tail = f"; the csv module read the rest from line {exact_from}" if exact_from is not None else ""
    log.log(
        logging.INFO if exact_from is not None else logging.DEBUG,
        "%s: %d block(s) parsed by Arrow, %d by the csv module%s",
        path.name,
        stats["arrow"],
        stats["csv"],
        tail,
    )


class _Dirty(Exception):
    """A block Arrow cannot number exactly; the csv module reads it instead."""


def _arrow_options(
    names: list[str], include: list[str]
) -> tuple[pa_csv.ReadOptions, pa_csv.ParseOptions, pa_csv.ConvertOptions]:
    return (
        pa_csv.ReadOptions(column_names=names, block_size=1 << 20, use_threads=False),
        pa_csv.ParseOptions(
            delimiter=";", quote_char='"', double_quote=True, escape_char=False, newlines_in_values=False
        ),
        pa_csv.ConvertOptions(
            column_types={name: pa.large_string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            include_columns=include,
        ),
    )


def _arrow_block(
    utf8: bytes,
    first_line: int,
    options: tuple[pa_csv.ReadOptions, pa_csv.ParseOptions, pa_csv.ConvertOptions],
    wanted: list[int],
    *,
    validate: bool,
) -> tuple[list[_Rows], int]:
    """Parse one block of whole lines (UTF-8) with Arrow: its rows and its number of lines.

    Raises :class:`_Dirty` where Arrow's rows would not be the csv module's rows, one per line.
    """
    if validate:  # Arrow checks only the columns it converts; the csv module decodes every byte
        whole = pa.StringArray.from_buffers(
            1, pa.py_buffer(np.array([0, len(utf8)], dtype=np.int32)), pa.py_buffer(utf8)
        )
        try:
            whole.validate(full=True)
        except pa.ArrowInvalid as error:
            raise _Dirty("not UTF-8") from error
    data = np.frombuffer(utf8, dtype=np.uint8)
    ends = np.flatnonzero(data == 0x0A)
    if b"\r" in utf8:
        returns = np.flatnonzero(data == 0x0D)
        if returns[-1] == len(data) - 1 or (data[returns + 1] != 0x0A).any():
            raise _Dirty("a line ends in a lone carriage return")
    if not utf8.endswith(b"\n"):
        ends = np.append(ends, len(utf8))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    if int(lengths.max()) >= csv.field_size_limit():
        raise _Dirty("a line is longer than the csv field limit")
    if b'"' in utf8:
        offsets = np.append(starts, len(utf8)).astype(np.int32)
        lines = pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(utf8))
        quoted = lines.take(pa.array(np.unique(np.searchsorted(ends, np.flatnonzero(data == 0x22)))))
        if not pc.all(pc.match_substring_regex(quoted, _QUOTED_LINE)).as_py():
            raise _Dirty("a quoted value spans lines or is malformed")
    blank = (lengths == 0) | ((lengths == 1) & (data[starts] == 0x0D))
    read, parse, convert = options
    try:
        table = pa_csv.read_csv(pa.BufferReader(utf8), read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as error:  # a row with the wrong number of fields, ...
        raise _Dirty(str(error)) from error
    numbers = np.flatnonzero(~blank)
    if table.num_rows != len(numbers):
        raise _Dirty("rows and lines do not correspond")
    rows = [([table.column(f"c{i}") for i in wanted], numbers.astype(np.int64) + first_line)] if len(numbers) else []
    return rows, len(ends)


def _csv_block(
    block: bytes, codec: str, first_line: int, width: int, wanted: list[int], batch_rows: int
) -> list[_Rows | Violation]:
    """Read one block with the csv module; :class:`_Unfinished` if it does not end on a row boundary."""
    text = block.decode(codec)
    reader = _csv_reader(io.StringIO(text, newline=""))
    return list(_csv_events(reader, first_line - 1, width, wanted, batch_rows, stop_at_error=True))


def _physical_lines(block: bytes) -> int:
    """Lines as Python's text reading counts them: ``\\r\\n``, ``\\n`` and a lone ``\\r`` end a line."""
    crlf = block.count(b"\r\n")
    count = block.count(b"\n") + block.count(b"\r") - crlf
    return count + (1 if block and block[-1:] not in (b"\n", b"\r") else 0)


# --------------------------------------------------------------------------------------------------
# Chunks: rows gathered to chunk_rows, violations attached to the chunk being filled when found.
# --------------------------------------------------------------------------------------------------


class _Assembler:
    def __init__(
        self,
        fields: Sequence[Field],
        positions: dict[str, int],
        headers: dict[str, str],
        ignored: list[str],
        chunk_rows: int,
    ) -> None:
        self.present = [f for f in fields if f.name in positions]
        self.wanted = sorted({positions[f.name] for f in self.present})
        self.slot = {position: index for index, position in enumerate(self.wanted)}
        self.positions, self.headers, self.ignored = positions, headers, ignored
        self.chunk_rows = max(int(chunk_rows), 1)
        self.columns: list[list[pa.Array]] = [[] for _ in self.wanted]
        self.lines: list[np.ndarray] = []
        self.count = 0
        self.pending: list[Violation] = []
        self.budget = [MAX_CELL_VIOLATIONS]
        self.low_water = pa.total_allocated_bytes()

    def feed(self, event: _Rows | Violation) -> Iterator[Chunk]:
        if isinstance(event, Violation):
            self.pending.append(event)
            return
        columns, lines = event
        for held, column in zip(self.columns, columns, strict=True):
            held.extend(column.chunks if isinstance(column, pa.ChunkedArray) else [column])
        self.lines.append(lines)
        self.count += len(lines)
        while self.count >= self.chunk_rows:
            yield self._take(self.chunk_rows)

    def finish(self) -> Chunk:
        return self._take(self.count)

    def _take(self, n: int) -> Chunk:
        lines = np.concatenate(self.lines) if self.lines else np.empty(0, dtype=np.int64)
        columns = []
        for index, held in enumerate(self.columns):
            whole = pa.chunked_array(held, type=pa.large_string())
            columns.append(whole.slice(0, n).combine_chunks())
            self.columns[index] = list(whole.slice(n).chunks)
        self.lines = [lines[n:]] if len(lines) > n else []
        self.count -= n
        pending, self.pending = self.pending, []
        self._collect_cycles(sum(column.nbytes for column in columns))
        texts = {position: columns[self.slot[position]] for position in self.wanted}
        chunk = _parse(texts, lines[:n], self.present, self.positions, self.headers, self.ignored, pending, self.budget)
        # The blocks and intermediates of this chunk are free now: hand the pages back before the caller
        # checks the chunk, or the allocator's cache adds to the peak of every later step.
        pa.default_memory_pool().release_unused()
        return chunk

    def _collect_cycles(self, chunk_bytes: int) -> None:
        """Free earlier chunks that only reference cycles still hold.

        Consumers may keep a chunk's frame in a reference cycle (a GX validation of the chunk does).
        Python's collector counts objects, not bytes, and this reader allocates few Python objects, so
        such frames would pile up for many chunks. Collect once Arrow memory has grown by a few
        chunks' worth since its lowest point: memory stays bounded by the chunk size, at the price of
        a full collection every few chunks.
        """
        allocated = pa.total_allocated_bytes()
        self.low_water = min(self.low_water, allocated)
        if allocated - self.low_water > max(_GC_GROWTH_CHUNKS * chunk_bytes, _GC_GROWTH_MIN_BYTES):
            gc.collect()
            self.low_water = pa.total_allocated_bytes()


def _parse(
    texts_at: dict[int, pa.Array],
    lines: np.ndarray,
    present: list[Field],
    positions: dict[str, int],
    headers: dict[str, str],
    ignored: list[str],
    violations: list[Violation],
    budget: list[int],
) -> Chunk:
    line_no = pd.Series(lines, dtype="int64")
    frame = pd.DataFrame({"line_no": line_no})
    for column in present:
        texts = pd.Series(pd.array(texts_at[positions[column.name]], dtype=TEXT))
        values, bad, rule = parse_series(texts, column)
        frame[column.name] = values
        if bad.any():
            for index in bad[bad].index[: max(budget[0], 0)]:
                violations.append(
                    Violation(rule, line=int(line_no[index]), column=headers[column.name], value=texts[index])
                )
            hidden = int(bad.sum()) - max(budget[0], 0)
            budget[0] -= int(bad.sum())
            if hidden > 0:
                violations.append(Violation(f"{rule}: {hidden} more row(s)", column=headers[column.name]))
    return Chunk(frame, violations, headers, ignored)


# --------------------------------------------------------------------------------------------------
# Cell parsing
# --------------------------------------------------------------------------------------------------


def parse_series(texts: pd.Series, column: Field) -> tuple[pd.Series, pd.Series, str]:
    """Parse a column of cell texts; returns (values, mask of cells that break the rule, the rule).

    Text stays an Arrow string column (missing = NA); periods and dates become ``datetime64``
    (missing = NaT), numbers ``float64`` (missing = NaN).
    """
    if column.kind not in KINDS:
        raise ValueError(f"unknown field kind {column.kind!r}")
    dtype = texts.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or texts.hasnans:
        return _parse_series_reference(texts, column)
    cells = pa.array(texts.array)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    if column.kind == "text":
        stripped = pc.utf8_trim_whitespace(cells)
        values = pc.if_else(pc.equal(stripped, ""), pa.scalar(None, stripped.type), stripped)
        return pd.Series(pd.array(values, dtype=TEXT), index=texts.index), pd.Series(False, index=texts.index), ""
    if column.kind == "number":
        return _numbers_arrow(texts, cells, column)
    if column.kind == "timestamp":
        return _timestamps_arrow(texts, cells)
    return _per_distinct_value(texts, cells, column)


KINDS = ("text", "number", "integer", "period", "date", "timestamp")
_TIMESTAMP_RULE = "is not a valid timestamp (YYYY-MM-DD HH:MM:SS)"
_TIMESTAMP_SHAPE = r"^\d{4}-\d{2}-\d{2} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$"


def _timestamps_arrow(texts: pd.Series, cells: pa.Array) -> tuple[pd.Series, pd.Series, str]:
    """Timestamps in Arrow compute (a validation file has millions, nearly all distinct)."""
    stripped = pc.utf8_trim_whitespace(cells)
    empty = pc.equal(stripped, "")
    normal = pc.replace_substring(stripped, "T", " ", max_replacements=1)
    normal = pc.if_else(
        pc.equal(pc.utf8_length(normal), 16),
        pc.binary_join_element_wise(normal, pa.scalar(":00", normal.type), pa.scalar("", normal.type)),
        normal,
    )
    shaped = pc.match_substring_regex(normal, _TIMESTAMP_SHAPE)
    parsed = pc.strptime(
        pc.if_else(shaped, normal, pa.scalar(None, normal.type)),
        format="%Y-%m-%d %H:%M:%S",
        unit="s",
        error_is_null=True,
    )
    # strptime rolls impossible dates over (2020-02-30 -> 2020-03-01): a timestamp must print back as read
    round_trip = pc.equal(
        pc.day(parsed), pc.cast(pc.utf8_slice_codeunits(pc.if_else(shaped, normal, "2000-01-01"), 8, 10), pa.int64())
    )
    valid = pc.and_(shaped, pc.fill_null(round_trip, False))
    parsed = pc.if_else(valid, parsed, pa.scalar(None, parsed.type))
    ok = pc.or_(empty, valid)
    values = pd.Series(parsed.to_numpy(zero_copy_only=False), index=texts.index).astype("datetime64[us]")
    bad = pd.Series(pc.invert(ok).to_numpy(zero_copy_only=False), index=texts.index, dtype=bool)
    return values, bad, _TIMESTAMP_RULE


def _numbers_arrow(texts: pd.Series, cells: pa.Array, column: Field) -> tuple[pd.Series, pd.Series, str]:
    """Numbers in Arrow compute; the same rules as :func:`_numbers`, for cells whose compacted text
    is ASCII (RE2 and Python's ``re`` agree there). Other cells take the reference parse."""
    stripped = pc.utf8_trim_whitespace(cells)
    empty = pc.equal(stripped, "")
    compact = stripped
    for grouping in (" ", "\u00a0", "\u202f"):
        compact = pc.replace_substring(compact, grouping, "")
    compact = pc.replace_substring(compact, "\u2212", "-")
    shaped = pc.match_substring_regex(compact, f"^(?:{_NUMBER})$")
    has_comma = pc.match_substring(compact, ",")
    # Among shaped texts without a comma, "point decimal" ([+-]?\d+\.\d+) means exactly one dot.
    point_decimal = pc.equal(pc.count_substring(compact, "."), 1)
    without_dots = pc.replace_substring(compact, ".", "")
    canonical = pc.if_else(
        has_comma,
        pc.replace_substring(without_dots, ",", "."),
        pc.if_else(point_decimal, compact, without_dots),
    )
    ok = pc.or_(shaped, empty)
    rule = "is not a number (decimal comma expected, e.g. 7,5)"
    if column.max_decimals is not None:
        # A shaped number's canonical text has at most one dot, followed by digits only (ASCII).
        dot = pc.find_substring(canonical, ".")
        decimals = pc.subtract(pc.subtract(pc.binary_length(canonical), dot), 1)
        too_precise = pc.and_(pc.greater_equal(dot, 0), pc.greater(decimals, column.max_decimals))
        ok = pc.and_(ok, pc.invert(pc.and_(shaped, too_precise)))
        rule = f"is not a number with at most {column.max_decimals} decimals (decimal comma, e.g. -1 234,50)"
    numbers = pc.cast(pc.if_else(pc.and_(shaped, ok), canonical, pa.scalar(None, canonical.type)), pa.float64())
    values = numbers.to_numpy(zero_copy_only=False)
    bad = pc.invert(ok).to_numpy(zero_copy_only=False)
    ascii_ = pc.string_is_ascii(compact)
    if not pc.all(ascii_).as_py():
        others = np.flatnonzero(~ascii_.to_numpy(zero_copy_only=False))
        subset = pd.Series(pd.array(cells.take(pa.array(others)), dtype=TEXT))
        other_values, other_bad, _ = _parse_series_reference(subset, column)
        values = values.copy()
        bad = bad.copy()
        values[others] = other_values.to_numpy(dtype="float64")
        bad[others] = other_bad.to_numpy(dtype=bool)
    return (
        pd.Series(values, index=texts.index, dtype="float64"),
        pd.Series(bad, index=texts.index, dtype=bool),
        rule,
    )


def _per_distinct_value(texts: pd.Series, cells: pa.Array, column: Field) -> tuple[pd.Series, pd.Series, str]:
    """Periods, dates and whole numbers: the reference parse once per distinct cell text (a ledger
    chunk holds a handful of periods), spread back to the rows."""
    encoded = pc.dictionary_encode(cells)
    distinct = pd.Series(pd.array(encoded.dictionary, dtype=TEXT))
    values, bad, rule = _parse_series_reference(distinct, column)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return (
        pd.Series(values.array.take(indices), index=texts.index),
        pd.Series(bad.to_numpy(dtype=bool)[indices], index=texts.index, dtype=bool),
        rule,
    )


def _parse_series_reference(texts: pd.Series, column: Field) -> tuple[pd.Series, pd.Series, str]:
    """The reference parse in pandas string operations (element-wise, Python ``re`` semantics)."""
    stripped = texts.str.strip()
    empty = (stripped == "").astype(bool)
    if column.kind == "text":
        return stripped.where(~empty), pd.Series(False, index=texts.index), ""
    if column.kind == "number":
        return _numbers(stripped, empty, column.max_decimals)
    if column.kind == "integer":
        ok = (stripped.str.fullmatch(r"[+-]?\d{1,9}").astype(bool)) | empty
        values = pd.to_numeric(stripped.where(ok & ~empty), errors="coerce").astype("Int64")
        return values, ~ok, "is not a whole number"
    if column.kind == "period":
        digits = stripped.str.replace("-", "", regex=False)
        shaped = digits.str.fullmatch(r"(19|20|21)\d{2}(0[1-9]|1[0-2])").astype(bool)
        values = pd.to_datetime(digits.where(shaped & ~empty), format="%Y%m", errors="coerce")
        return values, ~(shaped | empty), "is not a valid period (YYYYMM, month 01-12)"
    if column.kind == "date":
        compact = stripped.str.replace("-", "", regex=False)
        shaped = stripped.str.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{8}").astype(bool)
        parsed = pd.to_datetime(compact.where(shaped & ~empty), format="%Y%m%d", errors="coerce")
        ok = empty | (shaped & parsed.notna())
        return parsed, ~ok, "is not a valid date (YYYY-MM-DD)"
    if column.kind == "timestamp":
        normal = stripped.str.replace("T", " ", n=1, regex=False)
        normal = normal.where(normal.str.len() != 16, normal + ":00")
        shaped = normal.str.fullmatch(_TIMESTAMP_SHAPE[1:-1]).astype(bool)
        parsed = pd.to_datetime(normal.where(shaped & ~empty), format="%Y-%m-%d %H:%M:%S", errors="coerce")
        ok = empty | (shaped & parsed.notna())
        return parsed.astype("datetime64[us]"), ~ok, _TIMESTAMP_RULE
    raise ValueError(f"unknown field kind {column.kind!r}")


def _numbers(stripped: pd.Series, empty: pd.Series, max_decimals: int | None) -> tuple[pd.Series, pd.Series, str]:
    compact = stripped.str.replace(_GROUPING, "", regex=True).str.replace("\u2212", "-", regex=False)
    shaped = compact.str.fullmatch(_NUMBER).astype(bool)
    has_comma = compact.str.contains(",", regex=False).astype(bool)
    point_decimal = compact.str.fullmatch(r"[+-]?\d+\.\d+").astype(bool)
    canonical = compact.where(has_comma | point_decimal, compact.str.replace(".", "", regex=False))  # grouping dots
    canonical = canonical.where(
        ~has_comma, compact.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    ok = shaped | empty
    rule = "is not a number (decimal comma expected, e.g. 7,5)"
    if max_decimals is not None:
        decimals = canonical.str.extract(r"\.(\d+)$", expand=False).str.len().fillna(0).astype(int)
        ok &= ~(shaped & (decimals > max_decimals))
        rule = f"is not a number with at most {max_decimals} decimals (decimal comma, e.g. -1 234,50)"
    values = pd.to_numeric(canonical.where(shaped & ~empty), errors="coerce").astype("float64")
    return values.where(ok), ~ok, rule
