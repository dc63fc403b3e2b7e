"""Population margins (age band x sex, area) of a survey, for representativeness and raking.

`router` (HTTP in/out), `service` (replace, read), `schemas`, `models`.
"""
