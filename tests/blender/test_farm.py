# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's SLURM recipe, run for real on a one-node cluster (tools/slurm_cluster.py).

An ``sbatch --array`` job whose tasks each color ``--shard
$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`` of a library with
``--skip-existing``, as the README says; every output must exist once. Skipped
with the reason where SLURM and munge are not installed (CI installs them).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import bpy
import pytest
from commands import ROOT, command, environment
from meshes import grid

sys.path.insert(0, str(ROOT / "tools"))
import slurm_cluster

N_FILES, N_TASKS = 7, 3

MISSING = slurm_cluster.missing_programs()
pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=f"SLURM not installed here (missing {', '.join(MISSING)})"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the one-node cluster runs its daemons as root"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = slurm_cluster.Cluster(tmp_path_factory.mktemp("slurm"))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def library(addon, tmp_path_factory):
    folder = tmp_path_factory.mktemp("farm-library")
    for i in range(N_FILES):
        bpy.ops.wm.read_factory_settings(use_empty=True)
        grid(3, 3, name=f"F{i}")
        bpy.ops.wm.save_as_mainfile(filepath=str(folder / f"f{i}.blend"), copy=True)
    return folder


def test_a_job_array_colors_the_library_once(cluster, library, tmp_path):
    out, reports = tmp_path / "colored", tmp_path / "reports"
    reports.mkdir()
    cli = shlex.join(command(library, "--output-dir", out, "--jobs", "1", "--seed", "5"))
    script = tmp_path / "color.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'exec {cli} --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --skip-existing '
        f'--report "{reports}/task-$SLURM_ARRAY_TASK_ID.json"\n'
    )
    env = dict(environment(tmp_path / "home"), SLURM_CONF=str(cluster.conf))

    done = subprocess.run(
        ["sbatch", "--wait", f"--array=0-{N_TASKS - 1}", f"--output={tmp_path}/task-%a.log", str(script)],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )

    logs = "\n".join(p.read_text() for p in sorted(tmp_path.glob("task-*.log")))
    assert done.returncode == 0, (done.stdout, done.stderr, logs)
    entries = [e for p in sorted(reports.glob("*.json")) for e in json.loads(p.read_text())["files"]]
    assert len(list(reports.glob("*.json"))) == N_TASKS, logs
    inputs = sorted(os.path.basename(e["input"]) for e in entries)
    assert inputs == sorted(f"f{i}.blend" for i in range(N_FILES)), logs  # each file by one task
    assert all(e["status"] == "done" for e in entries), entries
    assert sorted(os.listdir(out)) == inputs
