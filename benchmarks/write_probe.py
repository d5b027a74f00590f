# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the time of writing a color attribute goes, in one Blender: a probe, not a benchmark table.

    HOME=$(mktemp -d) python benchmarks/write_probe.py [--faces 1000000] [--repeats 7]

Runs in a bpy module (any version). On a grid of quads with a FLOAT_COLOR
corner attribute, it times ``attributes[name]`` (the lookup), ``.data`` and
``foreach_set("color", ...)`` of a ready contiguous float32 array separately,
after each of these setups:

* ``written``: the attribute was written just before; nothing shares it;
* ``evaluated``: the depsgraph was evaluated since (the evaluated mesh shares
  the attribute's array, as after any redraw);
* ``undo_pushed``: an undo step was pushed since (the memfile undo step may
  share the array);
* ``evaluated_undo``: both;
* ``new``: the attribute was removed and created anew;

then the operator itself, with ``mesh_colors.write_colors`` timed
inside it. Each line also gives the minor page faults of the write, which
tell a copy into fresh memory from a write in place. The figures went into
benchmarks/notes.md ("foreach_set in Blender 5.3").
"""

from __future__ import annotations

import argparse
import pathlib
import platform
import resource
import sys
import time

import bpy
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_meshes  # noqa: E402

import random_vertex_colors  # noqa: E402
from random_vertex_colors import mesh_arrays as mesh_colors  # noqa: E402

NAME = "Color"


def faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def timed(step):
    f0, t0 = faults(), time.perf_counter()
    result = step()
    return result, time.perf_counter() - t0, faults() - f0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    bpy.ops.wm.read_factory_settings(use_empty=True)
    random_vertex_colors.register()
    side = round(args.faces ** 0.5)
    ob = bench_meshes.grid(side)
    me = ob.data
    bpy.context.view_layer.objects.active = ob
    ob.select_set(True)
    values = np.random.default_rng(0).random(len(me.loops) * 4, dtype=np.float32)
    print(f"Blender {bpy.app.version_string}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{len(me.polygons):,} faces, {len(me.loops):,} corners, {values.nbytes / 2**20:.0f} MiB written")

    def written():
        me.attributes[NAME].data.foreach_set("color", values)

    def evaluated():
        me.update()
        bpy.context.view_layer.update()

    def undo_pushed():
        bpy.ops.ed.undo_push(message="probe")

    def evaluated_undo():
        evaluated()
        undo_pushed()

    def new():
        me.attributes.remove(me.attributes[NAME])
        me.color_attributes.new(NAME, 'FLOAT_COLOR', 'CORNER')

    print(f"{'setup':16s} {'lookup ms':>10s} {'.data ms':>9s} {'foreach_set ms':>15s} {'faults':>7s}")
    for setup in (written, evaluated, undo_pushed, evaluated_undo, new):
        rows = []
        for _ in range(args.repeats):
            written()
            setup()
            attribute, lookup, lookup_faults = timed(lambda: me.attributes[NAME])
            data, access, access_faults = timed(lambda a=attribute: a.data)
            _, write, write_faults = timed(lambda d=data: d.foreach_set("color", values))
            rows.append((lookup + access + write, lookup, access, write,
                         lookup_faults + access_faults + write_faults))
        best = min(rows)
        print(f"{setup.__name__:16s} {best[1] * 1e3:10.2f} {best[2] * 1e3:9.2f} {best[3] * 1e3:15.2f} "
              f"{best[4]:7d}")

    inner = []
    original = mesh_colors.write_colors

    def write_corner_colors(*a, **k):
        _, seconds, page_faults = timed(lambda: original(*a, **k))
        inner.append((seconds, page_faults))

    mesh_colors.write_colors = write_corner_colors
    try:
        for setup in (written, evaluated):
            rows = []
            for _ in range(args.repeats):
                written()
                setup()
                _, total, _ = timed(lambda: bpy.ops.mesh.random_vertex_colors(seed=1, attribute_name=NAME))
                rows.append((total, *inner[-1]))
            best = min(rows)
            print(f"operator after {setup.__name__}: {best[0] * 1e3:.1f} ms, write_corner_colors inside it "
                  f"{best[1] * 1e3:.1f} ms ({best[2]} faults)")
    finally:
        mesh_colors.write_colors = original
    random_vertex_colors.unregister()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    import os

    os._exit(code)
