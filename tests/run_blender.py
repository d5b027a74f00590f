# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the Blender test suite in each Blender given, isolated, and sum up.

    python3 tests/run_blender.py [--bpy PYTHON]... [--blender BINARY]... \
        [--require-all] [-- pytest arguments]

``--bpy`` names a Python whose site-packages hold the bpy wheel; ``--blender``
a Blender binary. A target that is missing is skipped with the reason, unless
``--require-all`` is given (CI gives it). Each run gets its own HOME and
BLENDER_USER_RESOURCES in a temporary folder so that no user preferences or
add-ons leak in or out. RVC_BLENDER_EXT names Blender's extension tool from
the first bpy wheel that has one, so that the install tests in every Blender
build the zips as ``make package`` does. Exit status: 0 only if every run
that ran passed and no required target was skipped.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "blender"

sys.path.insert(0, str(ROOT / "tools"))
import package  # noqa: E402  (tools/package.py: finds Blender's extension tool in a bpy wheel)


def isolated_env(home: str) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = home
    env["BLENDER_USER_RESOURCES"] = os.path.join(home, "blender-user")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def binary_env(env: dict[str, str], binary: str) -> dict[str, str]:
    """Put the binary's own folder first on PATH.

    A Blender built against the system Python (Debian's) finds its standard
    library through the first ``python3`` on PATH; a pyenv or venv Python in
    front of it would hand Blender the wrong site-packages.
    """
    env = dict(env)
    env["PATH"] = os.path.dirname(os.path.realpath(binary)) + os.pathsep + env.get("PATH", "")
    return env


def command_for(kind: str, path: str, pytest_args: list[str]) -> list[str]:
    if kind == "bpy":
        return [path, "-m", "pytest", str(SUITE), *pytest_args]
    return [
        path, "--background", "--factory-startup", "--python-exit-code", "1",
        "--python", str(ROOT / "tests" / "blender_pytest.py"), "--", str(SUITE), *pytest_args,
    ]


def extension_tool(bpy_pythons: list[str]) -> str | None:
    """blender_ext.py from the first bpy wheel's virtual environment (``<venv>/bin/python``) that has it."""
    for python in bpy_pythons:
        try:
            return str(package.find_blender_ext(pathlib.Path(python).parent.parent))
        except package.PackageError:
            continue
    return None


def resolve(path: str) -> str | None:
    # Not resolved through links: a venv's python is a link whose target has no bpy.
    return shutil.which(path) or (os.path.abspath(path) if os.path.exists(path) else None)


def availability(kind: str, path: str) -> str | None:
    """None when the target can run, else why not."""
    resolved = resolve(path)
    if resolved is None:
        return f"{path} not found"
    if kind == "bpy":
        probe = subprocess.run([resolved, "-c", "import bpy, pytest, hypothesis"], capture_output=True)
        if probe.returncode:
            return f"{path} cannot import bpy, pytest and hypothesis"
    else:
        probe = subprocess.run(
            [resolved, "--background", "--factory-startup", "--python-exit-code", "1",
             "--python-expr", "import pytest, hypothesis, numpy"],
            capture_output=True, env=binary_env(dict(os.environ), resolved),
        )
        if probe.returncode:
            return f"{path} runs but its Python lacks pytest, hypothesis or numpy"
    return None


def main(argv: list[str]) -> int:
    pytest_args: list[str] = []
    if "--" in argv:
        pytest_args = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bpy", action="append", default=[], help="Python with the bpy wheel")
    parser.add_argument("--blender", action="append", default=[], help="Blender binary")
    parser.add_argument("--require-all", action="store_true", help="fail when any target is skipped (CI)")
    args = parser.parse_args(argv)

    targets = [("bpy", p) for p in args.bpy] + [("blender", p) for p in args.blender]
    tool = extension_tool(args.bpy)
    outcomes = []
    for kind, path in targets:
        reason = availability(kind, path)
        if reason:
            outcomes.append((path, "SKIPPED", reason, args.require_all))
            continue
        print(f"\n=== Blender tests in {kind} {path}", flush=True)
        with tempfile.TemporaryDirectory(prefix="rvc-home-") as home:
            env = isolated_env(home)
            if tool:
                env["RVC_BLENDER_EXT"] = tool
            if kind == "blender":
                env = binary_env(env, resolve(path))
            code = subprocess.call(command_for(kind, path, pytest_args), cwd=ROOT, env=env)
        outcomes.append((path, "passed" if code == 0 else f"FAILED (exit {code})", "", code != 0))

    print("\n=== Blender test summary")
    for path, status, reason, _bad in outcomes:
        print(f"  {status:16s} {path}{': ' + reason if reason else ''}")
    ran = [o for o in outcomes if o[1] != "SKIPPED"]
    if not ran:
        print("  no Blender was available: the operator was not tested", flush=True)
        return 1
    return 1 if any(bad for *_, bad in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
