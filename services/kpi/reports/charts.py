"""Server-side charts with matplotlib (Agg, no display): SVG for the HTML report and the
dashboard, PNG for the PDF. Each chart has a title and a description for screen readers and
its data as a table, shown beside it.

Making Data Count colours for SPC: common cause grey, improvement blue, concern orange,
target red. Drawing is CPU work: callers run it in a worker thread (`asyncio.to_thread`).
Figures are built with the object API (never pyplot's global state), one per chart.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from services.kpi.reports.periods import wave_words
from shared.contracts.kpi import KpiSeries, Nature
from shared.contracts.survey import QuestionResults

# Text stays text in the SVG (searchable, scalable, small); ids are stable between runs.
matplotlib.rcParams.update(
    {"svg.fonttype": "none", "svg.hashsalt": "engagement-hub", "font.size": 9}
)

GREY = "#7B7D7D"  # common cause
BLUE = "#289DE0"  # improvement
ORANGE = "#FFB207"  # concern
RED = "#E10000"  # target
PURPLE = "#361475"  # neither (no direction)
# Survey answers: a colour-blind-safe qualitative palette (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")

Cell = str | float | int | None
RASTER_DPI = 120
# Each tick is a handful of artists (most of a chart's drawing time): a few, evenly spaced.
MAX_TICKS = 8


@dataclass
class Chart:
    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[Cell]]
    draw: Callable[[Axes], None] = field(repr=False)
    size: tuple[float, float] = (7.0, 3.0)
    margins: dict[str, float] = field(
        default_factory=lambda: {"left": 0.09, "right": 0.97, "top": 0.9, "bottom": 0.22}
    )
    svg: str = ""

    def figure(self) -> Figure:
        # Fixed margins, not a layout engine: constrained layout measured every tick label
        # twice and took ~40% of a chart's time.
        figure = Figure(figsize=self.size)
        figure.subplots_adjust(**self.margins)
        axes = figure.add_subplot()
        self.draw(axes)
        # A fixed title position: left automatic, matplotlib measures every artist of the
        # axes to keep the title clear of top ticks (there are none): ~15% of a chart.
        axes.set_title(self.title, loc="left", fontsize=10, y=1.0, pad=6)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
        axes.spines[["top", "right"]].set_visible(False)
        return figure

    def fingerprint(self) -> str:
        """Everything a chart draws is in its table (values, limits, targets, signals) and its
        words: equal fingerprints draw the same picture."""
        content = json.dumps(
            [self.key, self.title, self.description, self.columns, self.rows, self.size],
            default=str,
        )
        return hashlib.sha256(content.encode()).hexdigest()

    def render_svg(self) -> str:
        self.svg = _rendered(self, "svg").decode()
        return self.svg

    def render_jpeg(self) -> bytes:
        """For the PDF: reportlab embeds a JPEG as it is (a PNG it decodes and re-compresses,
        which cost more than drawing the chart)."""
        return _rendered(self, "jpeg")

    def draw_to(self, kind: str) -> bytes:
        buffer = io.BytesIO()
        if kind == "svg":
            self.figure().savefig(buffer, format="svg", metadata={"Date": None})
            svg = _accessible(buffer.getvalue().decode(), self.key, self.title, self.description)
            return svg.encode()
        self.figure().savefig(
            buffer, format="jpeg", dpi=RASTER_DPI, pil_kwargs={"quality": 90, "optimize": False}
        )
        return buffer.getvalue()


# Drawing is the slow part of a report (~0.1-0.3 s a chart); a board reads the same quarter
# many times, so pictures are kept by fingerprint (bounded: ~50 kB an SVG).
_CACHE: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()


def _rendered(chart: Chart, kind: str) -> bytes:
    key = (chart.fingerprint(), kind)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
    if found is None:
        found = chart.draw_to(kind)
        with _CACHE_LOCK:
            _CACHE[key] = found
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return found


def prerender(kind: Literal["svg", "jpeg"], drawn: Iterable[Chart]) -> None:
    """Draw charts into the picture cache (by content: never a stale picture), for a report
    whose other inputs are still being fetched. Runs in a worker thread."""
    for chart in drawn:
        _rendered(chart, kind)


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def _accessible(svg: str, key: str, title: str, description: str) -> str:
    """Inline-ready SVG: no XML prolog, role=img, a <title> and <desc> screen readers read."""
    svg = svg[svg.index("<svg") :]
    match = _SVG_OPEN.search(svg)
    assert match is not None
    opening = match.group(0)
    opening = re.sub(r'\s(width|height)="[^"]*"', "", opening)
    label = f"chart-{key}"
    opening = opening[:-1] + (
        f' role="img" aria-labelledby="{label}-title {label}-desc" '
        'style="max-width:100%;height:auto">'
    )
    head = (
        f'<title id="{label}-title">{escape(title)}</title>'
        f'<desc id="{label}-desc">{escape(description)}</desc>'
    )
    return opening + head + svg[match.end() :]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def survey_chart(results: QuestionResults) -> Chart | None:
    """Answer shares by wave with their 95% intervals (suppressed waves left as gaps)."""
    waves = [g.group for g in results.groups]
    if not waves:
        return None
    answers: dict[str, str] = {}
    for group in results.groups:
        for answer in group.answers:
            answers.setdefault(answer.answer, answer.label)
    columns = ["Wave", "Base", *(f"{label} % (95% CI)" for label in answers.values())]
    rows: list[list[Cell]] = []
    for group in results.groups:
        by_code = {a.answer: a for a in group.answers}
        row: list[Cell] = [wave_words(group.group), group.base_n]
        for code in answers:
            a = by_code.get(code)
            if a is None or a.share is None:
                row.append("suppressed" if group.suppressed and group.base_n else "no data")
            elif a.ci_low is None or a.ci_high is None:
                row.append(f"{_pct(a.share)}")
            else:
                row.append(f"{_pct(a.share)} ({_pct(a.ci_low)} to {_pct(a.ci_high)})")
        rows.append(row)

    def draw(axes: Axes) -> None:
        x = list(range(len(waves)))
        for index, (code, label) in enumerate(answers.items()):
            colour = PALETTE[index % len(PALETTE)]
            share, low, high = [], [], []
            for group in results.groups:
                a = next((a for a in group.answers if a.answer == code), None)
                ok = a is not None and a.share is not None
                share.append(a.share * 100 if ok and a and a.share is not None else float("nan"))
                low.append(a.ci_low * 100 if ok and a and a.ci_low is not None else float("nan"))
                high.append(a.ci_high * 100 if ok and a and a.ci_high is not None else float("nan"))
            axes.plot(x, share, color=colour, label=label, linewidth=1.5, marker=".")
            axes.fill_between(x, low, high, color=colour, alpha=0.15, linewidth=0)
        _wave_axis(axes, waves)
        axes.set_ylabel("% of base (95% CI shaded)")
        axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))

    latest = results.groups[-1].group
    return Chart(
        key=f"survey-{results.question}",
        title=f"{results.question_text}"[:90],
        description=(
            f"Line chart of the share giving each answer to '{results.question_text}' per "
            f"survey wave from {wave_words(waves[0])} to {wave_words(latest)}, with 95% "
            "intervals shaded. The table beside it gives every value."
        ),
        columns=columns,
        rows=rows,
        draw=draw,
        size=(8.0, 3.2),
        margins={"left": 0.08, "right": 0.74, "top": 0.9, "bottom": 0.24},
    )


def _wave_axis(axes: Axes, waves: Sequence[str]) -> None:
    step = max(1, -(-len(waves) // MAX_TICKS))
    ticks = list(range(0, len(waves), step))
    axes.set_xticks(ticks, [wave_words(waves[i]) for i in ticks], rotation=45, ha="right")


NATURE_COLOURS = {Nature.improvement: BLUE, Nature.concern: ORANGE, Nature.neither: PURPLE}


def xmr_chart(series: KpiSeries) -> Chart | None:
    """The XmR chart of a KPI: points coloured by special cause, mean, limits and target."""
    points = [p for p in series.points if p.value is not None]
    if not points:
        return None
    unit = "%" if series.unit == "percent" else series.unit
    columns = [
        "Period",
        f"Value ({unit})",
        "Mean",
        "Lower limit",
        "Upper limit",
        "Target",
        "Signal",
    ]
    rows: list[list[Cell]] = []
    for p in series.points:
        segment = series.segments[p.segment] if p.segment < len(series.segments) else None
        signal = (p.nature.value if p.nature else "") + (
            f" ({', '.join(r.value for r in p.special_causes)})" if p.special_causes else ""
        )
        rows.append(
            [
                p.period,
                None if p.value is None else round(p.value, 2),
                _round(segment.mean if segment else None),
                _round(segment.lower_limit if segment else None),
                _round(segment.upper_limit if segment else None),
                _round(p.target),
                signal.strip() or "common cause",
            ]
        )

    def draw(axes: Axes) -> None:
        index = {p.period: i for i, p in enumerate(series.points)}
        x = [index[p.period] for p in points]
        values = [float(p.value or 0.0) for p in points]
        axes.plot(x, values, color=GREY, linewidth=1.2, zorder=1)
        colours = [NATURE_COLOURS.get(p.nature, GREY) if p.nature else GREY for p in points]
        axes.scatter(x, values, c=colours, s=22, zorder=3)  # one collection, not one per point
        for number, segment in enumerate(series.segments):
            span = [
                i
                for i, p in enumerate(series.points)
                if p.segment == number and p.value is not None
            ]
            if not span or segment.mean is None:
                continue
            left, right = min(span), max(span)
            axes.hlines(segment.mean, left, right, color=GREY, linewidth=1)
            for limit in (segment.upper_limit, segment.lower_limit):
                if limit is not None:
                    axes.hlines(limit, left, right, color=GREY, linewidth=0.9, linestyles="dashed")
        targets = [(index[p.period], p.target) for p in series.points if p.target is not None]
        if targets:
            axes.plot(
                [t[0] for t in targets],
                [t[1] for t in targets],
                color=RED,
                linewidth=1.2,
                linestyle="dotted",
                label="target",
            )
        labels = [p.period for p in series.points]
        step = max(1, -(-len(labels) // MAX_TICKS))
        ticks = list(range(0, len(labels), step))
        axes.set_xticks(ticks, [labels[i] for i in ticks], rotation=45, ha="right")
        axes.set_ylabel(unit or "value")

    signals = sum(1 for p in points if p.nature is not None)
    return Chart(
        key=f"xmr-{series.code}",
        title=f"{series.name} (XmR)"[:90],
        description=(
            f"XmR chart of {series.name} from {series.first_period} to {series.last_period}: "
            f"{len(points)} points, mean and process limits in grey, target in red, "
            f"{signals} points with a special cause (blue improvement, orange concern). "
            "The table beside it gives every value."
        ),
        columns=columns,
        rows=rows,
        draw=draw,
        size=(7.0, 2.8),
        margins={"left": 0.12, "right": 0.97, "top": 0.88, "bottom": 0.27},
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def bar_chart(
    key: str, title: str, label: str, counts: Sequence[tuple[str, int]], *, horizontal: bool
) -> Chart | None:
    if not counts:
        return None
    names = [c[0] for c in counts]
    values = [c[1] for c in counts]

    def draw(axes: Axes) -> None:
        if horizontal:
            axes.barh(names[::-1], values[::-1], color=PALETTE[0])
            axes.set_xlabel(label)
        else:
            axes.bar(names, values, color=PALETTE[0])
            axes.set_ylabel(label)
            axes.tick_params(axis="x", rotation=45)

    top = max(counts, key=lambda c: c[1])
    return Chart(
        key=key,
        title=title,
        description=(
            f"Bar chart of {label.lower()} for {len(counts)} groups; the largest is {top[0]} "
            f"with {top[1]:,}. The table beside it gives every value."
        ),
        columns=["Group", label],
        rows=[[n, v] for n, v in counts],
        draw=draw,
        size=(7.0, max(2.2, 0.28 * len(counts) + 0.8)) if horizontal else (7.0, 2.8),
        margins=(
            {
                "left": 0.32,
                "right": 0.97,
                "top": 1 - 0.35 / max(2.2, 0.28 * len(counts) + 0.8),
                "bottom": 0.45 / max(2.2, 0.28 * len(counts) + 0.8),
            }
            if horizontal
            else {"left": 0.1, "right": 0.97, "top": 0.88, "bottom": 0.3}
        ),
    )


def scatter_chart(
    key: str, title: str, x_label: str, y_label: str, points: Sequence[tuple[str, float, float]]
) -> Chart | None:
    if not points:
        return None

    def draw(axes: Axes) -> None:
        axes.scatter([p[1] for p in points], [p[2] for p in points], color=PALETTE[0], s=24)
        for name, x, y in points:
            axes.annotate(name, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)

    return Chart(
        key=key,
        title=title,
        description=(
            f"Scatter plot of {y_label.lower()} against {x_label.lower()} for {len(points)} "
            "areas. The table beside it gives every value."
        ),
        columns=["Area", x_label, y_label],
        rows=[[n, round(x, 2), round(y, 2)] for n, x, y in points],
        draw=draw,
        size=(6.0, 3.0),
        margins={"left": 0.12, "right": 0.97, "top": 0.88, "bottom": 0.17},
    )
