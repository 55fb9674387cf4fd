"""Keeping freed memory during a run: nests, restores, and is a no-op without glibc."""

from __future__ import annotations

import pathlib
import platform

import pytest

from dti_bench.engine import memory


@pytest.fixture
def tuned(monkeypatch):
    """Allocator tuning allowed, as the command line allows it, for one test."""
    monkeypatch.setattr(memory, "_tuning", [True])


def test_a_library_call_leaves_the_allocator_alone(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "_set", lambda mmap, trim: calls.append((mmap, trim)) or True)
    assert not memory.allocator_tuned()
    with memory.reuse_freed_memory() as applied:
        assert applied is False
    assert calls == [] and memory._active == 0


def test_the_command_line_tunes_it(monkeypatch, tmp_path):
    from dti_bench import cli

    monkeypatch.setattr(memory, "_tuning", [False])
    seen = []
    monkeypatch.setattr("dti_bench.experiment.run", lambda *a, **k: seen.append(memory.allocator_tuned()))
    config = pathlib.Path(__file__).resolve().parents[3] / "configs" / "dti2022-published.yaml"
    assert cli.main(["run", str(config), "--out", str(tmp_path), "--quiet"]) == 0
    assert seen == [True]


def test_nested_runs_change_back_once(monkeypatch, tuned):
    calls = []
    monkeypatch.setattr(memory, "_set", lambda mmap, trim: calls.append((mmap, trim)) or True)
    with memory.reuse_freed_memory():
        with memory.reuse_freed_memory():
            assert memory._active == 2
        assert calls == [(memory.KEEP_BELOW, memory.TRIM_ABOVE)]  # the inner run changes nothing
    assert memory._active == 0
    if memory._glibc() is not None:
        assert calls[-1] == (memory.KEEP_BELOW, memory.TRIM_AFTER)  # lowered when the last run ends


def test_restored_after_an_error(monkeypatch, tuned):
    monkeypatch.setattr(memory, "_set", lambda mmap, trim: True)
    with pytest.raises(ValueError):
        with memory.reuse_freed_memory():
            raise ValueError("a failing chunk")
    assert memory._active == 0


def test_no_glibc_is_a_no_op(monkeypatch, tuned):
    monkeypatch.setattr(memory, "_libc", [None])
    with memory.reuse_freed_memory() as applied:
        assert applied is False
    assert memory._active == 0


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_accepts_the_thresholds(tuned):
    with memory.reuse_freed_memory() as applied:
        assert applied is True
