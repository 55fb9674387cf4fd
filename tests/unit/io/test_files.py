"""read_yaml: libyaml's parser under PyYAML's composer reads every document as PyYAML's SafeLoader does, and
keeps the hostile-input limits (depth, aliases, duplicate keys)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from dti_bench.errors import ConfigError
from dti_bench.io import files
from dti_bench.io.files import MAX_YAML_ALIASES, MAX_YAML_DEPTH, read_yaml

ROOT = Path(files.__file__).resolve().parents[2]
BUNDLED = sorted([*ROOT.glob("configs/**/*.yaml"), *ROOT.glob("dti_bench/frameworks/*.yaml"),
                  *ROOT.glob("dti_bench/datasets/*/meta.yaml")])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_libyaml_parses_where_pyyaml_has_it():
    assert (files._safe_base() is yaml.SafeLoader) is not yaml.__with_libyaml__


@pytest.mark.parametrize("path", BUNDLED, ids=[str(p.relative_to(ROOT)) for p in BUNDLED])
def test_every_bundled_yaml_reads_as_pyyaml_reads_it(path):
    assert read_yaml(path) == yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)


def documents(text):
    scalars = st.none() | st.booleans() | st.integers(-10 ** 12, 10 ** 12) | st.floats(allow_nan=False) | text
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(text, inner, max_size=4), max_leaves=25)


#: Text without the characters YAML treats as line breaks (NEL, LS, PS) or controls, which PyYAML's own dumper
#: does not write back faithfully (it folds a quoted NEL into a space)
plain_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)


@settings(max_examples=150, deadline=None)
@given(documents(plain_text), st.booleans())
def test_documents_read_back_as_written(tmp_path_factory, doc, flow):
    text = yaml.safe_dump({"doc": doc}, default_flow_style=flow, allow_unicode=True)
    assert read_yaml(write(tmp_path_factory.mktemp("yaml"), text)) == {"doc": doc}


@settings(max_examples=150, deadline=None)
@given(documents(st.text(max_size=12)), st.booleans(), st.booleans())
def test_any_document_reads_as_pyyaml_reads_it(tmp_path_factory, doc, flow, unicode):
    text = yaml.safe_dump({"doc": doc}, default_flow_style=flow, allow_unicode=unicode)
    assert read_yaml(write(tmp_path_factory.mktemp("yaml"), text)) == yaml.load(text, Loader=yaml.SafeLoader)


def test_anchors_resolve(tmp_path):
    text = "base: &b {lo: 0, hi: 1}\nlist: [*b, *b]\nname: &n demo\ntitle: *n\n"
    assert read_yaml(write(tmp_path, text)) == {"base": {"lo": 0, "hi": 1}, "list": [{"lo": 0, "hi": 1}] * 2,
                                                "name": "demo", "title": "demo"}


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 999, 1001, 20_000])
def test_deep_nesting_is_refused_with_one_message(tmp_path, depth):
    # the document itself is one level: "name: [[...]]" nests depth - 1 lists under it
    text = "name: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"
    with pytest.raises(ConfigError, match=f"nested more than {MAX_YAML_DEPTH} deep"):
        read_yaml(write(tmp_path, text))


def test_nesting_at_the_limit_is_read(tmp_path):
    text = "name: " + "[" * (MAX_YAML_DEPTH - 2) + "1" + "]" * (MAX_YAML_DEPTH - 2) + "\n"
    value = read_yaml(write(tmp_path, text))["name"]
    for _ in range(MAX_YAML_DEPTH - 2):
        value = value[0]
    assert value == 1


def test_aliases_are_counted(tmp_path):
    ok = "a: &a 1\nb: [" + ", ".join(["*a"] * MAX_YAML_ALIASES) + "]\n"
    assert read_yaml(write(tmp_path, ok))["b"] == [1] * MAX_YAML_ALIASES
    with pytest.raises(ConfigError, match=f"more than {MAX_YAML_ALIASES} aliases"):
        read_yaml(write(tmp_path, ok.replace("]", ", *a]")))


@pytest.mark.parametrize("text", ["name: x\ndata:\n  - [unclosed\n", "name: x\n  bad: indent\nother: 1\n",
                                  "a: 1\nb: 'open\nc: 3\n", "a: [1, 2]]\n", "a: *undefined\n", "- a\nb: 1\n"])
def test_syntax_errors_name_the_line_pyyaml_names(tmp_path, text):
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.load(text, Loader=yaml.SafeLoader)
    with pytest.raises(ConfigError, match=rf"doc\.yaml: line {pure.value.problem_mark.line + 1}: invalid YAML \("):
        read_yaml(write(tmp_path, text))


def test_duplicate_keys_name_both_lines(tmp_path):
    with pytest.raises(ConfigError, match=r"line 3: invalid YAML \(duplicate key 'name' \(first on line 1"):
        read_yaml(write(tmp_path, "name: x\nother: 1\nname: y\n"))
