# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the Blender test suite in each Blender given, isolated, and sum up.

    python3 tests/run_blender.py [--venv NAME]... [--bpy PYTHON]... [--blender BINARY]... \
        [--require-all] [-- pytest arguments]

``--venv`` names a bpy environment by its requirements file
(``requirements/NAME.txt``), made or found by ``tools/ensure-venv``;
``--bpy`` names a Python whose site-packages hold the bpy wheel; ``--blender``
a Blender binary. A target that is missing (no such Python, the environment
cannot be made, no such binary) is skipped with the reason, unless
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


def ensure_venv(name: str) -> tuple[str | None, str]:
    """(the environment's python, "") from tools/ensure-venv, or (None, why it could not be made)."""
    done = subprocess.run([str(ROOT / "tools" / "ensure-venv"), name], capture_output=True, text=True)
    if done.returncode == 0:
        return os.path.join(done.stdout.strip(), "bin", "python"), ""
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("WARNING")]
    if not lines:
        return None, f"tools/ensure-venv {name} exited {done.returncode}"
    return None, lines[-1].removeprefix("ensure-venv: ")


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


def blender_version(kind: str, path: str) -> str:
    """Blender's version string, as the target reports it ("" if it cannot tell)."""
    expr = "import bpy; print('RVC-VERSION', bpy.app.version_string)"
    if kind == "bpy":
        command = [path, "-c", expr]
        env = dict(os.environ)
    else:
        command = [path, "--background", "--factory-startup", "--python-expr", expr]
        env = binary_env(dict(os.environ), path)
    with tempfile.TemporaryDirectory(prefix="rvc-home-") as home:
        env["HOME"] = home
        done = subprocess.run(command, capture_output=True, text=True, env=env)
    found = [line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("RVC-VERSION ")]
    return found[0] if found else ""


def run_pytest(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run pytest, its output passed through; (exit code, its closing "N passed ..." line)."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, errors="replace")
    closing = ""
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        text = line.strip().strip("=").strip()
        if any(word in text for word in (" passed", " failed", " error", "no tests ran")) and " in " in text:
            closing = text
    return process.wait(), closing


def main(argv: list[str]) -> int:
    pytest_args: list[str] = []
    if "--" in argv:
        pytest_args = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", action="append", default=[],
                        help="bpy environment from requirements/NAME.txt, made by tools/ensure-venv")
    parser.add_argument("--bpy", action="append", default=[], help="Python with the bpy wheel")
    parser.add_argument("--blender", action="append", default=[], help="Blender binary")
    parser.add_argument("--require-all", action="store_true", help="fail when any target is skipped (CI)")
    args = parser.parse_args(argv)

    # (label, kind, path or None, why it is missing)
    targets: list[tuple[str, str, str | None, str]] = []
    for name in args.venv:
        print(f"=== setting up {name} (tools/ensure-venv)", flush=True)
        python, reason = ensure_venv(name)
        targets.append((name, "bpy", python, reason))
    targets += [(p, "bpy", p, "") for p in args.bpy] + [(p, "blender", p, "") for p in args.blender]
    tool = extension_tool([path for _, kind, path, _ in targets if kind == "bpy" and path])
    outcomes = []
    for label, kind, path, reason in targets:
        reason = reason or (availability(kind, path) if path else "")
        if reason or path is None:
            outcomes.append((label, "SKIPPED", reason, args.require_all))
            continue
        path = resolve(path) or path
        version = blender_version(kind, path)
        label = f"{label} (Blender {version})" if version else label
        print(f"\n=== Blender tests in {label}: {kind} {path}", flush=True)
        with tempfile.TemporaryDirectory(prefix="rvc-home-") as home:
            env = isolated_env(home)
            if tool:
                env["RVC_BLENDER_EXT"] = tool
            if kind == "blender":
                env = binary_env(env, path)
            code, closing = run_pytest(command_for(kind, path, pytest_args), env)
        status = "passed" if code == 0 else f"FAILED (exit {code})"
        outcomes.append((label, status, closing, code != 0))

    print("\n=== Blender test summary")
    for label, status, detail, _bad in outcomes:
        print(f"  {status:16s} {label}{': ' + detail if detail else ''}")
    if any(status == "SKIPPED" for _, status, *_ in outcomes):
        print("  (a SKIPPED Blender was not tested at all" +
              ("; --require-all makes that a failure)" if args.require_all else "; CI requires every one)"))
    ran = [o for o in outcomes if o[1] != "SKIPPED"]
    if not ran:
        print("  no Blender was available: the operator was not tested", flush=True)
        return 1
    return 1 if any(bad for *_, bad in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
