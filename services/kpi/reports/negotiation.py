"""Which representation of the report a caller gets: `format=` wins, else the Accept header."""

from __future__ import annotations

from shared.problems import ProblemError

MEDIA_TYPES = {"html": "text/html", "json": "application/json", "pdf": "application/pdf"}
_BY_MEDIA_TYPE = {v: k for k, v in MEDIA_TYPES.items()}


def _accepted(header: str) -> list[tuple[float, int, str]]:
    """(quality, position, media range) for each entry of an Accept header."""
    out = []
    for position, part in enumerate(header.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            out.append((quality, position, media.lower()))
    return out


def choose_format(format_: str | None, accept: str | None) -> str:
    """`html`, `json` or `pdf`; 406 when the Accept header allows none of them."""
    if format_ is not None:
        return format_
    if not accept:
        return "html"
    best: tuple[float, int, str] | None = None
    for quality, position, media in _accepted(accept):
        if quality <= 0:
            continue
        if media in ("*/*", "text/*"):
            chosen = "html"
        elif media == "application/*":
            chosen = "json"
        else:
            found = _BY_MEDIA_TYPE.get(media)
            if found is None:
                continue
            chosen = found
        # Highest quality wins; among equals, the one listed first.
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, chosen)
    if best is None:
        raise ProblemError(
            406,
            "The report is available as text/html, application/json or application/pdf "
            "(or ask with `format=html|json|pdf`).",
        )
    return best[2]
