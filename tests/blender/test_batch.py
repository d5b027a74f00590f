# SPDX-License-Identifier: GPL-3.0-or-later
"""Many files per run: workers, progress, report, bad files, shards, collisions, resuming, crashes.

Each test runs the command line as a new process of the Blender under test
(see commands.py), on a few small files built in this Blender.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal

import bpy
import numpy as np
import pytest
from commands import children, run, start
from meshes import grid

from random_vertex_colors import cli

N_FILES = 6


def save_grid(path, name, size=3):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    grid(size, size, name=name)
    bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True)


@pytest.fixture(scope="module")
def library(addon, tmp_path_factory):
    """``N_FILES`` small .blend files, the last one in a subfolder."""
    folder = tmp_path_factory.mktemp("library")
    (folder / "sub").mkdir()
    paths = []
    for i in range(N_FILES):
        path = folder / ("sub" if i == N_FILES - 1 else "") / f"g{i}.blend"
        save_grid(path, f"G{i}", size=3 + i)
        paths.append(path)
    return folder, paths


@pytest.fixture(scope="module")
def heavy_library(addon, tmp_path_factory):
    """Files that take a moment each, so that a test can act while a run is under way."""
    folder = tmp_path_factory.mktemp("heavy")
    for i in range(5):
        save_grid(folder / f"h{i}.blend", f"H{i}", size=250)
    return folder


def report_of(path) -> dict:
    return json.loads(path.read_text())


def statuses(report) -> dict[str, str]:
    return {os.path.basename(entry["input"]): entry["status"] for entry in report["files"]}


def colors(path) -> dict[str, np.ndarray]:
    bpy.ops.wm.open_mainfile(filepath=str(path), load_ui=False, use_scripts=False)
    found = {}
    for mesh in bpy.data.meshes:
        attribute = mesh.color_attributes.active_color
        values = np.empty(len(attribute.data) * 4, np.float32)
        attribute.data.foreach_get("color", values)
        found[mesh.name] = values
    return found


def hidden_files(folder) -> list[str]:
    return [name for _root, _dirs, files in os.walk(folder) for name in files if name.startswith(".")]


def test_a_folder_in_one_call_with_progress_summary_and_report(library, tmp_path):
    folder, paths = library
    out, report = tmp_path / "out", tmp_path / "run.json"

    done = run(folder, "--recursive", "--output-dir", out, "--jobs", "2", "--report", report,
               "--seed", "3", home=tmp_path / "home")

    assert done.code == 0, done
    progress = [line for line in done.stdout.splitlines() if re.match(r"^\[\d+/\d+\] ", line)]
    assert len(progress) == N_FILES
    assert {int(re.match(r"^\[(\d+)/", line)[1]) for line in progress} == set(range(1, N_FILES + 1))
    assert all(f"/{N_FILES}] done " in line for line in progress)
    assert f"{N_FILES} files: {N_FILES} done, 0 skipped, 0 failed" in done.stdout
    assert "with 2 workers" in done.stdout
    assert sorted(os.path.relpath(p, out) for p in out.rglob("*.blend")) == sorted(
        os.path.relpath(p, folder) for p in paths)
    entries = report_of(report)["files"]
    assert [e["status"] for e in entries] == ["done"] * N_FILES
    for entry, size in zip(sorted(entries, key=lambda e: e["input"]), [3, 4, 5, 6, 7, 8], strict=True):
        assert entry["objects"] == 1 and entry["faces"] == size * size and entry["error"] is None
        assert set(entry) == {"input", "output", "status", "objects", "faces", "seconds", "error"}
    assert hidden_files(out) == []


def test_bad_files_in_the_middle_fail_alone(library, tmp_path):
    _folder, paths = library
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "junk.blend").write_text("not a blend file\n")
    (bad / "notes.xyz").write_text("what is this\n")
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    bpy.context.scene.collection.objects.link(bpy.data.objects["Camera"])
    bpy.ops.wm.save_as_mainfile(filepath=str(bad / "no-meshes.blend"), copy=True)
    listed = [paths[0], bad / "junk.blend", paths[1], bad / "missing.blend", bad / "notes.xyz",
              bad / "no-meshes.blend", paths[2]]
    listing = tmp_path / "list.txt"
    listing.write_text("# inputs\n" + "\n".join(map(str, listed)) + "\n\n")
    out, report = tmp_path / "out", tmp_path / "run.json"

    done = run("--from-list", listing, "--output-dir", out, "--jobs", "2", "--report", report,
               home=tmp_path / "home")

    assert done.code == cli.EXIT_FAILED, done
    got = statuses(report_of(report))
    assert got == {"g0.blend": "done", "g1.blend": "done", "g2.blend": "done", "junk.blend": "failed",
                   "missing.blend": "failed", "notes.xyz": "failed", "no-meshes.blend": "failed"}
    errors = {os.path.basename(e["input"]): e["error"] for e in report_of(report)["files"]}
    assert "is not a .blend file" in errors["junk.blend"]
    assert "does not exist" in errors["missing.blend"]
    assert "'.xyz' is not a format this tool reads" in errors["notes.xyz"]
    assert "has no mesh objects" in errors["no-meshes.blend"]
    for name, error in errors.items():
        if error:
            line = rf"^\[\d/7\] failed '.*{re.escape(name)}': {re.escape(error)}$"
            assert re.search(line, done.stdout, re.M), (line, done.stdout)
    assert "7 files: 3 done, 0 skipped, 4 failed" in done.stdout
    assert sorted(os.listdir(out)) == ["g0.blend", "g1.blend", "g2.blend"]


def test_same_seed_same_outputs_whatever_jobs(library, tmp_path):
    folder, paths = library
    home = tmp_path / "home"
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        done = run(folder, "-r", "--output-dir", out, "--jobs", jobs, "--seed", "9", home=home)
        assert done.code == 0, done
    single = tmp_path / "single.blend"
    assert run(paths[3], "-o", single, "--seed", "9", home=home).code == 0
    for path in paths:
        relative = os.path.relpath(path, folder)
        one, two = colors(tmp_path / "out1" / relative), colors(tmp_path / "out2" / relative)
        assert one.keys() == two.keys()
        assert all(np.array_equal(one[name], two[name]) for name in one)
    alone = colors(single)
    assert all(np.array_equal(alone[n], colors(tmp_path / "out2" / "g3.blend")[n]) for n in alone)


def test_shards_cover_the_inputs_exactly_once(library, tmp_path):
    folder, paths = library
    seen = []
    for k in range(4):
        report = tmp_path / f"shard{k}.json"
        done = run(folder, "-r", "--output-dir", tmp_path / "out", "--shard", f"{k}/4", "--report", report,
                   "--jobs", "1", home=tmp_path / "home")
        assert done.code == 0, done
        seen.append([entry["input"] for entry in report_of(report)["files"]])
    flat = [os.path.realpath(p) for shard in seen for p in shard]
    assert sorted(flat) == sorted(os.path.realpath(p) for p in paths)  # every input once
    assert sorted(len(shard) for shard in seen) == [1, 1, 2, 2]
    assert len(list((tmp_path / "out").rglob("*.blend"))) == N_FILES


@pytest.mark.parametrize("shard", ["4/4", "1", "a/b", "2/0", "1/2/3"])
def test_a_bad_shard_exits_2_before_any_work(library, tmp_path, shard):
    folder, _ = library
    done = run(folder, "--output-dir", tmp_path / "out", "--shard", shard, home=tmp_path / "home")
    assert done.code == cli.EXIT_BAD_INPUT, done
    assert "--shard" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "out").exists()


def test_two_inputs_writing_one_output_exit_2_naming_both(library, tmp_path):
    folder, paths = library
    twin = tmp_path / "twin"
    twin.mkdir()
    shutil.copyfile(paths[0], twin / "g0.blend")
    cases = [
        ([paths[0], twin / "g0.blend", "--output-dir", tmp_path / "out"], [paths[0], twin / "g0.blend"]),
        ([folder, "--output-dir", folder], [paths[0]]),  # would replace the inputs themselves
    ]
    for arguments, named in cases:
        done = run(*arguments, home=tmp_path / "home")
        assert done.code == cli.EXIT_BAD_INPUT, done
        line = done.stderr.strip()
        assert len(line.splitlines()) == 1 and all(str(p) in line for p in named), line
        assert not (tmp_path / "out").exists()


def test_skip_existing_resumes_a_run_killed_midway(heavy_library, tmp_path):
    out, home = tmp_path / "out", tmp_path / "home"
    process = start(heavy_library, "--output-dir", out, "--jobs", "1", home=home)
    finished = 0
    for line in process.stdout:
        finished += " done " in line
        if finished == 2:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    written = sorted(os.listdir(out))
    written = [name for name in written if not name.startswith(".")]
    assert 2 <= len(written) < 5, written
    report = tmp_path / "resume.json"

    done = run(heavy_library, "--output-dir", out, "--skip-existing", "--report", report, home=home)

    assert done.code == 0, done
    got = statuses(report_of(report))
    assert sorted(name for name, status in got.items() if status == "skipped") == written
    assert sorted(name for name, status in got.items() if status == "done") == sorted(
        set(os.listdir(heavy_library)) - set(written))
    for name in got:
        assert len(colors(out / name)) == 1  # every output is a complete, colored file


def test_a_worker_that_crashes_fails_its_file_and_is_replaced(heavy_library, tmp_path):
    report = tmp_path / "run.json"
    process = start(heavy_library, "--output-dir", tmp_path / "out", "--jobs", "1", "--report", report,
                    home=tmp_path / "home")
    for first in process.stdout:  # a Blender binary prints its banner first
        if first.startswith("["):
            break
    assert " done " in first, first
    workers = children(process.pid)
    assert len(workers) == 1
    os.kill(workers[0], signal.SIGSEGV)  # as if Blender crashed on the file it is coloring
    rest, _ = process.communicate(timeout=300)
    assert process.returncode == cli.EXIT_FAILED, rest
    entries = report_of(report)["files"]
    failed = [e for e in entries if e["status"] == "failed"]
    assert len(failed) == 1 and "worker died (signal SIGSEGV)" in failed[0]["error"], failed
    assert sum(e["status"] == "done" for e in entries) == 4
    assert "5 files: 4 done, 0 skipped, 1 failed" in rest


def test_an_output_folder_that_cannot_be_made_fails_its_files_only(library, tmp_path):
    folder, paths = library
    out, report = tmp_path / "out", tmp_path / "run.json"
    out.mkdir()
    (out / "sub").write_text("a file where the subfolder should go\n")  # refuses even root

    done = run(folder, "-r", "--output-dir", out, "--report", report, home=tmp_path / "home")

    assert done.code == cli.EXIT_FAILED, done
    entries = {os.path.basename(e["input"]): e for e in report_of(report)["files"]}
    failed = [name for name, e in entries.items() if e["status"] == "failed"]
    assert failed == [paths[-1].name], entries
    assert "Cannot create output folder" in entries[paths[-1].name]["error"]
    assert sum(e["status"] == "done" for e in entries.values()) == N_FILES - 1
