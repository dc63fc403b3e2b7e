"""Import jobs: a CSV or XLSX file of responses, checked at upload and run in the background.

`router` (HTTP in/out: jobs, their errors CSV, the import templates), `service` (what is
refused at upload: `create_import`; a job as read: `job_read`), `rows` (the header plan and
the one row validator, `RowValidator`, shared with the JSON responses), `files` (reading CSV
and XLSX), `format` (the import format stated, and its templates), `margin_check` (warnings
for values matching no population margin), `run` (one execution of a job: `run_import`),
`runner` (`ImportRunner`: jobs as tasks of the process, recovered after a restart),
`repository` (queries), `schemas`, `models`.
"""
