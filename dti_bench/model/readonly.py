"""A read-only mapping that pickles (MappingProxyType does not, and process pools pickle frameworks)."""

from __future__ import annotations

from typing import Any, NoReturn


class ReadOnlyDict(dict):
    """A dict whose contents cannot change after construction; hashable by identity like any dict subclass."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore

    def __reduce__(self):
        return (ReadOnlyDict, (dict(self),))

    def __repr__(self) -> str:
        return f"ReadOnlyDict({dict.__repr__(self)})"
