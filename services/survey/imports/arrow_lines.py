"""The COPY lines of a CSV's rows, parsed by pyarrow and validated column by column.

A faster way of applying `RowValidator`'s rules, not a second set of them. pyarrow's
streaming CSV reader parses in C++ threads without the GIL; each column of a batch is
dictionary-encoded, the part's memo (`Part.texts`, the rules of cells.py) is asked once per
distinct cell, and the accepted COPY text is taken back per row and joined in C++. A row with
any problem, or a respondent id that is not plain ASCII, goes through `validate_lines` as it
is, so every line, error, row number and column is the Python path's own.

A file pyarrow reads differently from `files.iter_csv` (a row of another width, a blank line
of spaces, a cell beyond the csv module's size limit) raises `ArrowUnsuitable`: the caller
drops what it loaded and reads the file with the Python path.
"""

from __future__ import annotations

import codecs
import re
from array import array
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from services.survey.imports.files import CSV_FIELD_LIMIT, csv_delimiter
from services.survey.imports.header import LIMITS
from services.survey.imports.rows import RowError, RowValidator

BLOCK_BYTES = 1 << 20  # a batch per block read
SEEN_BYTES = 4 << 20  # cells of a part remembered across batches (a bound for free text)

LinesBatch = tuple[bytes, list[RowError], int, int]  # as `RowValidator.validate_lines`


class ArrowUnsuitable(Exception):
    """The file holds something pyarrow does not read as `files.iter_csv` does."""


def _plain_id_pattern(limit: int) -> str:
    """Printable ASCII without a backslash, no space at either end, 1..limit characters: a
    respondent id that `strip`, `NOT_PLAIN` and `copy_text` leave as it is."""
    inner, edge = r"[ -\[\]-~]", r"[!-\[\]-~]"
    return f"^{edge}(?:{inner}{{0,{limit - 2}}}{edge})?$"


PLAIN_ID = _plain_id_pattern(LIMITS["respondent_id"])


