"""Bytes to CSV records: the encoding, the delimiter, and the physical line each record
starts on. Anything that stops the file being read raises `UnreadableFile`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import NamedTuple

DELIMITERS = (",", ";", "\t")

# How other files start, to say what the file is instead of "not CSV".
_OTHER_FILES = (
    (b"PK\x03\x04", "an Excel workbook or another zip file; save it as CSV first"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls); save it as CSV first"),
    (b"%PDF", "a PDF document, not a CSV file"),
)
# A text file has almost no control characters besides tab and line breaks.
_MOST_CONTROL_CHARACTERS = 0.01


class UnreadableFile(Exception):
    """The file can't be read as CSV at all; the message says why."""


class Record(NamedTuple):
    line: int  # the physical line the record starts on, 1 for the file's first line
    cells: list[str]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-16 when it starts with its byte order mark,
    else UTF-8 (with or without one), else Windows-1252 (Excel's "CSV" on Windows)."""
    for signature, what in _OTHER_FILES:
        if data.startswith(signature):
            raise UnreadableFile(f"This looks like {what}.")
    text, encoding = _decode_text(data)
    if "\x00" in text or _control_share(text) > _MOST_CONTROL_CHARACTERS:
        raise UnreadableFile("The file is not text: it looks like binary data, not a CSV file.")
    return text, encoding


def _decode_text(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UnreadableFile("The file says it is UTF-16 but is not valid UTF-16.") from None
    utf8 = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    for encoding in (utf8, "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "The file is neither UTF-8 nor Windows-1252 text; save it as CSV (UTF-8) and try again."
    )


def _control_share(text: str) -> float:
    sample = text[:4096]
    if not sample:
        return 0.0
    controls = sum(1 for char in sample if char < " " and char not in "\t\r\n")
    return controls / len(sample)


def sniff_delimiter(text: str) -> str:
    """The delimiter the first non-empty line uses most outside quotes; comma on a tie."""
    first_line = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    unquoted = first_line.split('"')[::2]  # even pieces lie outside quotes
    counts = {delimiter: sum(p.count(delimiter) for p in unquoted) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def records(text: str, delimiter: str) -> Iterator[Record]:
    """The file's records, each with the line it starts on (quoted line breaks make a record
    span several lines). A blank line is a record with no cells."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    next_line = 1
    try:
        for cells in reader:
            yield Record(next_line, cells)
            next_line = reader.line_num + 1
    except csv.Error as error:
        raise UnreadableFile(_csv_error_message(error, next_line)) from None


def _csv_error_message(error: csv.Error, line: int) -> str:
    reason = str(error)
    if "unexpected end of data" in reason:
        return (
            f"A quoted value that starts on line {line} is never closed: "
            'a quote mark (") is missing.'
        )
    if "expected after" in reason:
        return (
            f'Line {line} has a quote mark (") in the middle of a quoted value; '
            'write it as two quote marks ("").'
        )
    if "field larger than field limit" in reason:
        return (
            f"Line {line} has a value longer than {csv.field_size_limit() // 1024} KB, "
            "more than any CRM field holds: is this the export you meant to upload?"
        )
    return f"Line {line} can't be read as CSV ({reason})."
