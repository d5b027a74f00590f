# SPDX-License-Identifier: GPL-3.0-or-later
"""Time Random Vertex Colors against the seed's kernels, Geometry Nodes and the RNA floor.

    python benchmarks/run.py [--output docs/performance-<version>.json] [--quick]

Runs in a bpy module (``make bench`` runs it in 5.3 and 5.0, then
``report.py`` turns the JSON files into docs/performance.md and the plots;
the JSON records the Blender, Python and numpy versions). Everything runs in
this one process, side by side, on the same meshes:

* ``seed_loop``: the seed article's Python loop (grids up to 100k faces);
* ``seed_f64``, ``seed_f32``: its numpy kernel, 64- and 32-bit;
* ``ours_<GRANULARITY>``: ``bpy.ops.mesh.random_vertex_colors`` end to end,
  once per item of its ``granularity`` enum (FACE alone where it has none);
* ``ours_rna_starts``: the same with face starts read by ``foreach_get``;
* ``color_mesh``: ``coloring.color_mesh_alone``, without ``bpy.ops``;
* ``hsv_FACE``: the operator, FACE, color mode HSV (full ranges): what HSV
  adds per million groups over ``ours_FACE``;
* ``option_<name>``: the operator with stable colors (FACE keyed by each
  face's vertex positions, not its index) or on the point domain, one row
  each, where this build has the option (``OPTION_ROWS``);
* ``artist_mix``, ``artist_channels``: the operator, FACE, with ``mix=0.5`` or
  ``channels={'R'}`` (they read the colors there), over colors one per face;
  ``artist_mix_painted``, ``artist_channels_painted``: the same over colors
  that differ at every corner (painted before each run, untimed);
* ``geometry_nodes``: Random Value on faces, Store Named Attribute on
  corners, modifier added and applied;
* ``floor``: ``foreach_get("loop_start")`` plus ``foreach_set`` of a ready
  float32 array, what any design that reads face offsets through RNA pays;
* ``kernel_i32_f32``, ``kernel_i64_f64``: ``core.loop_colors`` alone;
* on the million-face grid, BYTE_COLOR writes and peak Python memory of
  every granularity and of HSV;
* a 10M-face grid (full runs only): the floor, FACE, Blender's copy-on-write
  alone and FACE's peak memory, for time per face at scale.

Each timing is the minimum of several runs after a warm-up run, each run
starting from a freshly evaluated depsgraph (as after a redraw), so that
every method pays the copy-on-write of the color attribute that its first
write triggers. The operator and the floor on every grid, and the seed's
kernels on the million-face grid, run again with the attribute already
copied (``<method>@warm``), and the copy is timed alone
(``copy_on_write``). ``BENCH_QUICK=1`` (or ``--quick``) uses fewer,
smaller meshes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import time
import tracemalloc

import bpy
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench_meshes  # noqa: E402
import seed_addon  # noqa: E402

import random_vertex_colors  # noqa: E402
from random_vertex_colors import byte_colors, coloring, core, face_starts  # noqa: E402
from random_vertex_colors.options import ColorSettings  # noqa: E402

ATTRIBUTE = "Color"
BYTE_ATTRIBUTE = "Bytes"
POINTS = bench_meshes.POINT_ATTRIBUTE
LOOP_MAX_FACES = 100_000  # the seed's Python loop takes ~15 s per million faces
SCALE_SIDE = 3162  # a 10M-face grid, full runs only
# Options of other issues, one row each where the operator has the property (so
# the bench runs on builds with and without them): property -> operator options.
# Each issue's bound is checked in report.OPTION_BOUNDS.
OPTION_ROWS: dict[str, tuple[str, dict]] = {  # method: (property it needs, operator options)
    "option_stable": ("stable", {"stable": True}),  # stable colors, FACE
    "option_point_VERTEX": ("domain", {"domain": 'POINT', "granularity": 'VERTEX', "attribute_name": POINTS}),
    "option_point_ISLAND": ("domain", {"domain": 'POINT', "granularity": 'ISLAND', "attribute_name": POINTS}),
    "option_point_OBJECT": ("domain", {"domain": 'POINT', "granularity": 'OBJECT', "attribute_name": POINTS}),
}


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def measure(run, setup=None, repeats: int = 5, budget: float = 3.0) -> dict:
    """Best time of up to ``repeats`` runs after one warm-up; stops early once ``budget`` s are spent."""
    if setup:
        setup()
    run()
    times: list[float] = []
    while len(times) < repeats:
        if setup:
            setup()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
        if len(times) >= 2 and sum(times) > budget:
            break
    return {"best_s": min(times), "runs_s": times}


def peak_python_memory(run, setup=None) -> int:
    """Peak bytes allocated through Python (numpy arrays included) during one run."""
    if setup:
        setup()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def granularities() -> list[str]:
    """The operator's granularity items, or [] when it has no such property."""
    properties = bpy.ops.mesh.random_vertex_colors.get_rna_type().properties
    if "granularity" not in properties:
        return []
    # An enum filled by a callback lists no static items: FACE is the one every build has.
    return [item.identifier for item in properties["granularity"].enum_items] or ["FACE"]


