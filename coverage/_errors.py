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