def _encoded(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def _binary_array(values: Sequence[bytes | None]) -> pa.Array:
    """A binary array made from its buffers: `pa.array` imports pandas on its first call when
    pandas is installed (most of a second, and its memory, in every process)."""
    offsets = array("i", [0, *accumulate(0 if v is None else len(v) for v in values)])
    data = b"".join(v for v in values if v is not None)
    validity = None
    if any(v is None for v in values):
        bits = bytearray((len(values) + 7) // 8)
        for i, value in enumerate(values):
            if value is not None:
                bits[i >> 3] |= 1 << (i & 7)
        validity = pa.py_buffer(bits)
    buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.binary(), len(values), buffers)


# Scalars taken from arrays: `pa.scalar` too imports pandas.
TAB, NOTHING, NULL = _binary_array([b"\t", b"", None])


class _DataRows:
    """The bytes after a CSV's BOM and header line (`csv_header` reads one line, ended by
    CR, LF or CRLF), as the readable file pyarrow takes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._left = b""
        self.header_line = self._skip_header()
        self.closed = False

    def _skip_header(self) -> bytes:
        seen = b""
        while True:
            chunk = self._raw.read(BLOCK_BYTES)
            at_end = not chunk
            seen += chunk
            if seen.startswith(codecs.BOM_UTF8):
                seen = seen[len(codecs.BOM_UTF8) :]
            found = re.search(b"\r\n|\r|\n", seen)
            # A CR at the end of what was read may be the first half of a CRLF.
            if found is not None and (found.end() < len(seen) or seen[-1:] == b"\n" or at_end):
                self._left = seen[found.end() :]
                return seen[: found.start()]
            if at_end:
                return seen

    def has_rows(self) -> bool:
        """Whether anything follows the header (pyarrow refuses an empty stream)."""
        while not (left := self._left.lstrip(b"\r\n")):  # blank lines: skipped by both readers
            self._left = self._raw.read(BLOCK_BYTES)
            if not self._left:
                return False
        self._left = left
        return True

    def read(self, size: int = -1) -> bytes:
        size = size if size > 0 else BLOCK_BYTES
        if self._left:
            out, self._left = self._left[:size], self._left[size:]
            return out
        return self._raw.read(size)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


class ArrowLines:
    """Batches of COPY lines of a CSV byte stream from its start; `next_batch` as
    `run._batches` calls it, in a worker thread."""

    def __init__(
        self, validator: RowValidator, raw: BinaryIO, *, block_bytes: int = BLOCK_BYTES
    ) -> None:
        self.validator = validator
        data = _DataRows(raw)
        width = validator.width
        names = [f"c{i}" for i in range(width)]
        delimiter = csv_delimiter(data.header_line.decode("utf-8", "replace"))
        self._row_number = 1  # the header's
        self._reader: Any = None
        if not data.has_rows():
            return
        try:
            self._reader = pacsv.open_csv(
                data,
                read_options=pacsv.ReadOptions(column_names=names, block_size=block_bytes),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.binary()),
                    null_values=[],
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise ArrowUnsuitable(str(exc)) from exc
        self._seen = [_SeenCells(memo.__getitem__) for memo in validator.text_memos]
        self._prefix = _binary_array([validator.line_prefix.encode()])[0]
        self._suffix = _binary_array([validator.line_suffix.encode()])[0]

    def next_batch(self) -> LinesBatch | None:
        if self._reader is None:
            return None
        try:
            batch = self._reader.read_next_batch()
        except StopIteration:
            return None
        except pa.ArrowInvalid as exc:
            raise ArrowUnsuitable(str(exc)) from exc
        first = self._row_number + 1
        self._row_number += batch.num_rows
        if not batch.num_rows:
            return b"", [], 0, 0
        return self._lines(batch, first)

    def _lines(self, batch: pa.RecordBatch, first: int) -> LinesBatch:
        columns: list[pa.Array] = batch.columns
        for column in columns:
            if (pc.max(pc.binary_length(column)).as_py() or 0) > CSV_FIELD_LIMIT:
                raise ArrowUnsuitable("a cell beyond the csv module's field size limit")
        validator = self.validator
        respondent = columns[validator.i_id]
        texts = [respondent]
        for seen, source in zip(self._seen, validator.part_sources, strict=True):
            texts.append(_part_texts(seen, columns, source))
        lines = pc.binary_join_element_wise(*texts, TAB)
        lines = pc.if_else(pc.match_substring_regex(respondent, PLAIN_ID), lines, NULL)
        lines = pc.binary_join_element_wise(self._prefix, lines, self._suffix, NOTHING)
        flagged = pc.is_null(lines)
        errors: list[RowError] = []
        bad = 0
        if pc.any(flagged).as_py():
            at = pc.indices_nonzero(flagged)
            checked: list[bytes | None] = []
            for index, row in zip(at.to_pylist(), batch.take(at).to_pylist(), strict=True):
                cells = [v.decode("utf-8", "replace") for v in row.values()]
                text, found, _, rejected = validator.validate_lines([(first + index, cells)])
                errors.extend(found)
                bad += rejected
                checked.append(text.encode() if text else None)
            lines = pc.replace_with_mask(lines, flagged, _binary_array(checked))
            lines = pc.drop_null(lines)
        return _concatenated(lines), errors, batch.num_rows, bad


class _SeenCells:
    """The COPY text (null: a problem) of the cells of one part met in earlier batches, as
    Arrow arrays: a batch's distinct cells are matched in C++, and only new ones meet the
    part's memo (which holds the rules' outcomes, up to its own limit)."""

    def __init__(self, memo: Callable[[Any], str | None]) -> None:
        self.memo = memo
        self.cells: pa.Array = _binary_array([])
        self.texts: pa.Array = _binary_array([])
        self.size = 0

    def texts_of(self, distinct: pa.Array) -> pa.Array:
        at = pc.index_in(distinct, value_set=self.cells)
        new = pc.is_null(at)
        if not pc.any(new).as_py():
            return self.texts.take(at)
        fresh = distinct.filter(new)
        found = _binary_array(
            [_encoded(self.memo(v.decode("utf-8", "replace"))) for v in fresh.to_pylist()]
        )
        size = pc.sum(pc.binary_length(fresh)).as_py() or 0
        if self.size + size <= SEEN_BYTES:
            self.cells = pa.concat_arrays([self.cells, fresh])
            self.texts = pa.concat_arrays([self.texts, found])
            self.size += size
        return pc.replace_with_mask(self.texts.take(at), new, found)


def _part_texts(
    seen: _SeenCells, columns: Sequence[pa.Array], source: int | tuple[int, int]
) -> pa.Array:
    """Each row's COPY text of one part (null where the cell has a problem): the memo asked
    once per distinct cell (or wave/date pair)."""
    if isinstance(source, int):
        encoded = pc.dictionary_encode(columns[source])
        return seen.texts_of(encoded.dictionary).take(encoded.indices)
    waves = pc.dictionary_encode(columns[source[0]])
    dates = pc.dictionary_encode(columns[source[1]])
    count = len(dates.dictionary)
    pairs = pc.dictionary_encode(
        pc.add(
            pc.multiply(pc.cast(waves.indices, pa.int64()), count),
            pc.cast(dates.indices, pa.int64()),
        )
    )
    wave_keys = [v.decode("utf-8", "replace") for v in waves.dictionary.to_pylist()]
    date_keys = [v.decode("utf-8", "replace") for v in dates.dictionary.to_pylist()]
    keys = [(wave_keys[p // count], date_keys[p % count]) for p in pairs.dictionary.to_pylist()]
    table = _binary_array([_encoded(seen.memo(key)) for key in keys])
    return table.take(pairs.indices)


def _concatenated(lines: pa.Array) -> bytes:
    """The values of a binary array without nulls, one after another."""
    if not len(lines):
        return b""
    offsets = memoryview(lines.buffers()[1]).cast("i")
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    data: bytes = lines.buffers()[2].to_pybytes()
    return data[start:end]
