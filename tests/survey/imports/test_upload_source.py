"""A CSV import read back from the database chunk by chunk while it is parsed: what crosses a
chunk boundary (a quoted cell over a line break, a character of several bytes) arrives whole."""

from __future__ import annotations

import csv
import io

import httpx

from services.survey.imports.repository import UPLOAD_CHUNK_BYTES
from tests.survey.conftest import HEADER, import_file

COMMENT_AT = HEADER.index("comments")


def _row(respondent: str, comment: str = "") -> list[str]:
    return [
        respondent,
        "2022-Q3",
        "BRS-EAST",
        "35-64",
        "female",
        "",
        "1",
        "fairly_well",
        "yes",
        "no",
        "tend_to_agree",
        comment,
    ]


def _line(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().encode()


def _file_with_a_comment_across(boundary: int) -> tuple[bytes, str, int]:
    """A file whose only comment (quoted, with a line break, of 2- and 3-byte characters)
    holds byte `boundary` in the middle of a character; (file, comment, rows)."""
    lines, size, rows = [_line(HEADER)], len(_line(HEADER)), 0
    while size < boundary - 600:
        lines.append(_line(_row(f"F{rows:06d}")))
        size, rows = size + len(lines[-1]), rows + 1
    start = size + len(_line(_row("CROSS")).rstrip(b"\r\n")) + 1  # after the opening quote
    lead = "x" if (boundary - start) % 2 == 0 else ""  # then `boundary` splits an "é"
    comment = lead + "é" * 600 + "\nsecond line " + "€" * 600
    assert (boundary - start - len(lead)) % 2 == 1
    assert start + len(lead) < boundary < start + len(lead) + 1200
    lines.append(_line(_row("CROSS", comment)))
    lines += [_line(_row(f"F{i:06d}")) for i in range(rows, rows + 20_000)]
    return b"".join(lines), comment, rows + 20_001


async def test_a_cell_across_a_chunk_boundary_arrives_whole(
    survey_client: httpx.AsyncClient,
) -> None:
    data, comment, rows = _file_with_a_comment_across(UPLOAD_CHUNK_BYTES)
    assert len(data) > UPLOAD_CHUNK_BYTES * 2
    job = await import_file(survey_client, data)
    assert (job["rows_read"], job["accepted"], job["rejected"]) == (rows, rows, 0), job["errors"]
    comments = (await survey_client.get("/api/v1/surveys/opcc/comments")).json()["items"]
    assert [(c["respondent_id"], c["text"]) for c in comments] == [("CROSS", comment)]
