"""The errors a user can cause, and the warnings a methodology can earn.

Every exception raised because of user input (a config key, a file, a method name, a framework) derives from
:class:`UserError`. The command line turns it into one line on stderr and exit status 2; anything else is a
bug in dti_bench and keeps its traceback.

A choice that is valid but did something the user should hear about (a treatment fallback that left a column
more skewed than it found it) is a :class:`MethodologyWarning`: the run goes on, and the warning is one line that
a run can collect by its category.
"""

from __future__ import annotations

from collections.abc import Iterable


class UserError(Exception):
    """Bad input: the message names the key, file, row or column, and the valid choices."""


class ConfigError(UserError):
    """An experiment config (or a methodology block) is malformed."""


class FrameworkError(UserError):
    """A framework (indicator tree/DAG) is invalid."""


class DataError(UserError):
    """A data table is malformed or does not fit its framework."""


class MethodError(UserError):
    """A method cannot be applied to these data (e.g. a geometric mean meeting a zero)."""


class MethodologyWarning(UserWarning):
    """A valid methodological choice had a doubtful effect on these data; the message is one line naming the
    indicator (or node), what was done and the numbers that make it doubtful."""


def choices(valid: Iterable[object]) -> str:
    """Format valid choices for an error message: ``'a', 'b', 'c'``."""
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in valid)
