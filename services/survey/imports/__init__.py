"""Import jobs: a CSV or XLSX file of responses, checked at upload and run in the background.

`router` (HTTP in/out: jobs, their errors CSV, the import templates), `service` (what is
refused at upload: `create_import`; a job as read: `job_read`; the errors CSV), `header` (the
format's columns and limits, a file's header plan: `plan_header`), `rows` (the one row
validator, `RowValidator`, shared with the JSON responses) and `cells` (one cell's rules),
`files` (reading CSV and XLSX), `format` (the import format stated, and its templates),
`margin_check` (warnings for values matching no population margin), `run` (one execution of
a job: `run_import`), `queue` (how jobs are queued and run: pgqueuer on PostgreSQL, tasks of
the process on SQLite), `repository` (queries: jobs, uploads, rejected cells, the staging
table), `schemas`, `models`.
"""
