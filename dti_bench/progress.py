"""Progress bars for the phases of a run: the Monte Carlo chunks, the Sobol' doublings, the importance bootstrap,
the figures and the report, so that ``dti-bench run`` never sits silent for long.

Every bar goes to standard error through tqdm, is cleared when its phase ends (``leave=False``: the run summary is
what stays on screen) and appears only on a terminal (``disable=None``: a log file, CI or a pipe gets no carriage
returns); ``dti-bench run --quiet`` asks for none at all. The bar is a nicety: without tqdm installed, a phase runs
silently rather than failing.
"""

from __future__ import annotations

import sys
from typing import Any


class _Silent:
    """What :func:`progress_bar` returns when no bar is shown: every call of tqdm's that a phase makes, doing
    nothing."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(total: int | None, desc: str, *, enabled: bool, unit: str = "step") -> Any:
    """A tqdm bar of ``total`` steps named ``desc`` on standard error, or a silent stand-in.

    Parameters
    ----------
    total : int or None
        Steps the phase will take (None: unknown, the bar counts without a percentage).
    desc : str
        The phase's name, shown at the bar's left (``sensitivity``, ``figures`` ...).
    enabled : bool
        False (``--quiet``, or a caller of the API that asked for no progress): the silent stand-in.
    unit : str
        What a step is (``doubling``, ``edge``, ``figure`` ...).

    Returns
    -------
    tqdm or _Silent
        Either way it has ``update(n)``, ``set_postfix_str(text)``, ``close()`` and works as a context manager.
        The tqdm bar writes to the ``sys.stderr`` of the moment it is made, and only when that is a terminal.

    Examples
    --------
    >>> with progress_bar(3, "demo", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update(1)
    >>> type(bar).__name__
    '_Silent'
    """
    if not enabled:
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety, never a reason to fail
        return _Silent()
    # disable=None: no bar when stderr is not a terminal (a log, CI, a pipe), where it would only leave noise
    return tqdm(total=total, desc=desc, unit=unit, leave=False, disable=None, file=sys.stderr, dynamic_ncols=True)


__all__ = ["progress_bar"]
