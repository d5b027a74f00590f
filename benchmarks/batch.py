# SPDX-License-Identifier: GPL-3.0-or-later
"""Time many files per run against one Blender start per file, and a million-face glTF in and out.

    python benchmarks/batch.py --output docs/batch.md [--quick]

Runs in the bpy 5.0 module (``make bench``). Side by side, in one run:

* ``loop``: the README's former recipe, one command line (one Blender start)
  per file, over 60 small .blend files (``--quick``: 12);
* ``batch``: one call over the same folder with ``--jobs 2``;
* a .glb of a million faces colored .glb to .glb: Blender's glTF import,
  our coloring and Blender's glTF export, each timed alone in this process.

Writes a Markdown page (the tables and the ratio) and prints it.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

import bpy

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from random_vertex_colors import cli, coloring, formats  # noqa: E402
from random_vertex_colors.options import ColorSettings  # noqa: E402


def make_library(folder: pathlib.Path, n: int, size: int) -> None:
    for i in range(n):
        bpy.ops.wm.read_factory_settings(use_empty=True)
        bpy.ops.mesh.primitive_grid_add(x_subdivisions=size, y_subdivisions=size, size=2)
        bpy.context.object.name = f"Grid{i}"
        bpy.ops.wm.save_as_mainfile(filepath=str(folder / f"scene{i:03d}.blend"), copy=True)


def command_line(*arguments) -> list[str]:
    return [sys.executable, "-m", "random_vertex_colors", *map(str, arguments)]


def environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")


def time_loop(library: pathlib.Path, out: pathlib.Path) -> float:
    out.mkdir()
    started = time.perf_counter()
    for path in sorted(library.glob("*.blend")):
        subprocess.run(command_line(path, "--output", out / path.name, "--seed", "7"),
                       env=environment(), check=True, capture_output=True)
    return time.perf_counter() - started


def time_batch(library: pathlib.Path, out: pathlib.Path, jobs: int) -> float:
    started = time.perf_counter()
    subprocess.run(command_line(library, "--output-dir", out, "--jobs", jobs, "--seed", "7"),
                   env=environment(), check=True, capture_output=True)
    return time.perf_counter() - started


def time_big_gltf(folder: pathlib.Path, size: int) -> dict[str, float]:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=size, y_subdivisions=size, size=2)
    faces = len(bpy.context.object.data.polygons)
    source, output = folder / "big.glb", folder / "big-colored.glb"
    formats.export_file(bpy, str(source))

    timings = {"faces": faces}
    started = time.perf_counter()
    formats.import_file(bpy, str(source), str(source))
    timings["import"] = time.perf_counter() - started

    started = time.perf_counter()
    settings = ColorSettings(seed=7)
    prepared = cli.prepare(bpy, cli.choose_objects(bpy, None, str(source)), settings, str(source))
    cli.report_lines(coloring.color_run(prepared), named=False)
    timings["color"] = time.perf_counter() - started

    started = time.perf_counter()
    formats.export_file(bpy, str(output))
    timings["export"] = time.perf_counter() - started
    timings["megabytes"] = output.stat().st_size / 1e6
    return timings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=pathlib.Path, default=ROOT / "docs" / "batch.md")
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("BENCH_QUICK")))
    args = parser.parse_args(argv)
    n_files, big = (12, 300) if args.quick else (60, 1000)
    grid_size = 55  # 3025 faces a file

    with tempfile.TemporaryDirectory(prefix="rvc-bench-batch-") as tmp:
        tmp = pathlib.Path(tmp)
        library = tmp / "library"
        library.mkdir()
        make_library(library, n_files, grid_size)
        loop = time_loop(library, tmp / "loop")
        batch = time_batch(library, tmp / "batch", jobs=2)
        gltf = time_big_gltf(tmp, big)

    total = gltf["import"] + gltf["color"] + gltf["export"]
    lines = [
        "# Many files per run",
        "",
        "Measured by `benchmarks/batch.py` (part of `make bench`) in Blender "
        f"{bpy.app.version_string} (bpy module), Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; both ways side by side in one run.",
        "",
        f"## {n_files} .blend files of {grid_size * grid_size} faces",
        "",
        "| how | seconds | per file |",
        "| --- | ---: | ---: |",
        f"| one command line per file (a loop, one Blender start each) | {loop:.1f} | {loop / n_files:.3f} |",
        f"| one call, `--output-dir` with `--jobs 2` | {batch:.1f} | {batch / n_files:.3f} |",
        "",
        f"One call is **{loop / batch:.1f}x** faster than the loop: Blender starts twice, not "
        f"{n_files} times.",
        "",
        f"## A .glb of {gltf['faces']:,} faces in and out",
        "",
        "| step | seconds | share |",
        "| --- | ---: | ---: |",
        f"| glTF import (Blender's) | {gltf['import']:.2f} | {gltf['import'] / total:.0%} |",
        f"| coloring (FACE, RGB) | {gltf['color']:.2f} | {gltf['color'] / total:.0%} |",
        f"| glTF export (Blender's), {gltf['megabytes']:.0f} MB | {gltf['export']:.2f} | "
        f"{gltf['export'] / total:.0%} |",
        "",
    ]
    text = "\n".join(lines)
    args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(code)  # the bpy module may crash while shutting down (4.2)