def random_colors_node_group():
    """Random Value (vector) evaluated on faces, stored as FLOAT_COLOR on corners."""
    tree = bpy.data.node_groups.new("Random face colors", 'GeometryNodeTree')
    tree.interface.new_socket("Geometry", in_out='INPUT', socket_type='NodeSocketGeometry')
    tree.interface.new_socket("Geometry", in_out='OUTPUT', socket_type='NodeSocketGeometry')
    nodes, links = tree.nodes, tree.links
    group_in, group_out = nodes.new('NodeGroupInput'), nodes.new('NodeGroupOutput')
    random_value = nodes.new('FunctionNodeRandomValue')
    random_value.data_type = 'FLOAT_VECTOR'
    on_faces = nodes.new('GeometryNodeFieldOnDomain')
    on_faces.domain, on_faces.data_type = 'FACE', 'FLOAT_VECTOR'
    store = nodes.new('GeometryNodeStoreNamedAttribute')
    store.data_type, store.domain = 'FLOAT_COLOR', 'CORNER'
    store.inputs["Name"].default_value = ATTRIBUTE

    def shown(sockets, kind):
        return next(socket for socket in sockets if socket.enabled and socket.type == kind)

    links.new(group_in.outputs[0], store.inputs["Geometry"])
    links.new(store.outputs[0], group_out.inputs[0])
    links.new(shown(random_value.outputs, 'VECTOR'), shown(on_faces.inputs, 'VECTOR'))
    links.new(shown(on_faces.outputs, 'VECTOR'), shown(store.inputs, 'RGBA'))
    return tree


