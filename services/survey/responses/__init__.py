"""Responses: the responses table, and a few responses sent as JSON (all stored or none).

`router` (HTTP in/out), `service` (the rules: the import's row validator, then the upsert:
`submit_responses`), `schemas`, `models` (the responses table, its answer slots).
"""
