"""The engagement log: activities, their "you said, we did" actions as part of them, their
amendment history.

`router` (HTTP in/out), `service` (what an activity may refer to, amending, deleting,
reviewing), `create` and `batch` (logging one, or up to 500), `idempotency` (the
Idempotency-Key check: `replay_of`), `values` (an activity's columns and response body),
`history`, `repository` and `inserts` (queries), `schemas`, `models`.
"""
