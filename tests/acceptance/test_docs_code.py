"""The Python blocks of the documentation's hand-written pages run as written (the tutorials run when the site is
built; these pages are plain Markdown, so their code is checked here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["coinr.md", "getting-started.md"]


def blocks(page: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", (DOCS / page).read_text(encoding="utf-8"), flags=re.M | re.S)


@pytest.mark.parametrize("page", PAGES)
def test_python_blocks_run(page):
    found = blocks(page)
    assert found, f"{page} has no Python block"
    for code in found:
        namespace: dict = {}
        exec(compile(code, f"docs/{page}", "exec"), namespace)  # noqa: S102 - our own documentation
        assert "db" in namespace
    if page == "coinr.md":  # get_results' ranks: the headline's scores ranked, 1 = best, ties sharing the lowest
        table, headline = namespace["table"], namespace["fw"].require_headline()
        expected = table[headline].rank(ascending=False, method="min").astype(int)
        assert list(table["rank"]) == list(expected)
        assert table[headline].between(0, 100).all()  # Normalise's [0, 100] carried through the arithmetic means
