"""Byte-level mutations of a valid file: what a broken export, a bad copy or a wrong codepage does.

:func:`mutated` is a Hypothesis strategy of ``(bytes, [description, ...])``: a valid file with one to
four mutations applied in turn. Hypothesis shrinks both the file and the mutations, so a failure
ends as a small file and the one mutation that matters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from hypothesis import strategies as st

#: Bytes that break parsers: quotes, braces, separators, line ends, NUL, byte-order marks, bytes that
#: are undefined in Windows-1252, UTF-8 of non-ASCII letters and separators, and odd numbers.
INTERESTING: tuple[bytes, ...] = (
    b'"',
    b'""',
    b'\\"',
    b"\\",
    b"{",
    b"}",
    b"{}",
    b";",
    b";;",
    b"\x00",
    b"\r",
    b"\n",
    b"\r\n",
    b"\t",
    b" ",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xe5",
    b"\x94",
    b"\x81",
    b"\x9d",
    b"\x80",
    "å".encode(),
    "\u00a0".encode(),
    "\u2028".encode(),
    "\u0660".encode(),  # ARABIC-INDIC DIGIT ZERO: a digit to \d
    "\uff11".encode(),  # FULLWIDTH DIGIT ONE
    b"\xa0",
    b"-",
    b"+",
    b".",
    b",",
    b"0",
    b"-0",
    b"99999999999999999999999999999999",
    b"-99999999999999999999999999999999.99",
    b"1e400",
    b"1E5",
    b"NaN",
    b"inf",
    b"0x10",
    b"1_000",
    b"2147483648",
    b"9223372036854775808",
    b"00000000",
    b"20210229",
    b"99991231",
    b"2021-02-30",
    b"202113",
)

LINE_ENDS = (b"\n", b"\r\n", b"\r")
CODECS = ("utf-8", "utf-8-sig", "cp1252", "cp437", "latin-1", "utf-16", "mac-roman")


_KINDS = st.sampled_from(
    [
        "truncate",
        "insert",
        "delete",
        "overwrite",
        "line_delete",
        "line_duplicate",
        "line_swap",
        "line_replace",
        "long_line",
        "line_ends",
        "reencode",
    ]
)
_LONG_BYTES = st.sampled_from([b"x", b"9", b" ", b'"', b"{", b";", b"\x00"])
_LINE_END = st.sampled_from(LINE_ENDS)
_CODEC = st.sampled_from(CODECS)
_LENGTH = st.integers(1, 16)
_LINE = st.binary(max_size=40)


@functools.cache
def _token_strategy(tokens: tuple[bytes, ...]) -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(tokens + INTERESTING), st.binary(min_size=1, max_size=12))


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@st.composite
def _mutate_once(draw: st.DrawFn, data: bytes, tokens: Sequence[bytes], source_codec: str, long_line: int) -> tuple:
    kind = draw(_KINDS)
    size = len(data)
    token = _token_strategy(tuple(tokens))
    if kind == "truncate":
        at = draw(st.integers(0, size))
        return data[:at], f"truncated at byte {at}"
    if kind == "insert":
        at, piece = draw(st.integers(0, size)), draw(token)
        return data[:at] + piece + data[at:], f"inserted {piece!r} at byte {at}"
    if kind == "delete":
        at, length = draw(st.integers(0, size)), draw(_LENGTH)
        return data[:at] + data[at + length :], f"deleted {length} byte(s) at {at}"
    if kind == "overwrite":
        at, piece = draw(st.integers(0, size)), draw(token)
        return data[:at] + piece + data[at + len(piece) :], f"overwrote {piece!r} at byte {at}"
    if kind == "long_line":
        at, length = draw(st.integers(0, size)), draw(st.integers(1_000, long_line))
        byte = draw(_LONG_BYTES)
        return data[:at] + byte * length + data[at:], f"inserted {length} x {byte!r} at byte {at}"
    if kind == "line_ends":
        end = draw(_LINE_END)
        lines = [line.rstrip(b"\r\n") for line in _lines(data)]
        return end.join(lines) + end, f"line ends made {end!r}"
    if kind == "reencode":
        codec = draw(_CODEC)
        text = data.decode(source_codec, errors="replace")
        return text.encode(codec, errors="replace"), f"re-encoded from {source_codec} to {codec}"
    lines = _lines(data)
    if not lines:
        return data, "no line to change"
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "line_delete":
        del lines[i]
        return b"".join(lines), f"deleted line {i + 1}"
    if kind == "line_duplicate":
        lines.insert(i, lines[i])
        return b"".join(lines), f"duplicated line {i + 1}"
    if kind == "line_swap":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return b"".join(lines), f"swapped lines {i + 1} and {j + 1}"
    replacement = draw(st.one_of(token, _LINE)) + b"\n"
    lines[i] = replacement
    return b"".join(lines), f"replaced line {i + 1} by {replacement!r}"


@st.composite
def mutated(
    draw: st.DrawFn,
    data: bytes,
    *,
    tokens: Sequence[bytes] = (),
    source_codec: str = "utf-8",
    long_line: int = 100_000,
    max_mutations: int = 4,
) -> tuple[bytes, list[str]]:
    """``data`` with 1 to ``max_mutations`` mutations, and what each one did."""
    count = draw(st.integers(1, max_mutations))
    done = []
    for _ in range(count):
        data, what = draw(_mutate_once(data, tokens, source_codec, long_line))
        done.append(what)
    return data, done
