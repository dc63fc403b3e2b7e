"""CSV imports of measurements: a generic file, a social-media post export, station hours.

Each row becomes measurements (`MeasurementIn`); any bad row refuses the whole file with one
error per row and column (`file.row.<n>.<column>`, the header being row 1), so nothing is
stored in part. Parsing uses the standard `csv` module; the formats' columns are the Hub's own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from services.kpi.calculation.periods import LONDON, PeriodKind, period_of_date
from services.kpi.measurements.models import SocialAccount
from services.kpi.measurements.schemas import ImportFormat, MeasurementIn
from shared.problems import NUL_TEXT_MESSAGE, NUL_TEXT_TYPE, FieldError, field_error

SOCIAL_KPI = "social_media_interactions"
STATION_KPI = "time_out_of_station"
MAX_ROWS = 200_000

# Column names as exports spell them, reduced to one spelling each (lower case, underscores).
SOCIAL_COLUMNS = {
    "date": ("date", "published", "published_date", "post_date", "created_time", "date_gmt"),
    "account": ("account", "profile", "profile_name", "social_profile"),
    "network": ("network", "social_network"),
    "post_id": ("post_id", "post", "id"),
    "impressions": ("impressions",),
    "reactions": ("reactions", "likes", "reactions_likes", "reactions/likes"),
    "comments": ("comments",),
    "shares": ("shares", "retweets", "reposts"),
    "clicks": ("clicks", "link_clicks"),
    "area": ("area",),
}
STATION_COLUMNS = {
    "date": ("date",),
    "area": ("area",),
    "hour": ("hour",),
    "officers_in": ("officers_in", "in_station"),
    "officers_out": ("officers_out", "out_of_station"),
}
INTERACTIONS = ("reactions", "comments", "shares", "clicks")


@dataclass
class Parsed:
    items: list[MeasurementIn] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the file row each item came from
    problems: list[FieldError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def where(self, index: int) -> str:
        return f"file.row.{self.rows[index]}"


def _normal(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _rows(content: bytes, parsed: Parsed) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(field_error("file", "not UTF-8 text", "encoding"))
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        parsed.problems.append(field_error("file.row.1", f"not CSV: {exc}", "csv"))
        return
    if not header:
        parsed.problems.append(field_error("file", "no header row", "missing"))
        return
    names = [_normal(h) for h in header]
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if number > MAX_ROWS + 1:
                parsed.problems.append(
                    field_error("file", f"more than {MAX_ROWS} rows", "too_long")
                )
                return
            row = {n: c.strip() for n, c in zip(names, cells, strict=False) if n}
            with_nul = [n for n, c in row.items() if "\x00" in c]
            if with_nul:  # PostgreSQL cannot store it; refused alike on every backend
                parsed.problems += [
                    field_error(f"file.row.{number}.{n}", NUL_TEXT_MESSAGE, NUL_TEXT_TYPE)
                    for n in with_nul
                ]
                continue
            yield number, row
    except csv.Error as exc:
        parsed.problems.append(field_error(f"file.row.{number + 1}", f"not CSV: {exc}", "csv"))


def _columns(row: Mapping[str, str], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spellings in aliases.items():
        for spelling in spellings:
            if row.get(spelling):
                out[name] = row[spelling]
                break
    return out


def _local_date(text: str) -> date:
    """A date, or the local (Europe/London) date of a date-time (naive ones are local)."""
    text = text.strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            pass
    for layout in (None, "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            stamp = (
                datetime.fromisoformat(text) if layout is None else datetime.strptime(text, layout)
            )
        except ValueError:
            continue
        return stamp.astimezone(LONDON).date() if stamp.tzinfo else stamp.date()
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD, DD/MM/YYYY, or a date and time)")


def _count(text: str | None) -> float:
    if text is None or text == "":
        return 0.0
    value = float(text.replace(",", ""))
    if value < 0 or value != value or value in (float("inf"), float("-inf")):
        raise ValueError("must be a count of zero or more")
    return value


def _add(
    parsed: Parsed, number: int, data: dict[str, Any], column_of: Callable[[str], str]
) -> None:
    try:
        parsed.items.append(MeasurementIn.model_validate(data))
        parsed.rows.append(number)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "row"
            parsed.problems.append(
                field_error(f"file.row.{number}.{column_of(name)}", err["msg"], err["type"])
            )


def parse_measurements(content: bytes) -> Parsed:
    parsed = Parsed()
    for number, row in _rows(content, parsed):
        data = {k: (v or None) for k, v in row.items() if k in MeasurementIn.model_fields}
        data["source_ref"] = data.get("source_ref") or ""
        _add(parsed, number, data, lambda name: name)
    return parsed


def parse_social_posts(content: bytes, accounts: Mapping[str, SocialAccount]) -> Parsed:
    """One measurement per post: interactions (reactions/likes + comments + shares + clicks)
    over one post, in the month of the post's local date, for the account's area."""
    parsed = Parsed()
    unmapped: set[str] = set()
    for number, raw in _rows(content, parsed):
        row = _columns(raw, SOCIAL_COLUMNS)
        problems = len(parsed.problems)
        for required in ("date", "post_id"):
            if required not in row:
                parsed.problems.append(
                    field_error(f"file.row.{number}.{required}", "missing", "missing")
                )
        try:
            day = _local_date(row["date"]) if "date" in row else None
        except ValueError as exc:
            parsed.problems.append(field_error(f"file.row.{number}.date", str(exc), "date"))
            day = None
        interactions = 0.0
        for name in (*INTERACTIONS, "impressions"):
            try:
                counted = _count(row.get(name))
            except ValueError as exc:
                parsed.problems.append(field_error(f"file.row.{number}.{name}", str(exc), "count"))
                continue
            if name in INTERACTIONS:
                interactions += counted
        if len(parsed.problems) > problems or day is None:
            continue
        account = row.get("account", "")
        mapped = accounts.get(account)
        area = row.get("area") or (mapped.area if mapped and mapped.area else None)
        if area is None and account and mapped is None:
            unmapped.add(account)
        network = row.get("network", "").lower()
        data = {
            "kpi": SOCIAL_KPI,
            "period": period_of_date(day, PeriodKind.month).text,
            "area": area,
            "source_ref": f"{network}:{row['post_id']}"[:200],
            "value": interactions,
            "numerator": interactions,
            "denominator": 1,
        }
        _add(parsed, number, data, lambda name: name)
    if unmapped:
        listed = ", ".join(sorted(unmapped)[:20])
        parsed.warnings.append(
            f"{len(unmapped)} account(s) not mapped to an area counted force-wide: {listed} "
            "(map them with PUT /api/v1/kpis/social-accounts/{account})"
        )
    return parsed


def parse_station_hours(content: bytes) -> Parsed:
    """One measurement per day, area and hour: officers out over officers on duty."""
    parsed = Parsed()
    for number, raw in _rows(content, parsed):
        row = _columns(raw, STATION_COLUMNS)
        problems = len(parsed.problems)
        for required in STATION_COLUMNS:
            if required not in row and required != "area":
                parsed.problems.append(
                    field_error(f"file.row.{number}.{required}", "missing", "missing")
                )
        if len(parsed.problems) > problems:
            continue
        try:
            day = _local_date(row["date"])
        except ValueError as exc:
            parsed.problems.append(field_error(f"file.row.{number}.date", str(exc), "date"))
            continue
        try:
            hour = int(row["hour"].split(":")[0])
            if not 0 <= hour <= 23:
                raise ValueError
        except ValueError:
            parsed.problems.append(
                field_error(f"file.row.{number}.hour", "an hour of day, 0 to 23", "hour")
            )
            continue
        figures: dict[str, float] = {}
        for name in ("officers_in", "officers_out"):
            try:
                figures[name] = _count(row[name])
            except ValueError as exc:
                parsed.problems.append(field_error(f"file.row.{number}.{name}", str(exc), "count"))
        if len(figures) < 2:
            continue
        on_duty = figures["officers_in"] + figures["officers_out"]
        if on_duty == 0:
            parsed.problems.append(
                field_error(f"file.row.{number}.officers_in", "no officer on duty in that hour")
            )
            continue
        data = {
            "kpi": STATION_KPI,
            "period": period_of_date(day, PeriodKind.month).text,
            "area": row.get("area") or None,
            "source_ref": f"{day.isoformat()}T{hour:02d}",
            "hour": hour,
            "numerator": figures["officers_out"],
            "denominator": on_duty,
        }
        _add(parsed, number, data, lambda name: name)
    return parsed


def parse(fmt: ImportFormat, content: bytes, accounts: Mapping[str, SocialAccount]) -> Parsed:
    if fmt is ImportFormat.social_posts:
        return parse_social_posts(content, accounts)
    if fmt is ImportFormat.station_hours:
        return parse_station_hours(content)
    return parse_measurements(content)
