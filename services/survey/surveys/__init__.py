"""Survey definitions: surveys, their questions with ordered answers (what is excluded from
the base), every wording a question has had.

`router` (HTTP in/out), `service` (defining a survey, a replay of the same definition, a new
wording: `add_wording`), `definition` (`SurveyDef`, the definition loaded once into plain
objects for validation and analysis: `load_definition`; wording breaks
`QuestionDef.wording_breaks`), `repository` (queries), `schemas`, `models`.
"""
