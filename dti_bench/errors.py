"""The errors a user can cause, and nothing else.

Every exception raised because of user input (a config key, a file, a method name, a framework) derives from
:class:`UserError`. The command line turns it into one line on stderr and exit status 2; anything else is a
bug in dti_bench and keeps its traceback. :class:`MethodologyWarning` is the one warning about user input: a
choice that runs but deserves a caveat.
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
    """A methodology that runs, but whose result is not what its name may suggest (e.g. ``weights: bod_weights``,
    which is not the benefit-of-the-doubt index); the message is one line naming the key."""


def choices(valid: Iterable[object]) -> str:
    """Format valid choices for an error message: ``'a', 'b', 'c'``."""
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in valid)
