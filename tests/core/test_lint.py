# SPDX-License-Identifier: GPL-3.0-or-later
"""``make lint``'s type checker sees Blender's API and fails on a type error.

Runs mypy with the project's configuration on a copy of the add-on with one
mistake added, so the check is known to bite, not only to pass.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

MISTAKES = {
    "a Blender attribute that does not exist": (
        "def _typo(mesh: Mesh) -> int:\n    return len(mesh.polygonz)\n", "attr-defined"),
    "a wrong argument type": ("def _wrong() -> None:\n"
                              "    resolve_attribute(None, 1)\n", "arg-type"),
}


def mypy(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "--no-incremental",
         "random_vertex_colors"],
        capture_output=True, text=True, cwd=folder, timeout=300,
    )


@pytest.fixture(scope="module")
def checker():
    if subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True).returncode:
        pytest.skip("mypy is not installed here (it is in requirements/dev.txt)")
    return mypy


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_the_type_checker_fails_on_a_mistake(checker, tmp_path, mistake):
    code, error_code = MISTAKES[mistake]
    shutil.copytree(ROOT / "random_vertex_colors", tmp_path / "random_vertex_colors")
    target = tmp_path / "random_vertex_colors" / "coloring.py"
    source = target.read_text()
    source = source.replace("if TYPE_CHECKING:\n", "from bpy.types import Mesh\n\nif TYPE_CHECKING:\n", 1)
    target.write_text(source + "\n\n" + code)
    done = checker(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "coloring.py" in done.stdout and f"[{error_code}]" in done.stdout, done.stdout
