"""Reading delivered text files whose encoding nobody tells us.

Swedish payroll and ERP systems export Windows-1252 or UTF-8, the latter with or without a byte-order
mark. Detection streams the file through an incremental UTF-8 decoder (constant memory, whatever the
file size); a file that is not valid UTF-8 is read as Windows-1252, which covers å, ä, ö and the €
sign. DuckDB's CSV reader cannot read cp1252, so readers here always go through Python's codecs.
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


def inspect_file(path: Path) -> FileFacts:
    """Detect the encoding and compute the sha256 of ``path`` in a single streaming pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    has_bom = False
    size = 0
    undefined_at: int | None = None
    with path.open("rb") as handle:
        first = True
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            if first:
                has_bom = chunk.startswith(UTF8_BOM)
                first = False
            if undefined_at is None and (found := _CP1252_UNDEFINED.search(chunk)):
                undefined_at = size + found.start()
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            size += len(chunk)
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if is_utf8:
        encoding = "utf-8-sig" if has_bom else "utf-8"
    elif undefined_at is not None:
        raise EncodingError(
            f"{path.name}: not UTF-8, and byte 0x{_byte_at(path, undefined_at):02x} at offset {undefined_at} "
            "is undefined in Windows-1252",
            sha256=digest.hexdigest(),
            size_bytes=size,
        )
    else:
        encoding = "cp1252"
    return FileFacts(encoding=encoding, sha256=digest.hexdigest(), size_bytes=size)


def _byte_at(path: Path, offset: int) -> int:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(1)[0]
