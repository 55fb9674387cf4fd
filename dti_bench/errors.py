"""The errors a user can cause, and the warnings a methodology can earn.

Every exception raised because of user input (a config key, a file, a method name, a framework) derives from
:class:`UserError`. The command line turns it into one line on stderr and exit status 2; anything else is a
bug in dti_bench and keeps its traceback.

A choice that is valid but means less than it seems (a mean of values whose scale does not support it, a
treatment fallback that left a column more skewed than it found it) is a :class:`MethodologyWarning`: the run goes
on, and the warning is one line that a run collects by its category (:func:`collect_methodology_warnings`).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator


class UserError(Exception):
    """Bad input: the message names the key, file, row or column, and the valid choices.

    Examples
    --------
    Every error a user can fix is one (ConfigError, FrameworkError, DataError, MethodError ...), so one ``except``
    catches them all and the message says what to change:

    >>> import dti_bench as db
    >>> try:
    ...     db.load_dataset("dti2099")
    ... except db.UserError as err:
    ...     print(type(err).__name__, "-", str(err).split(";")[0])
    ConfigError - unknown dataset 'dti2099'
    """


class ConfigError(UserError):
    """An experiment config (or a methodology block) is malformed."""


class FrameworkError(UserError):
    """A framework (indicator tree/DAG) is invalid."""


class DataError(UserError):
    """A data table is malformed or does not fit its framework."""


class MethodError(UserError):
    """A method cannot be applied to these data (e.g. a geometric mean meeting a zero)."""


def choices(valid: Iterable[object]) -> str:
    """Format valid choices for an error message: ``'a', 'b', 'c'``."""
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in valid)


class MethodologyWarning(UserWarning):
    """A methodology that runs but whose result means less than it seems: a mean of values whose scale does not
    support it, a method that is not what its name may suggest (``weights: bod_weights`` is not the
    benefit-of-the-doubt index), a fallback that left a column worse; the message is one line naming the node,
    indicator or key and the numbers that make it doubtful. Runs list these in ``manifest.json`` (``warnings``),
    the run summary and the report; a config with ``strict: true`` turns them into errors."""


@contextlib.contextmanager
def collect_methodology_warnings(into: list[str]) -> Iterator[list[str]]:
    """Append the message of every :class:`MethodologyWarning` raised inside the block to ``into`` (each once, in
    order) instead of printing it; any other warning goes on as the active filters say.

    A study uses it so that a run reports its methodology warnings once, in the summary, the manifest and the
    report, however many computations raised them.

    Examples
    --------
    >>> found = []
    >>> with collect_methodology_warnings(found):
    ...     warnings.warn("composite 'I': geometric needs ratio-scale inputs", MethodologyWarning)
    ...     warnings.warn("composite 'I': geometric needs ratio-scale inputs", MethodologyWarning)
    >>> found
    ["composite 'I': geometric needs ratio-scale inputs"]
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MethodologyWarning)
        yield into
    for w in caught:
        if issubclass(w.category, MethodologyWarning):
            if str(w.message) not in into:
                into.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
