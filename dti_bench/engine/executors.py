"""Where chunks of work run: in this process, in a local process pool, or on a dask.distributed cluster.

Every executor returns the results in task order, and every task carries everything it needs (its slice of
the design and the seed that slice is drawn from), so results are identical whatever the executor. dask is an
optional extra (``pip install dti_bench[dask]``): given ``address`` it connects to that scheduler, otherwise it
starts a LocalCluster for the duration of the call.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from dti_bench.errors import ConfigError, choices
from dti_bench.engine.memory import allocator_tuned, keep_for_process, reuse_freed_memory

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("serial", "process", "dask")
#: Seconds to wait for a dask scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 10


def run_tasks(function: Callable[[Any, T], R], tasks: Sequence[T], *, shared: Any = None, executor: str = "serial",
              workers: int | None = None, address: str | None = None,
              progress: Callable[[int], None] | None = None) -> Iterator[R]:
    """``function(shared, t) for t in tasks``, computed by ``executor``, yielded in task order.

    A generator, so the caller can reduce each result as it arrives and hold one at a time (a chunk's
    rank-frequency matrix of 10,000 units is 400 MB). ``shared`` (e.g. the engine with its prepared blocks) goes
    to each worker once, not with every task: a 10,000-unit engine pickles to tens of megabytes and a run has
    thousands of tasks. ``function`` must be a module-level function (picklable) for the process and dask
    executors. ``progress`` is called with 1 after each task.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"executor {executor!r} is not one of {choices(EXECUTORS)}")
    if executor == "serial" or len(tasks) <= 1:
        yield from _serial(function, shared, tasks, progress)
    elif executor == "process":
        yield from _process(function, shared, tasks, workers, progress)
    else:
        yield from _dask(function, shared, tasks, workers, address, progress)


def _serial(function, shared, tasks, progress):
    # chunk after chunk in this process: each reuses the memory the last one freed (dti_bench.engine.memory)
    with reuse_freed_memory():
        for t in tasks:
            yield function(shared, t)
            if progress:
                progress(1)


_WORKER_SHARED: list = []


def _start_worker(shared: Any, tune: bool, parent: int) -> None:
    """Process-pool initializer: keep ``shared`` for every task this worker runs, and, when the parent tunes its
    allocator, keep freed memory (workers live for this run only). A watchdog ends the worker when its parent
    dies (a killed run must not leave workers computing for nobody)."""
    import threading

    _WORKER_SHARED[:] = [shared]
    if tune:
        keep_for_process()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="dti-bench-parent-watch").start()


#: Seconds between a worker's checks that the process that started it is still there.
PARENT_POLL = 1.0


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)  # orphaned: the parent is gone, so nothing will ever collect this worker's results


def _with_shared(function: Callable[[Any, T], R], task: T) -> R:
    return function(_WORKER_SHARED[0], task)


def _process(function, shared, tasks, workers, progress):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # 'spawn' keeps workers free of the parent's threads and state, the same on every platform
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker, initargs=(shared, allocator_tuned(), os.getpid())) as pool:
        yield from _windowed(lambda t: pool.submit(_with_shared, function, t), tasks,
                             _window(workers or os.cpu_count()), progress)


#: Tasks in flight per worker: enough to keep every worker busy while the caller reduces a result.
AHEAD_PER_WORKER = 4


def _window(workers: int | None) -> int:
    return AHEAD_PER_WORKER * max(1, workers or 1)


def _windowed(submit: Callable[[Any], Any], tasks: Sequence[Any], window: int, progress) -> Iterator[Any]:
    """Results in task order, with at most ``window`` tasks submitted and not yet taken: results that workers
    finish ahead of the caller would otherwise pile up (a 10,000-unit chunk returns 1.3 MB, a run has
    thousands)."""
    pending: deque = deque()
    upcoming = iter(tasks)
    end = object()

    def top_up() -> None:
        while len(pending) < window:
            t = next(upcoming, end)
            if t is end:
                return
            pending.append(submit(t))

    top_up()
    while pending:
        result = pending.popleft().result()
        top_up()  # the next task starts before the caller reduces this result
        yield result
        if progress:
            progress(1)


def _dask(function, shared, tasks, workers, address, progress):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("executor 'dask' needs dask.distributed: pip install 'dti_bench[dask]'") from None
    def on(client, n):
        common = client.scatter(shared, broadcast=True)  # once per worker, then referenced by every task
        return _windowed(lambda t: client.submit(function, common, t, pure=False), tasks, _window(n), progress)

    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"executor 'dask': cannot reach the scheduler at {address!r} ({exc})") from None
        with client:
            yield from on(client, workers or max(1, len(client.scheduler_info().get("workers", {}))))
        return
    # ":0": any free port for the dashboard, so two clusters (or a leftover one) never collide on 8787
    with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            yield from on(client, workers or 2)
