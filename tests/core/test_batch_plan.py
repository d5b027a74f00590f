# SPDX-License-Identifier: GPL-3.0-or-later
"""Planning a many-file run, in plain Python: inputs, folders, lists, shards, collisions.

The plan is made before Blender is imported, so it is tested here without
Blender; tests/blender/test_batch.py runs whole batches in real Blender.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from random_vertex_colors import batch, cli


def plan(*arguments):
    return batch.plan(cli.build_parser().parse_args([str(a) for a in arguments]))


@pytest.fixture
def library(tmp_path):
    """a.blend b.glb c.fbx, sub/d.obj, a hidden file, a .blend1 backup and a text file."""
    root = tmp_path / "lib"
    (root / "sub").mkdir(parents=True)
    for name in ("a.blend", "b.glb", "c.fbx", "sub/d.obj", ".hidden.blend", "a.blend1", "notes.txt"):
        (root / name).write_bytes(b"x")
    return root


def names(items):
    return [os.path.relpath(item.input, item.input.split("lib")[0] + "lib") for item in items]


def test_a_folder_holds_the_files_of_known_formats(library, tmp_path):
    assert names(plan(library, "--output-dir", tmp_path / "out")) == ["a.blend", "b.glb", "c.fbx"]
    items = plan(library, "-r", "--output-dir", tmp_path / "out")
    assert names(items) == ["a.blend", "b.glb", "c.fbx", "sub/d.obj"]
    assert items[-1].output == str(tmp_path / "out" / "sub" / "d.obj")


def test_format_converts_every_output(library, tmp_path):
    items = plan(library, "-r", "--output-dir", tmp_path / "out", "--format", "GLB")
    assert [os.path.basename(i.output) for i in items] == ["a.glb", "b.glb", "c.glb", "d.glb"]


def test_from_list_skips_blank_and_comment_lines(library, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"# the library\n\n{library / 'c.fbx'}\n  {library / 'a.blend'}  \n")
    assert names(plan("--from-list", listing, "--output-dir", tmp_path / "out")) == ["a.blend", "c.fbx"]


def test_the_same_file_twice_is_planned_once(library, tmp_path):
    items = plan(library / "a.blend", library, library / "a.blend", "--output-dir", tmp_path / "out")
    assert names(items) == ["a.blend", "b.glb", "c.fbx"]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_shards_are_disjoint_and_cover_the_inputs(library, tmp_path, n):
    everything = [i.input for i in plan(library, "-r", "--output-dir", tmp_path / "out")]
    shards = [[i.input for i in plan(library, "-r", "--output-dir", tmp_path / "out", "--shard", f"{k}/{n}")]
              for k in range(n)]
    flat = [path for shard in shards for path in shard]
    assert sorted(flat) == sorted(everything) and len(flat) == len(set(flat))
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_shards_do_not_depend_on_how_inputs_are_given(library, tmp_path, monkeypatch):
    monkeypatch.chdir(library)
    spelled = plan("c.fbx", "a.blend", "b.glb", "--output-dir", tmp_path / "out", "--shard", "1/2")
    absolute = plan(library / "b.glb", library / "a.blend", library / "c.fbx",
                    "--output-dir", tmp_path / "out", "--shard", "1/2")
    assert [os.path.abspath(i.input) for i in spelled] == [i.input for i in absolute]


@pytest.mark.parametrize("arguments, message", [
    (lambda lib, out: [lib / "a.blend", lib / "sub" / "a.blend", "--output-dir", out], "would both write"),
    (lambda lib, out: [lib / "a.blend", lib / "a.glb", "--output-dir", out, "--format", "fbx"],
     "would both write"),
    (lambda lib, out: [lib, "--output-dir", lib], "is the input file; pass --in-place"),
    (lambda lib, out: [lib / "a.blend", lib / "b.glb", "-o", out / "x.blend"], "--output names one file"),
    (lambda lib, out: [lib / "a.blend", "-o", out / "x.glb", "--format", "glb"],
     "--format applies to --output-dir"),
    (lambda lib, out: [lib / "sub" / "empty", "--output-dir", out], "holds no file of a known format"),
    (lambda lib, out: ["--from-list", lib / "missing.txt", "--output-dir", out], "--from-list"),
    (lambda lib, out: ["--output-dir", out], "No INPUT given"),
])
def test_bad_plans_are_refused_naming_the_files(library, tmp_path, arguments, message):
    (library / "sub" / "a.blend").write_bytes(b"x")
    (library / "a.glb").write_bytes(b"x")
    (library / "sub" / "empty").mkdir()
    argv = arguments(library, tmp_path / "out")
    with pytest.raises(cli.CliError) as refused:
        plan(*argv)
    assert message in str(refused.value) and refused.value.code == cli.EXIT_BAD_INPUT
    if message == "would both write":
        assert str(argv[0]) in str(refused.value) and str(argv[1]) in str(refused.value)


@pytest.mark.parametrize("shard", ["2/2", "-1/2", "1", "x/y", "0/0"])
def test_a_bad_shard_is_refused_by_the_parser(library, tmp_path, shard):
    with pytest.raises(cli.CliError, match="--shard"):
        plan(library, "--output-dir", tmp_path / "out", f"--shard={shard}")


def test_several_inputs_or_folders_make_a_batch(library, tmp_path):
    parse = cli.build_parser().parse_args
    assert not batch.is_batch(parse([str(library / "a.blend"), "-o", str(tmp_path / "x.blend")]))
    assert batch.is_batch(parse([str(library), "--output-dir", str(tmp_path)]))
    one_with_report = [str(library / "a.blend"), "-o", str(tmp_path / "x.blend"), "--report", "r.json"]
    assert batch.is_batch(parse(one_with_report))
