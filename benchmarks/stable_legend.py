# SPDX-License-Identifier: GPL-3.0-or-later
"""Stable FACE against FACE, and the legend of a million groups (issue 13), in one bpy module.

    python benchmarks/stable_legend.py [--faces-side 1000] [--rounds 15]

Prints the best time of FACE and of FACE with ``stable=True`` on a grid of
``side x side`` quads, measured alternately in one process, cold (each run
right after a depsgraph evaluation, as ``run.py`` times the operator, so
both pay the copy-on-write of the color attribute) and warm (no evaluation
in between); then the legend's size per group and the time to write it for
one group per face. ``make bench`` does not run it; benchmarks/notes.md
holds its figures.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

import bpy

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import random_vertex_colors  # noqa: E402
from random_vertex_colors import cli, coloring, legend  # noqa: E402
from random_vertex_colors.options import ColorSettings  # noqa: E402

ATTRIBUTE = "Col"


def best_of_alternating(methods: dict, rounds: int, setup) -> dict:
    """Each method's best time over ``rounds`` rounds, the methods taking turns in each round."""
    times: dict[str, list[float]] = {name: [] for name in methods}
    for run in methods.values():  # warm-up
        setup()
        run()
    for _ in range(rounds):
        for name, run in methods.items():
            setup()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: min(values) for name, values in times.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces-side", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    random_vertex_colors.register()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=args.faces_side, y_subdivisions=args.faces_side)
    ob = bpy.context.object
    me = ob.data
    me.color_attributes.new(ATTRIBUTE, 'FLOAT_COLOR', 'CORNER')
    print(f"Blender {bpy.app.version_string}, {len(me.polygons)} faces")

    def operator(**extra):
        return lambda: bpy.ops.mesh.random_vertex_colors(seed=1, attribute_name=ATTRIBUTE, **extra)

    def cold():
        me.update()
        bpy.context.view_layer.update()

    methods = {"FACE": operator(), "FACE stable": operator(stable=True)}
    for label, setup in (("cold", cold), ("warm", lambda: None)):
        best = best_of_alternating(methods, args.rounds, setup)
        ratio = best["FACE stable"] / best["FACE"]
        times = ", ".join(f"{name} {seconds * 1e3:.1f} ms" for name, seconds in best.items())
        print(f"{label}: {times}; stable / FACE = {ratio:.2f}")

    settings = ColorSettings(attribute_name=ATTRIBUTE, stable=True, legend=True)
    result = coloring.color_mesh_alone(me, settings)
    assert result.legend is not None
    start = time.perf_counter()
    text = legend.legend_json(settings, ATTRIBUTE, [result.legend])
    formatted = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = str(pathlib.Path(folder) / "legend.json")
        outcome = coloring.Outcome(coloring.choose_targets([ob])[0][0], result, None)
        start = time.perf_counter()
        cli.write_legend(path, settings, [outcome])
        written = time.perf_counter() - start
        size = pathlib.Path(path).stat().st_size
    start = time.perf_counter()
    block = bpy.data.texts.new("legend")
    block.write(text)
    into_text = time.perf_counter() - start
    groups = len(me.polygons)
    print(f"legend of {groups} groups: {size / groups:.1f} bytes per group, {size / 1e6:.1f} MB; "
          f"JSON text {formatted:.2f} s, to a file {written:.2f} s, into a text datablock {into_text:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]))
