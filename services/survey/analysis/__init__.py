"""Survey analysis: shares with intervals, changes, trends, correlations, representativeness
and raking, by the README's "Survey statistics".

`router` (HTTP in/out), `service` (the rules: `summarise`, `_compare`, `raking`, ...),
`schemas` (representativeness; the other models are `shared/contracts/survey.py`).
"""