class Bench:
    def __init__(self, quick: bool):
        self.quick = quick
        self.results: list[dict] = []
        self.meshes: list[dict] = []
        self.memory: list[dict] = []
        self.granularities = granularities()
        self.node_group = random_colors_node_group()

    # -- one mesh ----------------------------------------------------------

    def prepare(self, ob):
        """Make ``ob`` the only selected, active object, its mesh freshly evaluated.

        After evaluation the evaluated mesh shares the original's arrays, so
        the first write to an attribute copies it (Blender's copy-on-write),
        as it does after any redraw in a real session. Tagging the mesh first
        makes every method pay that copy, not only those that tag the mesh.
        """
        def setup():
            for other in bpy.context.scene.objects:
                other.select_set(other == ob)
            bpy.context.view_layer.objects.active = ob
            ob.data.update()
            bpy.context.view_layer.update()
        return setup

    def warm(self, ob):
        """Like ``prepare``, then copy the color attribute out of sharing before the clock starts.

        Leaves out the copy-on-write every writer pays, to compare the methods' own work.
        """
        cold = self.prepare(ob)

        def setup():
            cold()
            unshare(ob.data)
        return setup

    def methods(self, ob, scale_only: bool = False) -> dict:
        """Every timed method on ``ob``; with ``scale_only``, the floor and FACE alone."""
        me = ob.data
        n_faces, n_loops = len(me.polygons), len(me.loops)
        ready = np.random.default_rng(0).random(n_loops * 4, dtype=np.float32)
        starts = np.empty(n_faces, dtype=np.int32)

        def floor():
            me.polygons.foreach_get("loop_start", starts)
            me.attributes[ATTRIBUTE].data.foreach_set("color", ready)

        def operator(granularity=None, **extra):
            options = {"seed": 1, "attribute_name": ATTRIBUTE, **extra}
            if granularity is not None:
                options["granularity"] = granularity
            return lambda: bpy.ops.mesh.random_vertex_colors(**options)

        def rna_starts():
            os.environ[face_starts.ENV_NO_RAW_READ] = "1"
            try:
                bpy.ops.mesh.random_vertex_colors(seed=1, attribute_name=ATTRIBUTE)
            finally:
                del os.environ[face_starts.ENV_NO_RAW_READ]

        def geometry_nodes():
            modifier = ob.modifiers.new("Random colors", 'NODES')
            modifier.node_group = self.node_group
            bpy.ops.object.modifier_apply(modifier=modifier.name)

        settings = ColorSettings(attribute_name=ATTRIBUTE)
        methods = {"floor": (floor, 5)}
        if scale_only:
            return {**methods, "ours_FACE": (operator(), 5)}
        if n_faces <= LOOP_MAX_FACES:
            methods["seed_loop"] = (lambda: seed_addon.python_loop(me, ATTRIBUTE), 2)
        methods["seed_f64"] = (lambda: seed_addon.numpy_kernel(me, ATTRIBUTE, np.int64, np.float64), 3)
        methods["seed_f32"] = (lambda: seed_addon.numpy_kernel(me, ATTRIBUTE, np.int32, np.float32), 3)
        for granularity in self.granularities or [None]:
            methods[f"ours_{granularity or 'FACE'}"] = (operator(granularity), 5)
        methods["hsv_FACE"] = (operator(color_mode='HSV'), 5)
        properties = bpy.ops.mesh.random_vertex_colors.get_rna_type().properties
        for method, (needs, options) in OPTION_ROWS.items():
            if needs in properties:
                methods[method] = (operator(**options), 5)
        methods["ours_rna_starts"] = (rna_starts, 5)
        methods["color_mesh"] = (lambda: coloring.color_mesh_alone(me, settings), 5)
        methods.update(self.artist_methods(ob, operator))
        # Last: applying the modifier frees the mesh's old arrays, and the allocator
        # hands that memory to whatever runs next without page faults, flattering it.
        methods["geometry_nodes"] = (geometry_nodes, 3)
        return methods

    def artist_methods(self, ob, operator) -> dict:
        """Mix and channels (issue 14): read the colors there, then blend or keep channels.

        Timed over colors one per face (what a previous run leaves) and over
        colors that differ at every corner, painted in the untimed setup.
        """
        me = ob.data
        painted = np.random.default_rng(2).random(len(me.loops) * 4, dtype=np.float32)

        def paint():
            me.attributes[ATTRIBUTE].data.foreach_set("color", painted)

        return {
            "artist_mix": (operator(mix=0.5), 5),
            "artist_channels": (operator(channels={'R'}), 5),
            "artist_mix_painted": ((operator(mix=0.5), paint), 5),
            "artist_channels_painted": ((operator(channels={'R'}), paint), 5),
        }

    def kernels(self, ob) -> dict:
        loop_start, loop_total = face_starts.face_corner_ranges(ob.data)
        colors32 = core.srgb16_to_linear(core.random_srgb16(core.rng_for(0), len(loop_start)))
        arrays = {
            "kernel_i32_f32": (loop_start.astype(np.int32), loop_total.astype(np.int32), colors32),
            "kernel_i64_f64": (loop_start.astype(np.int64), loop_total.astype(np.int64),
                               colors32.astype(np.float64)),
        }
        n_loops = len(ob.data.loops)
        return {name: (lambda a=a: core.loop_colors(*a, n_loops), 5) for name, a in arrays.items()}

    def run_mesh(self, kind: str, ob, byte_and_memory: bool = False, scale_only: bool = False) -> None:
        me = ob.data
        info = {"name": ob.name, "kind": kind, "faces": len(me.polygons), "loops": len(me.loops)}
        self.meshes.append(info)
        log(f"{ob.name}: {info['faces']} faces, {info['loops']} corners")
        setup = self.prepare(ob)
        if kind == "grid":
            # First, before any method has freed memory the copy could reuse.
            self.record(ob.name, "copy_on_write", lambda: unshare(ob.data), setup, 5)
        if scale_only:  # time per face at scale: the floor and FACE, cold and warm, and FACE's memory
            timed = self.methods(ob, scale_only=True)
            for method, (run, _repeats) in timed.items():
                self.record(ob.name, method, run, setup, 3)
            self.run_warm(ob, timed, ())
            self.run_memory(ob, setup, ["ours_FACE"])
            return
        timed = {**self.kernels(ob), **self.methods(ob)}
        for method, (run, repeats) in timed.items():
            if isinstance(run, tuple):  # (run, extra setup): the setup is not timed
                run, extra = run
                self.record(ob.name, method, run, lambda extra=extra: (setup(), extra()), repeats)
                continue
            self.record(ob.name, method, run, setup, repeats)
        if kind == "grid":
            self.run_warm(ob, timed, ("seed_f64", "seed_f32") if byte_and_memory else ())
        if byte_and_memory:
            self.run_bytes(ob, setup)
            self.run_memory(ob, setup)

    def run_warm(self, ob, timed: dict, seeds: tuple[str, ...]) -> None:
        """Key methods again with the attribute already out of copy-on-write sharing."""
        warm = self.warm(ob)
        for method in (*seeds, "ours_FACE", "floor"):
            run, repeats = timed[method]
            self.record(ob.name, method + "@warm", run, warm, repeats)

    def record(self, mesh_name: str, method: str, run, setup, repeats: int) -> None:
        entry = {"mesh": mesh_name, "method": method}
        try:
            entry.update(measure(run, setup, repeats=repeats))
            log(f"  {method:22s} {entry['best_s'] * 1000:10.1f} ms")
        except Exception as error:
            entry["error"] = f"{type(error).__name__}: {str(error).strip()}"
            log(f"  {method:22s} failed: {entry['error']}")
        self.results.append(entry)

    def run_bytes(self, ob, setup) -> None:
        """BYTE_COLOR targets: the operator (face route), the operator per corner, the plain write."""
        me = ob.data
        me.color_attributes.new(BYTE_ATTRIBUTE, 'BYTE_COLOR', 'CORNER')
        srgb = np.random.default_rng(1).random(len(me.loops) * 4, dtype=np.float32)
        starts = np.empty(len(me.polygons), dtype=np.int32)

        def byte_floor():
            me.polygons.foreach_get("loop_start", starts)
            me.attributes[BYTE_ATTRIBUTE].data.foreach_set("color_srgb", srgb)

        def per_corner():
            byte_colors.MIN_BLENDER, saved = (99, 0, 0), byte_colors.MIN_BLENDER
            try:
                bpy.ops.mesh.random_vertex_colors(seed=1, attribute_name=BYTE_ATTRIBUTE)
            finally:
                byte_colors.MIN_BLENDER = saved

        self.record(ob.name, "byte_ours", lambda: bpy.ops.mesh.random_vertex_colors(
            seed=1, attribute_name=BYTE_ATTRIBUTE), setup, 3)
        self.record(ob.name, "byte_ours_per_corner", per_corner, setup, 3)
        self.record(ob.name, "byte_floor", byte_floor, setup, 3)
        me.attributes.remove(me.attributes[BYTE_ATTRIBUTE])

    def run_memory(self, ob, setup, only: list[str] | None = None) -> None:
        """Peak Python memory of every granularity, HSV and the seed's kernels, against the output."""
        me = ob.data
        output = len(me.loops) * 4 * 4

        def operator(**options):
            return lambda: bpy.ops.mesh.random_vertex_colors(seed=1, attribute_name=ATTRIBUTE, **options)

        runs = {f"ours_{g or 'FACE'}": operator(**({"granularity": g} if g else {}))
                for g in self.granularities or [None]}
        runs["hsv_FACE"] = operator(color_mode='HSV')
        runs["seed_f32"] = lambda: seed_addon.numpy_kernel(me, ATTRIBUTE, np.int32, np.float32)
        runs["seed_f64"] = lambda: seed_addon.numpy_kernel(me, ATTRIBUTE, np.int64, np.float64)
        if only is not None:
            runs = {method: runs[method] for method in only}
        for method, run in runs.items():
            peak = peak_python_memory(run, setup)
            self.memory.append({"mesh": ob.name, "method": method, "peak_bytes": peak,
                                "output_bytes": output})
            log(f"  memory {method:15s} {peak / output:5.2f} x output ({peak / 2**20:.0f} MiB)")


