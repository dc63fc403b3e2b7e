"""Survey service: survey definitions, imports, responses and their analysis.

One package per domain: `surveys` (definitions and wordings), `imports` (import jobs: the file
checked, validated row by row, merged into the responses), `responses` (responses sent as
JSON), `analysis` (results, changes, trends, correlations, representativeness, raking),
`population` (population margins) and `comments` (free-text search). At the top: `app`,
`config`, `errors`, `demo`, the request dependencies (`deps`), shared field types (`fields`)
and the district rule (`districts`).
"""
