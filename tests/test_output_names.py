"""Output names: ids and input paths become file names that stay in their folder and never collide."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recruit_core.io import MAX_STEM_CHARS, safe_file_name
from recruit_core.score.manifest import output_key

HOSTILE_IDS = ["../../../../../../../tmp/x", "/tmp/x", "..", ".", "", "a/../../b", "..\\..\\x",
               "C:\\Windows\\x", "~/x", "\x1b[31mred\x1b[0m", "nul\x00byte", "con", "-rf"]


@pytest.mark.parametrize("identifier", HOSTILE_IDS)
def test_hostile_ids_become_one_plain_name_inside_the_folder(identifier, tmp_path):
    name = safe_file_name(identifier)
    assert name not in ("", ".", "..") and "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", "-"))
    assert (tmp_path / f"{name}.md").resolve().parent == tmp_path.resolve()


def test_plain_ids_keep_their_name():
    assert [safe_file_name(i) for i in ("R000000001", "J000042", "i01", "req-2024.7_b")] == [
        "R000000001", "J000042", "i01", "req-2024.7_b"]


def test_ids_that_differ_only_in_unsafe_characters_get_different_names():
    ids = ["a/b", "a:b", "a b", "a\tb", "a_b", "a\\b", "a\x1bb", "a\u200bb", "a\u00e9b", "a\u00e8b",
           "..", "._", "_.", ".", "", " ", "\u65e5\u672c", "\u4e2d\u6587"]
    names = [safe_file_name(i) for i in ids]
    assert len(set(names)) == len(ids), dict(zip(ids, names))


def test_unicode_and_very_long_ids_stay_readable_and_bounded():
    assert safe_file_name("Jos\u00e9 Garc\u00eda").startswith("Jose_Garcia-")
    long_a, long_b = "r" * 10_000 + "a", "r" * 10_000 + "b"
    assert safe_file_name(long_a) != safe_file_name(long_b)
    assert len(safe_file_name(long_a).encode()) <= MAX_STEM_CHARS + 13
    assert len(safe_file_name("\U0001f600" * 500).encode()) <= MAX_STEM_CHARS + 13


def test_an_id_shaped_like_a_hashed_name_cannot_take_that_name():
    hashed = safe_file_name("a/b")  # a_b-<12 hex>
    assert safe_file_name(hashed) != hashed


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=2, max_size=12, unique=True))
def test_distinct_ids_never_share_a_name(ids):
    names = [safe_file_name(i) for i in ids]
    assert len(set(names)) == len(names)
    assert all(n not in ("", ".", "..") and "/" not in n and "\\" not in n for n in names)


def test_nested_and_flat_inputs_get_different_output_keys(tmp_path):
    for folder in ("a", "x/y", "x__y"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    paths = [tmp_path / p for p in ("a/b.parquet", "a__b.parquet", "x/y/z.parquet",
                                    "x__y/z.parquet", "x/y__z.parquet", "x__y__z.parquet")]
    keys = [output_key(tmp_path, p) for p in paths]
    assert len(set(keys)) == len(keys), keys
    assert keys[0].startswith("a__b-") and keys[1].startswith("a__b-")
    # a rerun (or another worker) names the same input the same way, wherever the root lives
    moved = tmp_path / "moved"
    (moved / "a").mkdir(parents=True)
    assert output_key(moved, moved / "a/b.parquet") == keys[0] == output_key(str(tmp_path), str(paths[0]))


def test_inputs_outside_the_root_do_not_collide(tmp_path):
    (tmp_path / "root").mkdir()
    outside = [tmp_path / "one" / "b.parquet", tmp_path / "two" / "b.parquet",
               tmp_path / "root" / ".." / "one" / "b.parquet"]
    keys = [output_key(tmp_path / "root", p) for p in outside]
    assert keys[0] != keys[1] and keys[0] == keys[2]
    assert output_key(tmp_path / "root" / "b.parquet", tmp_path / "root" / "b.parquet") not in keys


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "_", "__", "a__b", "-", ".x", " "]),
                         min_size=1, max_size=4), min_size=1, max_size=8))
def test_output_keys_are_injective_over_any_set_of_input_paths(parts_lists):
    root = Path(__file__).parent  # an existing folder; the input files need not exist
    # each path with its flattened twin: `a/b` next to `a__b`, the pair that once collided
    relative = {sep.join(p) + ".parquet" for p in parts_lists for sep in ("/", "__")}
    keys = {output_key(root, root / r) for r in relative}
    assert len(keys) == len(relative)
