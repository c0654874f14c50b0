"""Reading delivered text files whose encoding nobody tells us.

Swedish payroll and ERP systems export Windows-1252 or UTF-8, the latter with or without a byte-order
mark. Detection streams the file through an incremental UTF-8 decoder (constant memory, whatever the
file size); a file that is not valid UTF-8 is read as Windows-1252, which covers å, ä, ö and the €
sign. The same pass counts what the DuckDB reader needs to number rows by line without reading the
file again (:mod:`ingest.extract`): line ends, lone carriage returns, empty lines at the end, and
whether any byte lies in 0x80-0x9F (where Windows-1252 and Latin-1 differ).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

CHUNK_SIZE = 1 << 20
UTF8_BOM = codecs.BOM_UTF8

# Bytes that Windows-1252 leaves undefined: a file containing them is neither UTF-8 nor cp1252.
_CP1252_UNDEFINED = re.compile(b"[\x81\x8d\x8f\x90\x9d]")
#: bytes.translate deletes every byte but 0x80-0x9F: what is left are the bytes where cp1252 != Latin-1.
_NOT_C1 = bytes(b for b in range(256) if not 0x80 <= b <= 0x9F)
_TAIL_BYTES = 1 << 16
#: bytes.translate deletes every byte but the C0 controls other than tab, line feed and carriage
#: return, and DEL: what is left are bytes no text cell should hold (a NUL from a broken export).
_COMMON = bytes(b for b in range(256) if not (0x80 <= b <= 0x9F or (b < 0x20 and b not in (9, 10, 13)) or b == 0x7F))
_NOT_CONTROL = bytes(b for b in range(256) if not ((b < 0x20 and b not in (0x09, 0x0A, 0x0D)) or b == 0x7F))


class EncodingError(ValueError):
    """The file is neither UTF-8 nor Windows-1252; carries the checksum and size already computed."""

    def __init__(self, message: str, *, sha256: str, size_bytes: int) -> None:
        super().__init__(message)
        self.sha256 = sha256
        self.size_bytes = size_bytes


@dataclass(frozen=True)
class FileFacts:
    """What one streaming pass over a delivered file tells: its encoding, checksum and size."""

    encoding: str  # a Python codec name: "utf-8-sig", "utf-8" or "cp1252"
    sha256: str
    size_bytes: int
    #: Physical lines, not counting empty lines at the end (``\n``, ``\r\n`` and a lone ``\r`` end one).
    content_lines: int = 0
    #: Carriage returns not followed by a line feed (each ends a line for Python, not for DuckDB).
    lone_carriage_returns: int = 0
    #: Whether a byte in 0x80-0x9F occurs (in Windows-1252 those are €, curly quotes, dashes, Š, ...).
    has_c1_bytes: bool = False
    #: Whether a control byte occurs (NUL, or another below 0x20 but tab, line feed, carriage return; DEL).
    has_control_bytes: bool = False
    #: Whether the file ends with a line end (an empty file does): a file cut in transfer does not.
    ends_with_line_end: bool = True
    #: Whether lines end in more than one way (CR LF beside LF, or a lone CR): DuckDB's CSV reader takes
    #: one line end per file, so such a file it cannot read is read from a copy with LF line ends.
    mixed_line_ends: bool = False


def inspect_file(path: Path) -> FileFacts:
    """Detect the encoding, compute the sha256 and count the lines of ``path`` in one streaming pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    has_bom = False
    size = 0
    undefined_at: int | None = None
    line_feeds = carriage_returns = crlf = 0
    has_c1 = has_control = False
    last = head_bytes = b""
    with path.open("rb") as handle:
        first = True
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            if first:
                has_bom = chunk.startswith(UTF8_BOM)
                head_bytes = chunk[:4]
                first = False
            rare = chunk.translate(None, _COMMON)  # one pass: what is left is almost always nothing
            if rare and undefined_at is None and rare.translate(None, _NOT_C1):
                has_c1 = True
                if found := _CP1252_UNDEFINED.search(chunk):
                    undefined_at = size + found.start()
            if rare and not has_control and rare.translate(None, _NOT_CONTROL):
                has_control = True
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            line_feeds += chunk.count(b"\n")
            carriage_returns += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
            size += len(chunk)
        tail = _tail(handle, size)
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if is_utf8:
        encoding = "utf-8-sig" if has_bom else "utf-8"
    elif head_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EncodingError(
            f"{path.name}: UTF-16 text (Excel's 'Unicode text'?): deliver UTF-8 or Windows-1252",
            sha256=digest.hexdigest(),
            size_bytes=size,
        )
    elif undefined_at is not None:
        raise EncodingError(
            f"{path.name}: not UTF-8, and byte 0x{_byte_at(path, undefined_at):02x} at offset {undefined_at} "
            "is undefined in Windows-1252",
            sha256=digest.hexdigest(),
            size_bytes=size,
        )
    else:
        encoding = "cp1252"
    lone = carriage_returns - crlf
    lines = line_feeds + lone + (1 if last not in (b"", b"\n", b"\r") else 0)
    return FileFacts(
        encoding=encoding,
        sha256=digest.hexdigest(),
        size_bytes=size,
        content_lines=lines - _empty_lines_at_end(tail),
        lone_carriage_returns=lone,
        has_c1_bytes=has_c1,
        has_control_bytes=has_control,
        ends_with_line_end=last in (b"", b"\n", b"\r"),
        mixed_line_ends=lone > 0 or 0 < crlf < line_feeds,
    )


def with_lf_line_ends(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` with every line end (CR LF, lone CR) written as LF; the lines stay
    the lines Python's universal newlines see (a lone CR ends one)."""
    carry = b""
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK_SIZE):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""  # its LF may start the next chunk
            if carry:
                chunk = chunk[:-1]
            writer.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        writer.write(b"\n" if carry else b"")
    return target


def _tail(handle, size: int) -> bytes:
    handle.seek(max(0, size - _TAIL_BYTES))
    return handle.read()


def _empty_lines_at_end(tail: bytes) -> int:
    """Empty lines the file ends with (after its last line with content)."""
    lines = tail.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the final line end terminates the last line; it starts no new one
    count = 0
    while lines and lines[-1] == b"":
        lines.pop()
        count += 1
    return count


def _byte_at(path: Path, offset: int) -> int:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(1)[0]