def unshare(me) -> None:
    """Make Blender copy the color attribute out of copy-on-write sharing, as a first write does.

    Up to 5.0 looking the attribute up by name copies it; 5.2+ copies only on
    a write, so one element is written (with its own value).
    """
    corner = me.attributes[ATTRIBUTE].data[0]
    corner.color = corner.color


def remove(ob) -> None:
    me = ob.data
    bpy.data.objects.remove(ob)
    bpy.data.meshes.remove(me)
    bpy.context.view_layer.update()


def machine(quick: bool) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "blender": bpy.app.version_string,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    version = "{}.{}".format(*bpy.app.version[:2])
    parser.add_argument("--output", type=pathlib.Path, default=ROOT / "docs" / f"performance-{version}.json")
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("BENCH_QUICK")),
                        help="fewer, smaller meshes (also BENCH_QUICK=1)")
    args = parser.parse_args(argv)

    bpy.ops.wm.read_factory_settings(use_empty=True)
    random_vertex_colors.register()
    started = time.perf_counter()
    info = machine(args.quick)
    bench = Bench(args.quick)
    log(f"Blender {info['blender']}, {info['cores']} cores ({info['cpu']}), "
        f"granularities: {bench.granularities or ['FACE (no granularity property)']}")

    # The operator reports every call on stdout; keep the benchmark's own output readable.
    saved_stdout = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        sides = [100, 316, 1000] if args.quick else [100, 200, 316, 500, 1000, 2000]
        for side in sides:
            ob = bench_meshes.grid(side)
            bench.run_mesh("grid", ob, byte_and_memory=side == 1000)
            remove(ob)
        if not args.quick:
            ob = bench_meshes.grid(SCALE_SIDE)
            bench.run_mesh("grid", ob, scale_only=True)
            remove(ob)
        scale = 10 if args.quick else 1
        for kind, make in [
            ("mixed", lambda: bench_meshes.mixed(500 // scale, 286)),
            ("islands", lambda: bench_meshes.islands(100_000 // scale)),
            ("strip", lambda: bench_meshes.strip(1_000_000 // scale)),
        ]:
            ob = make()
            bench.run_mesh(kind, ob)
            remove(ob)
    finally:
        sys.stdout.flush()
        os.dup2(saved_stdout, 1)

    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["granularities"] = bench.granularities
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(
        {"machine": info, "meshes": bench.meshes, "results": bench.results, "memory": bench.memory},
        indent=1) + "\n")
    log(f"wrote {args.output} in {info['seconds']} s")
    random_vertex_colors.unregister()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the bpy module can crash while the interpreter shuts down
