"""Every dashboard table is one of these: shown as HTML, downloadable as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import Response

from services.kpi.reports.charts import Cell, Chart

# Spreadsheet programs run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    @classmethod
    def of_chart(cls, chart: Chart, key: str | None = None) -> Table:
        return cls(key or chart.key, chart.title, chart.columns, chart.rows)


def _safe(cell: Cell) -> Cell:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def csv_response(table: Table, filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if c is None else _safe(c) for c in row])
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM so spreadsheet programs read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def find(tables: Sequence[Table], key: str) -> Table | None:
    return next((t for t in tables if t.key == key), None)
