#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the extension zip with Blender's own tool, validate it, and wrap it as a legacy add-on zip.

    python3 tools/package.py (--bpy-venv DIR | --blender-ext PATH) [--output-dir dist] [--source-dir DIR]

Blender's extension tool (``blender_ext.py``, the code behind
``blender --command extension build``) ships in the bpy wheel under
``bpy/<version>/scripts/addons_core/bl_pkg/cli/``; it is a stdlib-only script,
run here with this Python. It builds ``<id>-<version>.zip`` from the package
folder, obeying ``[build]`` in its ``blender_manifest.toml``, checks the tags
against Blender's own list (as ``blender --command extension build`` does),
and ``validate`` then checks the zip. The legacy zip for Blender 3.4 to 4.1
holds the same files under a ``random_vertex_colors/`` top folder, without
the manifest (those versions read ``bl_info``).

Prints the paths of the two zips, extension first. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
ADDON_ID = "random_vertex_colors"
PACKAGE = ROOT / ADDON_ID
MANIFEST = "blender_manifest.toml"
TOOL_IN_WHEEL = "bpy/*/scripts/addons_core/bl_pkg/cli/blender_ext.py"


class PackageError(Exception):
    """Building or checking a package failed; the message says why."""


def find_blender_ext(bpy_venv: str | pathlib.Path) -> pathlib.Path:
    """The ``blender_ext.py`` inside the bpy wheel installed in the virtual environment ``bpy_venv``."""
    venv = pathlib.Path(bpy_venv)
    found = sorted(venv.glob(f"lib/python3*/site-packages/{TOOL_IN_WHEEL}"))
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise PackageError(
            f"{what} {TOOL_IN_WHEEL} under {venv}/lib/python3*/site-packages (bpy not installed?)"
        )
    return found[0]


def valid_tags_for(blender_ext: pathlib.Path) -> pathlib.Path:
    """Blender's list of valid tags next to its tool: ``scripts/modules/_bpy_internal/extensions/tags.py``."""
    scripts = blender_ext.resolve().parents[3]
    tags = scripts / "modules" / "_bpy_internal" / "extensions" / "tags.py"
    if not tags.is_file():
        raise PackageError(f"Blender's tag list {tags} not found next to {blender_ext}")
    return tags


def run_tool(blender_ext: pathlib.Path, *args: str) -> list[tuple[str, str]]:
    """Run ``blender_ext.py *args`` with this Python; its messages as (type, text) pairs.

    Fails on a nonzero exit status and on any ERROR, FATAL_ERROR or WARN message.
    """
    command = [sys.executable, str(blender_ext), *args, "--output-type", "JSON"]
    done = subprocess.run(command, capture_output=True, text=True)
    messages = []
    for line in done.stdout.splitlines():
        try:
            kind, text = json.loads(line)
        except ValueError:
            kind, text = "OUTPUT", line
        messages.append((kind, str(text)))
    bad = [m for m in messages if m[0] in ("ERROR", "FATAL_ERROR", "WARN")]
    if done.returncode or bad:
        report = "\n".join(f"  {kind}: {text}" for kind, text in messages)
        raise PackageError(
            f"{blender_ext.name} {args[0]} failed (exit {done.returncode}):\n{report}\n{done.stderr.strip()}"
        )
    return messages


def check_contents(archive: pathlib.Path, *, top: str = "") -> list[str]:
    """The file names in ``archive``, after checking it holds the add-on alone.

    ``top`` is the folder every entry must sit in (``""``: the zip's root).
    Raises PackageError naming each entry that does not belong.
    """
    with zipfile.ZipFile(archive) as zf:
        names = [name for name in zf.namelist() if not name.endswith("/")]
    problems = []
    for name in names:
        if not name.startswith(top):
            problems.append(f"{name}: outside {top}")
        parts = name[len(top):].split("/")
        if any(part.startswith(".") or part in ("__pycache__", "tests") for part in parts):
            problems.append(f"{name}: cache, hidden or test file")
        elif name.endswith((".pyc", ".pyo", ".zip", ".blend1")):
            problems.append(f"{name}: build leftover")
    for needed in ("__init__.py",) + (() if top else (MANIFEST,)):
        if top + needed not in names:
            problems.append(f"{top + needed}: missing")
    if problems:
        raise PackageError(f"{archive.name} does not hold the add-on alone:\n  " + "\n  ".join(problems))
    return names


def untracked_files(source: pathlib.Path) -> set[str]:
    """Files under ``source`` that git does not track (empty outside a git work tree)."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "--others", "--", "."], cwd=source, capture_output=True, text=True,
        )
    except OSError:
        return set()
    return set(done.stdout.split()) if done.returncode == 0 else set()


def build_extension(blender_ext: pathlib.Path, output_dir: pathlib.Path, source: pathlib.Path = PACKAGE
                    ) -> pathlib.Path:
    """Build ``<id>-<version>.zip`` from ``source`` into ``output_dir`` and validate it."""
    tags = valid_tags_for(blender_ext)
    with tempfile.TemporaryDirectory(prefix="rvc-build-") as staging:
        run_tool(blender_ext, "build", "--source-dir", str(source), "--output-dir", staging,
                 "--valid-tags", str(tags))
        built = list(pathlib.Path(staging).glob("*.zip"))
        if len(built) != 1:
            names = [path.name for path in built]
            raise PackageError(f"expected one zip from {blender_ext.name} build, got {names}")
        run_tool(blender_ext, "validate", "--valid-tags", str(tags), str(built[0]))
        names = check_contents(built[0])
        output_dir.mkdir(parents=True, exist_ok=True)
        target = output_dir / built[0].name
        shutil.move(built[0], target)
    stray = untracked_files(source) & set(names)
    if stray:
        print(f"package.py: warning: shipping files git does not track: {', '.join(sorted(stray))}",
              file=sys.stderr)
    return target


def build_legacy(extension_zip: pathlib.Path, output_dir: pathlib.Path) -> pathlib.Path:
    """Re-wrap the extension's files under ``random_vertex_colors/`` for Blender 3.4 to 4.1."""
    target = output_dir / f"{extension_zip.stem}-legacy.zip"
    with zipfile.ZipFile(extension_zip) as source, \
            zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as legacy:
        for info in source.infolist():
            if info.is_dir() or info.filename == MANIFEST:
                continue
            entry = zipfile.ZipInfo(f"{ADDON_ID}/{info.filename}", date_time=info.date_time)
            entry.external_attr = info.external_attr
            entry.compress_type = zipfile.ZIP_DEFLATED
            legacy.writestr(entry, source.read(info))
    check_contents(target, top=f"{ADDON_ID}/")
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    tool = parser.add_mutually_exclusive_group(required=True)
    tool.add_argument("--bpy-venv", help="venv holding the bpy wheel (tools/ensure-venv bpy-5.0)")
    tool.add_argument("--blender-ext", help="path of Blender's blender_ext.py")
    parser.add_argument("--output-dir", default=str(ROOT / "dist"), help="where the zips go (default: dist)")
    parser.add_argument("--source-dir", default=str(PACKAGE), help="the add-on folder (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        blender_ext = pathlib.Path(args.blender_ext) if args.blender_ext else find_blender_ext(args.bpy_venv)
        if not blender_ext.is_file():
            raise PackageError(f"{blender_ext} not found")
        output_dir = pathlib.Path(args.output_dir)
        extension = build_extension(blender_ext, output_dir, pathlib.Path(args.source_dir))
        legacy = build_legacy(extension, output_dir)
    except PackageError as error:
        print(f"package.py: {error}", file=sys.stderr)
        return 1
    print(extension)
    print(legacy)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
