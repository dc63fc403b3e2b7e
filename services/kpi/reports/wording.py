"""The report's wording rules, after the GSS/ONS guidance on communicating uncertainty and change.

Pure functions from figures to sentences; tests pin each rule. The rules:
- "increased" / "decreased" only when the change is significant at 95% (the survey service's
  two-proportion z-test); otherwise "did not change significantly (the 4.8 percentage point
  fall was not statistically significant)". Significance is never read off overlapping
  intervals.
- An estimate is always given with its 95% interval.
- A record ("the highest since 2014") only when the series says so: the latest wave is above
  every earlier wave back to the first one; otherwise "the highest since <the last higher wave>".
- No data and suppressed bases (fewer than 50 responses) are said in words, never shown as 0.
- Associations (correlations) are never worded as causes.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.kpi.reports.periods import wave_words
from services.kpi.reports.schemas import Evidence, FigureValue, Finding
from shared.contracts.survey import SUPPRESS_BELOW, wave_index

COMPARISON_WORDS = {
    "previous_quarter": "the previous quarter",
    "same_quarter_last_year": "the same quarter last year",
    "rolling_four_quarters": "the four quarters before (rolling four quarters)",
}
RECORD_GAP_WAVES = 4
ASSOCIATION_NOTE = "this is an association, not evidence that one causes the other"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 activity`, `2 activities`."""
    return f"{count:,} {singular if count == 1 else many or singular + 's'}"


def percent(share: float) -> str:
    """A share (0-1) as a percentage with one decimal: 0.4531 -> `45.3%`."""
    return f"{share * 100:.1f}%"


def points(pp: float) -> str:
    """Percentage points with one decimal, no sign."""
    return f"{abs(pp):.1f} percentage point"


def p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def estimate(share: float, ci_low: float | None, ci_high: float | None) -> str:
    """`45.3% (95% CI 42.1% to 48.5%)`: an estimate always goes with its interval."""
    if ci_low is None or ci_high is None:
        return percent(share)
    return f"{percent(share)} (95% CI {percent(ci_low)} to {percent(ci_high)})"


def subject(label: str, question: str | None) -> str:
    """`The share answering 'Yes' to the have-your-say question`."""
    return f"The share answering '{label}'" + (f" to {question}" if question else "")


def _finding(
    key: str, section: int, kind: str, sentence: str, evidence: Evidence, headline: bool = False
) -> Finding:
    return Finding(
        key=key, section=section, kind=kind, sentence=sentence, evidence=evidence, headline=headline
    )


def change_finding(
    *,
    key: str,
    label: str,
    question: str | None = None,
    kind: str,
    share: float | None,
    baseline_share: float | None,
    difference_pp: float | None,
    p: float | None,
    significant: bool | None,
    comparable: bool,
    reason: str | None,
    source: str,
    figures: Mapping[str, FigureValue] | None = None,
) -> Finding:
    """One answer's change against one comparison period."""
    against = COMPARISON_WORDS.get(kind, kind.replace("_", " "))
    evidence = Evidence(
        source=source,
        test="two-proportion z-test on effective sample sizes (two-sided)",
        p=p,
        significant=significant,
        figures={
            "share": share,
            "baseline_share": baseline_share,
            "difference_pp": difference_pp,
            **(figures or {}),
        },
    )
    said = subject(label, question)
    if not comparable or share is None or baseline_share is None or difference_pp is None:
        why = reason or "one of the periods has no published figure"
        evidence.test = None
        return _finding(
            key, 3, "no_data", f"{said} cannot be compared with {against}: {why}.", evidence
        )
    movement = f"from {percent(baseline_share)} to {percent(share)}"
    tested = f"; {p_value(p)}" if p is not None else ""
    if significant and difference_pp != 0:
        verb = "increased" if difference_pp > 0 else "decreased"
        sentence = (
            f"{said} {verb} {movement} compared with {against} "
            f"(a {points(difference_pp)} {'rise' if difference_pp > 0 else 'fall'}, "
            f"statistically significant{tested})."
        )
        return _finding(key, 3, "change", sentence, evidence, headline=True)
    if round(difference_pp, 1) == 0:
        sentence = (
            f"{said} did not change significantly compared with {against} "
            f"({percent(share)} against {percent(baseline_share)}{tested})."
        )
        return _finding(key, 3, "change", sentence, evidence)
    direction = "rise" if difference_pp > 0 else "fall"
    sentence = (
        f"{said} did not change significantly compared with {against} "
        f"(the {points(difference_pp)} {direction} was not statistically significant{tested})."
    )
    return _finding(key, 3, "change", sentence, evidence)


