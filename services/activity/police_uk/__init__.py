"""data.police.uk's neighbourhood API, served from the Hub's beat profiles (issue 15).

`router` (HTTP in/out), `service` (what is published and how), `repository` (queries),
`schemas` (the data.police.uk shapes, in and out), `models` (forces, neighbourhood extras,
boundaries, published events). The router is imported by the app, not here: the registries
import `service.completeness`, and the router imports the registries.
"""

from services.activity.police_uk.schemas import IMPORT_EXAMPLE

__all__ = ["IMPORT_EXAMPLE"]
