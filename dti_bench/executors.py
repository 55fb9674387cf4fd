"""Where chunks of work run: in this process, in a local process pool, or on a dask.distributed cluster.

Every executor returns the results in task order, and every task carries everything it needs (its slice of
the design and the seed that slice is drawn from), so results are identical whatever the executor. dask is an
optional extra (``pip install dti_bench[dask]``): given ``address`` it connects to that scheduler, otherwise it
starts a LocalCluster for the duration of the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from dti_bench.errors import ConfigError, choices
from dti_bench.memory import keep_for_process, reuse_freed_memory

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("serial", "process", "dask")


def run_tasks(function: Callable[[T], R], tasks: Sequence[T], *, executor: str = "serial", workers: int | None = None,
              address: str | None = None, progress: Callable[[int], None] | None = None) -> Iterator[R]:
    """``function(t) for t in tasks``, computed by ``executor``, yielded in task order.

    A generator, so the caller can reduce each result as it arrives and hold one at a time (a chunk's
    rank-frequency matrix of 10,000 units is 400 MB). ``function`` must be a module-level function (picklable)
    for the process and dask executors. ``progress`` is called with 1 after each task.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"executor {executor!r} is not one of {choices(EXECUTORS)}")
    if executor == "serial" or len(tasks) <= 1:
        yield from _serial(function, tasks, progress)
    elif executor == "process":
        yield from _process(function, tasks, workers, progress)
    else:
        yield from _dask(function, tasks, workers, address, progress)


def _serial(function, tasks, progress):
    # chunk after chunk in this process: each reuses the memory the last one freed (dti_bench.memory)
    with reuse_freed_memory():
        for t in tasks:
            yield function(t)
            if progress:
                progress(1)


def _process(function, tasks, workers, progress):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # 'spawn' keeps workers free of the parent's threads and state, the same on every platform
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=keep_for_process) as pool:  # workers live for this run only
        futures = [pool.submit(function, t) for t in tasks]
        yield from _gather(futures, progress)


def _gather(futures: list[Any], progress):
    for i, f in enumerate(futures):
        yield f.result()
        futures[i] = None  # let the finished result go
        if progress:
            progress(1)


def _dask(function, tasks, workers, address, progress):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("executor 'dask' needs dask.distributed: pip install 'dti_bench[dask]'") from None
    if address:
        with Client(address) as client:
            yield from _gather(client.map(function, tasks, pure=False), progress)
        return
    # ":0": any free port for the dashboard, so two clusters (or a leftover one) never collide on 8787
    with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            yield from _gather(client.map(function, tasks, pure=False), progress)