def estimate_finding(
    *,
    key: str,
    label: str,
    question: str | None = None,
    wave: str,
    share: float | None,
    ci_low: float | None,
    ci_high: float | None,
    base_n: int,
    suppressed: bool,
    low_base: bool,
    source: str,
) -> Finding:
    """The latest wave's estimate with its interval, or why there is none."""
    evidence = Evidence(
        source=source,
        figures={
            "wave": wave,
            "share": share,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "base_n": base_n,
            "suppressed": suppressed,
            "low_base": low_base,
        },
    )
    when = wave_words(wave)
    if base_n == 0:
        return no_data_finding(key=key, section=3, what=f"'{label}' in {when}", source=source)
    if suppressed or share is None:
        sentence = (
            f"{subject(label, question)} in {when} is not shown: the base of {base_n} "
            f"responses is below the {SUPPRESS_BELOW} needed to publish an estimate."
        )
        return _finding(key, 3, "data_quality", sentence, evidence)
    caution = f" The base is low ({base_n} responses): treat it with caution." if low_base else ""
    sentence = (
        f"In {when}, {estimate(share, ci_low, ci_high)} answered '{label}'"
        f"{' to ' + question if question else ''} (base {base_n} responses).{caution}"
    )
    return _finding(key, 3, "estimate", sentence, evidence)


def record_finding(
    *,
    key: str,
    label: str,
    question: str | None = None,
    latest_wave: str | None,
    latest_share: float | None,
    first_wave: str | None,
    record_high: bool | None,
    record_low: bool | None,
    last_higher_wave: str | None,
    last_lower_wave: str | None,
    source: str,
) -> Finding | None:
    """A record high or low, only when the series shows one; None when neither is true."""
    evidence = Evidence(
        source=source,
        figures={
            "latest_wave": latest_wave,
            "latest_share": latest_share,
            "first_wave": first_wave,
            "record_high": record_high,
            "record_low": record_low,
            "last_higher_wave": last_higher_wave,
            "last_lower_wave": last_lower_wave,
        },
    )
    if latest_wave is None or latest_share is None or first_wave is None:
        return None
    when = wave_words(latest_wave)
    if first_wave == latest_wave:
        return None  # a series of one wave has no record to speak of
    if record_high or record_low:
        extreme = "highest" if record_high else "lowest"
        sentence = (
            f"{subject(label, question)} in {when} ({percent(latest_share)}) was the "
            f"{extreme} recorded since the series began in {first_wave[:4]}."
        )
        return _finding(key, 3, "record", sentence, evidence, headline=True)
    # Not a record: "the highest since <wave>" when the last higher (lower) wave is at least
    # a year back, so the sentence says something a reader would not see at a glance.
    for extreme, since in (("highest", last_higher_wave), ("lowest", last_lower_wave)):
        if since is not None and wave_index(latest_wave) - wave_index(since) >= RECORD_GAP_WAVES:
            sentence = (
                f"{subject(label, question)} in {when} ({percent(latest_share)}) was the "
                f"{extreme} since {wave_words(since)}."
            )
            return _finding(key, 3, "record", sentence, evidence)
    return None


