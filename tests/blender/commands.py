# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the command line as a new process of the Blender under test (binary or bpy module).

Inside a Blender binary the command is that binary with ``--python
random_vertex_colors/__main__.py``; inside the bpy module it is ``python -m
random_vertex_colors`` with the same Python (as in test_cli.py).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import subprocess
import sys

import bpy

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAIN = ROOT / "random_vertex_colors" / "__main__.py"
IN_BINARY = bool(bpy.app.binary_path)


@dataclasses.dataclass
class Done:
    code: int
    stdout: str
    stderr: str


def environment(home: pathlib.Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["HOME"] = str(home)
    env["BLENDER_USER_RESOURCES"] = str(home / "blender-user")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if IN_BINARY:
        # Debian's Blender finds its stdlib through the first python3 on PATH (tests/run_blender.py).
        binary_folder = os.path.dirname(os.path.realpath(bpy.app.binary_path))
        env["PATH"] = os.pathsep.join([binary_folder, "/usr/bin", env.get("PATH", "")])
    else:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def command(*arguments) -> list[str]:
    if IN_BINARY:
        return [bpy.app.binary_path, "--background", "--factory-startup", "--python", str(MAIN), "--",
                *map(str, arguments)]
    return [sys.executable, "-m", "random_vertex_colors", *map(str, arguments)]


def run(*arguments, home: pathlib.Path, timeout: float = 300) -> Done:
    done = subprocess.run(
        command(*arguments), capture_output=True, text=True, env=environment(home), cwd=home,
        timeout=timeout,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def start(*arguments, home: pathlib.Path) -> subprocess.Popen:
    """The command line running in its own session (so a test can kill it with its workers)."""
    return subprocess.Popen(
        command(*arguments), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(home), cwd=home, start_new_session=True,
    )


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux /proc)."""
    found = []
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found
