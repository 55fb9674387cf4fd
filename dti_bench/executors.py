"""Where chunks of work run: in this process, in a local process pool, or on a dask.distributed cluster.

Every executor returns the results in task order, and every task carries everything it needs (its slice of
the design and the seed that slice is drawn from), so results are identical whatever the executor. dask is an
optional extra (``pip install dti_bench[dask]``): given ``address`` it connects to that scheduler, otherwise it
starts a LocalCluster for the duration of the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from dti_bench.errors import ConfigError, choices

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("serial", "process", "dask")


def run_tasks(function: Callable[[T], R], tasks: Sequence[T], *, executor: str = "serial", workers: int | None = None,
              address: str | None = None, progress: Callable[[int], None] | None = None) -> list[R]:
    """``[function(t) for t in tasks]``, computed by ``executor``, in task order.

    ``function`` must be a module-level function (picklable) for the process and dask executors.
    ``progress`` is called with the number of tasks finished after each one.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"executor {executor!r} is not one of {choices(EXECUTORS)}")
    if executor == "serial" or len(tasks) <= 1:
        return _serial(function, tasks, progress)
    if executor == "process":
        return _process(function, tasks, workers, progress)
    return _dask(function, tasks, workers, address, progress)


def _serial(function, tasks, progress):
    out = []
    for t in tasks:
        out.append(function(t))
        if progress:
            progress(1)
    return out


def _process(function, tasks, workers, progress):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # 'spawn' keeps workers free of the parent's threads and state, the same on every platform
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(function, t) for t in tasks]
        return _gather(futures, progress)


def _gather(futures: Iterable[Any], progress):
    out = []
    for f in futures:
        out.append(f.result())
        if progress:
            progress(1)
    return out


def _dask(function, tasks, workers, address, progress):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("executor 'dask' needs dask.distributed: pip install 'dti_bench[dask]'") from None
    if address:
        with Client(address) as client:
            return _gather(client.map(function, tasks, pure=False), progress)
    with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            return _gather(client.map(function, tasks, pure=False), progress)
