"""Survey analysis: shares with intervals, changes, trends, correlations, representativeness
and raking. Aggregation in SQL (counts, sums of w and w^2), statistics in Python.

The counting rules are the README's "Survey statistics": the base excludes answers flagged
`excluded_from_base`; share = sum w [answer] / sum w over the base; effective n = (sum w)^2 /
sum w^2; Wilson interval on the effective n; suppressed under 50, low base under 100.

`router` (HTTP in/out); one module per analysis: `results`, `changes` (is a change real:
`_compare`), `trend`, `correlations`, `representativeness`; what they share: `aggregate`
(the sums per wave, group and answer), `summary` (a group's shares: `summarise`), `raking`
(weights fitted to the population margins); `repository` (the GROUP BYs), `schemas`
(representativeness; the other models are `shared/contracts/survey.py`).
"""
