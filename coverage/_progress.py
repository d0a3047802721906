"""Progress bars for long steps (tqdm: terminal or notebook widget)."""

from __future__ import annotations

import logging
import os

log = logging.getLogger("coverage")


def tqdm_class():
    """tqdm's notebook widget when ipywidgets is there, its text bar otherwise
    (never tqdm's IProgress warning)."""
    try:
        import ipywidgets  # noqa: F401
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm.std import tqdm
    return tqdm


def progress_bar(iterable, *, desc: str, unit_scale: int = 1, total: int | None = None):
    """Wrap ``iterable`` in a tqdm bar when tqdm is present and output is interactive.

    ``unit_scale`` multiplies the count shown (chunks of stations count as
    that many stations). The bar is disabled when stderr is not a terminal and
    we are not in a notebook, so logs and CI output stay clean.
    """
    tqdm = tqdm_class()
    items = list(iterable)
    bar = tqdm(total=(total or len(items)) * unit_scale, desc=desc, disable=None, leave=False)

    def gen():
        try:
            for x in items:
                yield x
                bar.update(unit_scale)
        finally:
            bar.close()

    return gen()


class counter:
    """A cheap counting bar for loops of unknown length (updates every 5,000 items)."""

    def __init__(self, desc: str, unit: str = " it", every: int = 5000):
        self.n = 0
        self.every = every
        self.bar = tqdm_class()(desc=desc, unit=unit, disable=None, leave=False)

    def tick(self) -> None:
        self.n += 1
        if self.bar is not None and self.n % self.every == 0:
            self.bar.update(self.every)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.n % self.every)
            self.bar.close()
            self.bar = None


def n_threads() -> int:
    """Threads for chunked work: the CPUs this process may use (``SERVICE_COVERAGE_THREADS`` caps them;
    a tile task on a Dask worker uses one, since Dask runs the tasks in parallel)."""
    cap = os.environ.get("SERVICE_COVERAGE_THREADS", "")
    if cap.isdigit() and int(cap) > 0:
        return int(cap)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
