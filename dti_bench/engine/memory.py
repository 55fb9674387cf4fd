"""Keeping freed memory for reuse while a run's chunks come and go (glibc only; elsewhere a no-op).

Why: every chunk of a Monte Carlo or Sobol' run allocates tens of megabytes of temporaries (its design, weights,
scores, ranks) and frees them. glibc hands blocks that large straight back to the kernel (``munmap``, or
trimming the top of the heap), so the next chunk gets fresh pages that the kernel must zero first. Measured on
the 63 x 98 DTI, one BLAS thread: ~0.8 µs per sample, about 30 % of a whole uncertainty analysis.

:func:`reuse_freed_memory` raises glibc's mmap threshold (to its 32 MiB maximum) and trim threshold (to
512 MiB) for the duration of a run, so freed chunk-sized blocks stay in the process and the next chunk reuses
them; on exit it lowers the trim threshold to 64 MiB and returns what it can to the kernel (``malloc_trim``).
Peak memory is still the largest chunk's working set. Runs may nest or overlap in threads; the settings change
back when the last one ends.

The tuning changes the whole process's allocator, so a library call never does it on its own: it happens only
after :func:`tune_allocator` (the ``dti-bench`` command calls it, since it owns its process; a notebook or a
benchmark may call it too). Until then :func:`reuse_freed_memory` changes nothing.

Notes
-----
Setting either threshold switches off glibc's dynamic adjustment of the mmap threshold for the rest of the
process, so what a run leaves behind is chosen here: the mmap threshold at 32 MiB and the trim threshold at
64 MiB, the values glibc's own adjustment reaches once a numpy program has freed a large array (it raises the
mmap threshold to the size of a freed block, at most 32 MiB, and the trim threshold to twice that). Restoring
the initial 128 KiB instead would make every later array above 128 KiB come from fresh pages. Worker processes
of the ``process`` executor keep the run's setting for their lifetime (they live for one run); dask workers are
left alone (dask tunes their allocator itself). References: ``mallopt(3)``, ``malloc_trim(3)``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: The largest mmap threshold glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX): blocks below it are reused.
KEEP_BELOW = 32 * 2 ** 20
#: Freed memory kept at the top of the heap during a run.
TRIM_ABOVE = 512 * 2 ** 20
#: Trim threshold after a run: twice the mmap threshold, as glibc's dynamic adjustment would set it.
TRIM_AFTER = 2 * KEEP_BELOW

_lock = threading.Lock()
_active = 0
_libc: list = []
_tuning = [False]


def tune_allocator(enabled: bool = True) -> None:
    """Allow (or forbid again) :func:`reuse_freed_memory` to tune this process's allocator during runs.

    Examples
    --------
    >>> tune_allocator(); allocator_tuned()
    True
    >>> tune_allocator(False); allocator_tuned()
    False
    """
    _tuning[0] = bool(enabled)


def allocator_tuned() -> bool:
    """Whether :func:`tune_allocator` allowed allocator tuning in this process."""
    return _tuning[0]


def _glibc():
    """The C library if it is glibc (has ``mallopt`` and ``malloc_trim``), else None."""
    if not _libc:
        lib = None
        try:
            candidate = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            if hasattr(candidate, "gnu_get_libc_version") and hasattr(candidate, "mallopt") and hasattr(
                    candidate, "malloc_trim"):
                lib = candidate
        except OSError:
            lib = None
        _libc.append(lib)
    return _libc[0]


def _set(mmap_threshold: int, trim_threshold: int) -> bool:
    lib = _glibc()
    if lib is None:
        return False
    ok = lib.mallopt(M_MMAP_THRESHOLD, ctypes.c_int(mmap_threshold))
    ok &= lib.mallopt(M_TRIM_THRESHOLD, ctypes.c_int(trim_threshold))
    return bool(ok)


@contextmanager
def reuse_freed_memory() -> Iterator[bool]:
    """Keep freed chunk-sized blocks in the process while the ``with`` body runs, when :func:`tune_allocator`
    allowed it; yields whether it did.

    Examples
    --------
    >>> with reuse_freed_memory() as tuned:
    ...     pass  # chunks computed here reuse each other's memory when tuned is True
    """
    global _active
    if not _tuning[0]:
        yield False
        return
    with _lock:
        _active += 1
        applied = _set(KEEP_BELOW, TRIM_ABOVE) if _active == 1 else _glibc() is not None
    try:
        yield applied
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _glibc() is not None:
                _set(KEEP_BELOW, TRIM_AFTER)
                _glibc().malloc_trim(ctypes.c_size_t(0))


def keep_for_process() -> None:
    """Keep freed blocks for the rest of this process (the initializer of the process executor's workers)."""
    _set(KEEP_BELOW, TRIM_ABOVE)


def physical_memory() -> int | None:
    """This machine's physical memory in bytes (None where the system does not say)."""
    import os

    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


__all__ = ["allocator_tuned", "physical_memory", "keep_for_process", "reuse_freed_memory", "tune_allocator"]