def trend_finding(
    *,
    key: str,
    label: str,
    question: str | None = None,
    trend: str | None,
    slope_pp_per_year: float | None,
    p: float | None,
    waves: int,
    first_wave: str | None,
    last_wave: str | None,
    source: str,
) -> Finding:
    evidence = Evidence(
        source=source,
        test="Mann-Kendall trend test (tie-corrected), Theil-Sen slope",
        p=p,
        significant=None if p is None else p < 0.05,
        figures={
            "waves": waves,
            "trend": trend,
            "slope_pp_per_year": slope_pp_per_year,
            "first_wave": first_wave,
            "last_wave": last_wave,
        },
    )
    said = subject(label, question)
    if trend is None or p is None or first_wave is None or last_wave is None:
        sentence = (
            f"There are too few published waves ({waves}) to test for a trend in the {said[4:]}."
        )
        evidence.test = None
        return _finding(key, 3, "no_data", sentence, evidence)
    span = f"from {wave_words(first_wave)} to {wave_words(last_wave)}"
    if trend in ("increasing", "decreasing") and slope_pp_per_year is not None:
        way = "upward" if trend == "increasing" else "downward"
        move = "rising" if trend == "increasing" else "falling"
        sentence = (
            f"{said} shows a statistically significant {way} trend {span} "
            f"(Mann-Kendall {p_value(p)}), {move} by about {points(slope_pp_per_year)}s a year."
        )
        return _finding(key, 3, "trend", sentence, evidence, headline=True)
    sentence = f"{said} shows no statistically significant trend {span} ({p_value(p)})."
    return _finding(key, 3, "trend", sentence, evidence)


def correlation_finding(
    *,
    key: str,
    label_a: str,
    label_b: str,
    r: float | None,
    p: float | None,
    significant: bool | None,
    waves: int,
    source: str,
) -> Finding:
    evidence = Evidence(
        source=source,
        test="Pearson correlation of the answer shares across waves",
        p=p,
        significant=significant,
        figures={"r": r, "waves": waves},
    )
    pair = f"'{label_a}' and '{label_b}'"
    if r is None or p is None:
        evidence.test = None
        sentence = (
            f"No correlation can be computed between {pair}: fewer than 3 published waves "
            f"({waves}), or one of the shares did not vary."
        )
        return _finding(key, 3, "no_data", sentence, evidence)
    if significant:
        way = "rose and fell together" if r > 0 else "moved in opposite directions"
        sentence = (
            f"The shares answering {pair} {way} across {waves} waves (r = {r:.2f}, "
            f"{p_value(p)}); {ASSOCIATION_NOTE}."
        )
        return _finding(key, 3, "correlation", sentence, evidence)
    sentence = (
        f"No statistically significant correlation between the shares answering {pair} across "
        f"{waves} waves (r = {r:.2f}, {p_value(p)})."
    )
    return _finding(key, 3, "correlation", sentence, evidence)


def association_finding(
    *,
    key: str,
    measure: str,
    outcome: str,
    level: str,
    areas: int,
    rho: float | None,
    ci_low: float | None,
    ci_high: float | None,
    p: float | None,
    source: str,
) -> Finding:
    """A rank correlation across areas, worded as an association, never a cause."""
    evidence = Evidence(
        source=source,
        test="Spearman rank correlation across areas (Fisher z interval, Bonett-Wright variance)",
        p=p,
        significant=None if p is None else p < 0.05,
        figures={"rho": rho, "ci_low": ci_low, "ci_high": ci_high, "areas": areas, "level": level},
    )
    if rho is None or p is None:
        evidence.test = None
        sentence = (
            f"No rank correlation of {measure} with {outcome} can be computed: it needs at "
            f"least 4 {level}s with both figures ({areas} here), each figure varying."
        )
        return _finding(key, 6, "no_data", sentence, evidence)
    interval = ""
    if ci_low is not None and ci_high is not None:
        interval = f", 95% CI {ci_low:.2f} to {ci_high:.2f}"
    stats = f"Spearman's rho = {rho:.2f}{interval}, {p_value(p)}, {areas} {level}s"
    if p < 0.05:
        way = "higher" if rho > 0 else "lower"
        sentence = (
            f"{level.capitalize()}s with more {measure} tended to have {way} {outcome} "
            f"({stats}); {ASSOCIATION_NOTE}."
        )
        return _finding(key, 6, "association", sentence, evidence, headline=True)
    sentence = (
        f"No statistically significant association between {measure} and {outcome} ({stats})."
    )
    return _finding(key, 6, "association", sentence, evidence)


def no_data_finding(*, key: str, section: int, what: str, source: str) -> Finding:
    return _finding(
        key, section, "no_data", f"There is no data for {what}.", Evidence(source=source)
    )
