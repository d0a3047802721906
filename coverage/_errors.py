"""Exceptions raised by service-coverage."""

from __future__ import annotations


class CoverageInputError(ValueError):
    """Input that cannot be used as given.

    The message names the file or argument, the column, up to five offending
    rows and the fix, so that it can be shown to a planner as one line.
    """


def rows_text(rows, limit: int = 5) -> str:
    """Format up to ``limit`` row labels for an error message."""
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"[{shown}]{more}"


def check_share(value, what: str, *, allow_zero: bool = False) -> float:
    """A share from a user: 0.85, 85 or "85%" all mean 0.85; anything else is refused clearly."""
    text = str(value).strip()
    pct = text.endswith("%")
    try:
        v = float(text.rstrip("%").strip())
    except ValueError:
        msg = f"{what} {value!r} is not a share; give it like 0.85 or 85%."
        raise CoverageInputError(msg) from None
    if pct or 1 < v <= 100:
        v = v / 100
    if not (0 <= v <= 1) or (v == 0 and not allow_zero):
        msg = f"{what} {value!r} is not a share between 0 and 1 (or 0% and 100%); give it like 0.85 or 85%."
        raise CoverageInputError(msg)
    return v
