"""The report's compiled templates are cached between processes: a page rendered from the cache is the page
compiled afresh, and a cache that cannot be written costs nothing but time."""

from __future__ import annotations

import pytest

import dti_bench as db
from dti_bench.reporting import html


@pytest.fixture()
def folder(tmp_path):
    config = {"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
              "output": {"figures": "none", "report": False}}
    return db.Study.from_config(config).save(tmp_path / "runs")


@pytest.fixture()
def fresh_environment():
    html._environment.cache_clear()  # a new Environment, as a new process makes
    yield
    html._environment.cache_clear()


def test_a_page_from_cached_templates_equals_one_compiled_afresh(folder, tmp_path, monkeypatch, fresh_environment):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(html, "_bytecode_cache", lambda: html._QuietBytecodeCache(str(cache)))
    compiled = html.render_report(folder)
    stored = sorted(p.name for p in cache.iterdir())
    assert stored  # the first Environment compiled the templates and stored them
    html._environment.cache_clear()
    assert html.render_report(folder) == compiled  # the second Environment loads what the first stored
    assert sorted(p.name for p in cache.iterdir()) == stored


def test_a_cache_that_cannot_be_written_is_only_slower(folder, tmp_path, monkeypatch, fresh_environment):
    reference = html.render_report(folder)
    html._environment.cache_clear()
    monkeypatch.setattr(html, "_bytecode_cache", lambda: html._QuietBytecodeCache(str(tmp_path / "missing")))
    assert html.render_report(folder) == reference
    assert not (tmp_path / "missing").exists()
