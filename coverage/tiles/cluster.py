"""The Dask side of tiled runs: the scheduler (``"local:N"``, an address, a client or this process), the
executor that runs one task per tile, and what a worker measures about itself."""

from __future__ import annotations

import logging

from .._errors import CoverageInputError

log = logging.getLogger(__name__)


def need_dask() -> None:
    """Raise a one-line error naming the extra when dask.distributed is missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        msg = (
            'tiled runs need Dask: install the dask extra, pip install "service-coverage[dask]" '
            '(or pip install -e ".[dask]" in a checkout).'
        )
        raise CoverageInputError(msg) from None


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB): VmHWM on Linux, which, unlike ru_maxrss, does not carry the
    parent's size over into a process that Dask started."""
    import resource
    import sys

    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def one_thread_on_a_worker() -> None:
    """On a Dask worker the tiles run in parallel already: one thread each, not one per core."""
    import os

    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return
    os.environ.setdefault("SERVICE_COVERAGE_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")


class dask_client:  # a context manager, used like a function
    """``with dask_client("local:2") as client:`` one cluster for several tiled steps (None stays None)."""

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.close = lambda: None

    def __enter__(self):
        if self.scheduler is None or not isinstance(self.scheduler, str):
            return self.scheduler
        client, self.close = _client(self.scheduler)
        return client

    def __exit__(self, *exc):
        self.close()


def _client(scheduler):
    """(Client, closer) for "local:N" or a scheduler address."""
    need_dask()
    from distributed import Client, LocalCluster

    own = []
    if isinstance(scheduler, str) and scheduler.startswith("local"):
        n = scheduler.split(":", 1)[1] if ":" in scheduler else ""
        try:
            n_workers = int(n) if n else None
        except ValueError:
            n_workers = -1
        if n_workers is not None and n_workers < 1:
            msg = f"--scheduler {scheduler!r}: give local:N with N workers, e.g. local:2."
            raise CoverageInputError(msg)
        import os

        cluster = LocalCluster(
            n_workers=n_workers or os.cpu_count(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        own = [client, cluster]
    elif isinstance(scheduler, str) and "://" in scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            msg = f"--scheduler {scheduler}: could not reach the Dask scheduler ({exc})."
            raise CoverageInputError(msg) from None
        own = [client]
    else:
        msg = f"--scheduler {scheduler!r}: give local:N or a scheduler address like tcp://host:8786."
        raise CoverageInputError(msg)

    def close():
        for o in own:
            o.close()

    return client, close


def as_client(scheduler):
    """The dask.distributed Client when ``scheduler`` is one (else None)."""
    try:
        from distributed import Client
    except ImportError:
        return None
    return scheduler if isinstance(scheduler, Client) else None


def executor(scheduler):
    """(map function, closer) for a scheduler spec: None, "local:N", an address, or a Client."""
    if scheduler is None:
        return (lambda fn, tasks: [fn(t) for t in progress_tasks(tasks)]), (lambda: None)
    need_dask()
    from distributed import Client, as_completed, progress

    if isinstance(scheduler, Client):
        client, close = scheduler, (lambda: None)
    else:
        client, close = _client(scheduler)

    def run(fn, tasks):
        futures = client.map(fn, tasks, pure=False)
        if log.isEnabledFor(logging.INFO):
            progress(futures)  # Dask's own progress bar
        out = []
        for fut in as_completed(futures):
            out.append(fut.result())
        return out

    return run, close


def progress_tasks(tasks):
    from .._progress import progress_bar

    return progress_bar(tasks, desc="tiles") if log.isEnabledFor(logging.INFO) else tasks
