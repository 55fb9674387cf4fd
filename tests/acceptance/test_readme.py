"""README's "Python" section runs as it is, in at most 25 lines, and prints what it says it computes."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_section() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python"):]
    section = section[:section.index("\n## ", 3)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Python section holds one script"
    return blocks[0]


@pytest.mark.slow
def test_readme_python_script_runs_in_at_most_25_lines():
    script = python_section()
    assert len(script.strip().splitlines()) <= 25
    assert "import dti_bench as db" in script
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(script, str(README), "exec"), {"__name__": "readme"})
    printed = out.getvalue()
    # the official DTI 2022 (Đà Nẵng first, 0.8002: S01), the variant, the rank bands, Sobol' and the own index
    assert "Đà Nẵng" in printed and "0.8002" in printed
    assert "q05_rank" in printed and "q95_rank" in printed and "hai_phong" in printed
    assert "normalisation" in printed and "aggregation" in printed and "weight noise" in printed and "ST" in printed
    assert "data error" in printed
    assert "Economy" in printed and "Society" in printed
