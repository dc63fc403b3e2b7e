"""Demo data for the survey service: OPCC responses with the patterns the report describes.

Quarterly waves from 2014-Q1 to the latest complete quarter, about 500 respondents per wave
(times `size`). The engagement questions follow the report's charts: "fairly well informed"
falls from about 45% to 25% by 2022-Q3 while "not very well informed" rises to about 56% (the
highest since 2014); "not at all informed" spikes in 2020-21 and falls back in early 2022;
awareness of opportunities to "have your say" declines, dips in 2020-Q1/Q2 and recovers from
2021-Q4. Respondents are older than the population (the "silent majority" question), and the
population margins are loaded so that raking and representativeness can be shown. No supplier
weights: every weight is 1, so `weighting=raked` shows what the age skew does.

Deterministic: the same `size` always gives the same rows.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from services.survey.imports.rows import london_today
from services.survey.population.models import PopulationMargin
from services.survey.responses.models import Response
from services.survey.surveys.definition import QuestionDef, load_definition
from shared.contracts.survey import wave_index, wave_of_date, wave_of_index, wave_range
from shared.db import Database

RESPONSES = Response.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
MARGINS = PopulationMargin.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__
PER_WAVE = 500
FIRST_WAVE = "2014-Q1"

AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
POPULATION_AGE = (0.14, 0.17, 0.16, 0.17, 0.15, 0.12, 0.09)
SAMPLE_AGE = (0.05, 0.09, 0.13, 0.18, 0.21, 0.21, 0.13)  # skewed older
SEXES = ("female", "male")
POPULATION_FEMALE = 0.51
SAMPLE_FEMALE = 0.56
AREAS = ("BRS", "NSM", "SGL", "BNE", "SOM", "SDN")  # the districts of the activity demo
POPULATION_AREA = (0.29, 0.13, 0.18, 0.12, 0.20, 0.08)
SAMPLE_AREA = (0.24, 0.15, 0.17, 0.14, 0.21, 0.09)
ADULTS = 1_450_000
ETHNICITIES = ("white_british", "white_other", "asian", "black", "mixed", "other")
SAMPLE_ETHNICITY = (0.88, 0.04, 0.03, 0.02, 0.02, 0.01)
COMMENTS = (
    "I never see officers on foot in my street any more.",
    "The local team's social media posts are helpful.",
    "Speeding on the main road is a real problem in the evenings.",
    "I did not know there were beat surgeries; please advertise them.",
    "Drug dealing near the park has got worse.",
    "The PCSO at the school gate does a great job.",
    "Hard to get through on 101.",
    "More information about what happens after we report anti-social behaviour, please.",
    "Good response when our car was broken into.",
    "I would like to hear about local priorities and what was done.",
)


def _between(t: float, points: list[tuple[float, float]]) -> float:
    """Piecewise-linear value at t (years since 2014-Q1) through `points`."""
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


def _t(wave: str) -> float:
    return (wave_index(wave) - wave_index(FIRST_WAVE)) / 4.0


def informed_shares(wave: str) -> dict[str, float]:
    """Shares of the base (don't know excluded) for the informed question."""
    t = _t(wave)
    very = 0.05
    fairly = _between(t, [(0, 0.45), (2.5, 0.45), (4.0, 0.40), (8.5, 0.25), (12.5, 0.27)])
    not_at_all = _between(
        t, [(0, 0.12), (6.0, 0.13), (6.25, 0.21), (7.75, 0.22), (8.0, 0.14), (12.5, 0.14)]
    )
    return {
        "very_well": very,
        "fairly_well": fairly,
        "not_at_all": not_at_all,
        "not_very_well": 1.0 - very - fairly - not_at_all,
    }


def have_say_yes(wave: str) -> float:
    t = _t(wave)
    if wave in ("2020-Q1", "2020-Q2"):
        return 0.16
    return _between(
        t, [(0, 0.40), (6.0, 0.30), (6.5, 0.24), (7.75, 0.24), (9.0, 0.31), (12.5, 0.32)]
    )


def latest_complete_wave(today: date) -> str:
    return wave_of_index(wave_index(wave_of_date(today)) - 1)


def _pick(rng: random.Random, options: tuple[str, ...], weights: tuple[float, ...]) -> str:
    return rng.choices(options, weights=weights)[0]


def _respondent(
    rng: random.Random, wave: str, i: int, slots: dict[str, QuestionDef]
) -> dict[str, Any]:
    year, quarter = int(wave[:4]), int(wave[6])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    interview = start + timedelta(days=rng.randrange((end - start).days))
    age = _pick(rng, AGES, SAMPLE_AGE)
    young = age in ("16-24", "25-34")
    shares = informed_shares(wave)
    if young:  # younger residents feel less informed: raking to the population shows it
        shares = {**shares, "fairly_well": shares["fairly_well"] - 0.06}
        shares["not_at_all"] += 0.06
    if rng.random() < 0.04:
        informed = "dont_know"
    else:
        informed = _pick(rng, tuple(shares), tuple(shares.values()))
    yes = have_say_yes(wave) - (0.05 if young else 0.0)
    roll = rng.random()
    have_say = "dont_know" if roll < 0.05 else ("yes" if roll < 0.05 + 0.95 * yes else "no")
    seen = "yes" if rng.random() < _between(_t(wave), [(0, 0.36), (12.5, 0.27)]) else "no"
    agree = _between(_t(wave), [(0, 0.72), (12.5, 0.62)])
    roll = rng.random()
    if roll < 0.03:
        confidence = "dont_know"
    elif roll < 0.03 + agree * 0.97:
        confidence = "strongly_agree" if rng.random() < 0.3 else "tend_to_agree"
    else:
        confidence = rng.choice(("neither", "tend_to_disagree", "strongly_disagree"))
    answers = {
        "informed": informed,
        "have_say": have_say,
        "seen_officer": seen,
        "confidence": confidence,
    }
    row: dict[str, Any] = {
        "respondent_id": f"OPCC-{wave}-{i:05d}",
        "wave": wave,
        "interview_date": interview,
        "area": _pick(rng, AREAS, SAMPLE_AREA),
        "age_band": age,
        "sex": "female" if rng.random() < SAMPLE_FEMALE else "male",
        "ethnicity": _pick(rng, ETHNICITIES, SAMPLE_ETHNICITY),
        "weight": 1.0,
    }
    for code, answer in answers.items():
        question = slots[code]
        row[question.column] = next(o.position for o in question.options if o.code == answer)
    if "comments" in slots and rng.random() < 0.12:
        row[slots["comments"].column] = rng.choice(COMMENTS)
    return row


def margins(survey_id: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for age, age_share in zip(AGES, POPULATION_AGE, strict=True):
        for sex, sex_share in zip(SEXES, (POPULATION_FEMALE, 1 - POPULATION_FEMALE), strict=True):
            rows.append(
                {
                    "survey_id": survey_id,
                    "dimension": "age_band_sex",
                    "category": f"{age}|{sex}",
                    "population": round(ADULTS * age_share * sex_share),
                    "updated_at": now,
                }
            )
    for area, share in zip(AREAS, POPULATION_AREA, strict=True):
        rows.append(
            {
                "survey_id": survey_id,
                "dimension": "area",
                "category": area,
                "population": round(ADULTS * share),
                "updated_at": now,
            }
        )
    return rows


async def load_demo(db: Database, size: int) -> bool:
    """Load the demo responses and margins of the OPCC survey; only into an empty store."""
    async with db.write_sessions() as session:
        count = (await session.execute(select(func.count()).select_from(RESPONSES))).scalar_one()
        if count:
            return False
        survey = await load_definition(session, "opcc")
        if survey is None:
            return False
        slots = {q.code: q for q in survey.questions}
        rng = random.Random(2014)
        now = datetime.now(UTC)
        last = latest_complete_wave(london_today())
        batch: list[dict[str, Any]] = []
        for wave in wave_range(FIRST_WAVE, last):
            for i in range(PER_WAVE * max(1, size)):
                row = _respondent(rng, wave, i, slots)
                row.update(survey_id=survey.id, source="demo", created_at=now, updated_at=now)
                batch.append(row)
                if len(batch) >= 5000:
                    await session.execute(insert(RESPONSES), _complete(batch))
                    batch = []
        if batch:
            await session.execute(insert(RESPONSES), _complete(batch))
        await session.execute(MARGINS.delete().where(MARGINS.c.survey_id == survey.id))
        await session.execute(insert(MARGINS), margins(survey.id, now))
        await session.commit()
    return True


def _complete(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every row with the same keys (executemany needs one shape)."""
    keys = set().union(*rows)
    return [{k: r.get(k) for k in keys} for r in rows]
