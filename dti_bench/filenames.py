"""File names made from data: a unit or node code becomes part of a file name only through :func:`safe_stem`, so
that no code ('../../evil', 'a/b', a NUL, 300 characters) can put a file outside its run folder or fail to be
written.
"""

from __future__ import annotations

import hashlib
import re

#: Characters kept as they are; anything else becomes '_'.
_UNSAFE = re.compile(r"[^\w.-]", flags=re.UNICODE)
#: Longest stem kept (a hash keeps longer ones distinct).
MAX_STEM = 80


def safe_stem(code: str) -> str:
    """``code`` as one safe file-name component: letters, digits, '_', '-' and '.', not starting with '.' or '-'.

    A code that is already safe is kept as it is (so ordinary run folders keep their file names); any other gets
    its unsafe characters replaced and a short hash of the original appended, so two codes never share a file.

    Parameters
    ----------
    code : str

    Returns
    -------
    str

    Examples
    --------
    >>> safe_stem("ha_noi"), safe_stem("../../evil")
    ('ha_noi', '_.._.._evil-0fbfd372')
    """
    text = str(code)
    stem = _UNSAFE.sub("_", text)
    if stem[:1] in (".", "-"):
        stem = "_" + stem
    if stem == text and 0 < len(stem) <= MAX_STEM:  # '' and '.' alone are not names
        return stem
    return f"{stem[:MAX_STEM]}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


__all__ = ["safe_stem"]
