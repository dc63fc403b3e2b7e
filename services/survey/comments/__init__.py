"""Comment search: the free-text answers of a survey, filtered and paged by cursor.

`router` (HTTP in/out), `service` (the search: `search_comments`), `schemas`.
"""
