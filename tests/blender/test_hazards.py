# SPDX-License-Identifier: GPL-3.0-or-later
"""Hazards of writing colours with Blender's Python API, one test each (issue 7).

Behaviours already covered elsewhere (Edit Mode survival, only_selected on
FLOAT_COLOR, shared meshes, poll, meshes without faces, INT attributes, seed
limits, Vertex Paint mode) live in test_operator.py and test_options.py.
A scenario that could crash Blender runs in a subprocess of the Blender
under test, judged by a marker line it prints at the very end.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import bpy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshes import (
    corner_verts,
    face_colors,
    from_faces,
    grid,
    link_object,
    read_loop_colors,
    save_library,
    select_only,
)

from random_vertex_colors import coloring, mesh_arrays, options, targets

ROOT = pathlib.Path(__file__).resolve().parents[2]
IN_BINARY = bool(bpy.app.binary_path)
MARKER = "RVC-HAZARD-DONE"


def run(**props):
    return bpy.ops.mesh.random_vertex_colors(**props)


def run_script(source: str, tmp_path: pathlib.Path, blender_args=()) -> subprocess.CompletedProcess:
    """Run Python ``source`` in a new process of the Blender under test, isolated.

    The script starts with the add-on on ``sys.path`` and ends by printing
    MARKER and leaving without interpreter shutdown (the bpy 4.2 module can
    crash there, which is not what is tested).
    """
    script = tmp_path / "hazard_script.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        + textwrap.dedent(source)
        + f"\nimport os\nprint({MARKER!r})\nsys.stdout.flush()\nos._exit(0)\n"
    )
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ)
    env["HOME"] = str(home)
    env["BLENDER_USER_RESOURCES"] = str(home / "blender-user")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if IN_BINARY:
        # Debian's Blender finds its stdlib through the first python3 on PATH.
        env["PATH"] = os.pathsep.join(["/usr/bin", env.get("PATH", "")])
        command = [bpy.app.binary_path, "--background", "--factory-startup", *blender_args,
                   "--python", str(script)]
    else:
        command = [sys.executable, str(script)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=home, timeout=300)


def assert_finished(done: subprocess.CompletedProcess) -> list[str]:
    lines = done.stdout.splitlines()
    assert MARKER in lines, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return lines


def test_a_crash_in_the_subprocess_fails_the_check(addon, tmp_path):
    done = run_script("import os\nprint('before the crash', flush=True)\nos.abort()\n", tmp_path)
    assert "before the crash" in done.stdout and done.returncode != 0
    with pytest.raises(AssertionError, match="exit"):
        assert_finished(done)


# 1. An attribute reference held across the creation of another attribute crashed Blender 5.0.
ATTRIBUTE_CHURN = """
    import bpy
    import numpy as np
    import random_vertex_colors
    random_vertex_colors.register()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=100, y_subdivisions=100)
    me = bpy.context.object.data
    for i in range(12):  # enough layers that adding one more moves them in memory
        me.attributes.new(f"weight{i}", 'FLOAT', 'CORNER' if i % 2 else 'POINT')
    me.color_attributes.new("Bytes", 'BYTE_COLOR', 'CORNER')
    me.color_attributes.new("Color", 'FLOAT_COLOR', 'POINT')
    for seed in range(8):
        # The active colour attribute is on points: every run creates a new corner attribute.
        me.color_attributes.active_color = me.color_attributes["Color"]
        assert bpy.ops.mesh.random_vertex_colors(seed=seed) == {'FINISHED'}
        # BYTE_COLOR writes may add and remove helper attributes while writing.
        assert bpy.ops.mesh.random_vertex_colors(seed=seed, attribute_name="Bytes") == {'FINISHED'}
        # A new corner attribute made while "Bytes", on the same domain, is active.
        assert bpy.ops.mesh.random_vertex_colors(seed=seed, attribute_name=f"New{seed}") == {'FINISHED'}
    names = sorted(a.name for a in me.color_attributes if a.domain == 'CORNER')
    print("corner attributes:", ",".join(names))
    for name in names:
        values = np.empty(len(me.loops) * 4, dtype=np.float32)
        me.attributes[name].data.foreach_get("color", values)
        print("faces", name, len(np.unique(values.reshape(-1, 4), axis=0)))
"""


def test_new_attributes_while_others_exist_do_not_crash(addon, tmp_path):
    lines = assert_finished(run_script(ATTRIBUTE_CHURN, tmp_path))
    created = [f"Color.{n:03d}" for n in range(1, 9)] + [f"New{seed}" for seed in range(8)]
    assert f"corner attributes: {','.join(sorted(['Bytes', *created]))}" in lines
    faces = [line for line in lines if line.startswith("faces ")]
    counts = {line.split()[1]: int(line.split()[2]) for line in faces}
    assert len(counts) == 17 and all(counts[name] == 10000 for name in created), counts
    assert counts["Bytes"] > 9950, counts  # 8-bit channels: a few of 10000 faces share bytes by chance


# 2. Vertex Paint's face mask limits the operator to the masked faces.
def test_vertex_paint_face_mask_changes_only_masked_faces(empty_scene):
    ob = grid(6, 6)
    me = ob.data
    run(seed=1)
    before = face_colors(me)
    masked = np.zeros(36, dtype=bool)
    masked[[2, 9, 30]] = True
    me.polygons.foreach_set("select", masked)
    bpy.ops.object.mode_set(mode='VERTEX_PAINT')
    me.use_paint_mask = True
    assert run(seed=2) == {'FINISHED'}
    bpy.ops.object.mode_set(mode='OBJECT')
    after = face_colors(me)
    assert np.array_equal(after[~masked], before[~masked])
    assert not np.any(np.all(after[masked] == before[masked], axis=1))


# 2b. Vertex Paint's vertex mask: only the corners of selected vertices change.
@pytest.mark.parametrize("data_type", ['FLOAT_COLOR', 'BYTE_COLOR'])
def test_vertex_paint_vertex_mask_changes_only_corners_of_selected_vertices(empty_scene, data_type):
    ob = grid(6, 6)
    me = ob.data
    me.color_attributes.new("Paint", data_type, 'CORNER')
    rng = np.random.default_rng(11)
    me.attributes["Paint"].data.foreach_set("color", rng.random(len(me.loops) * 4, dtype=np.float32))
    prop = "color_srgb" if data_type == 'BYTE_COLOR' else "color"
    before = read_loop_colors(me, "Paint", prop=prop).copy()
    chosen = np.zeros(len(me.vertices), dtype=bool)
    chosen[[0, 8, 24, 48]] = True
    me.vertices.foreach_set("select", chosen)
    me.polygons.foreach_set("select", np.ones(len(me.polygons), dtype=bool))
    bpy.ops.object.mode_set(mode='VERTEX_PAINT')
    me.use_paint_mask_vertex = True
    assert run(seed=2, attribute_name="Paint") == {'FINISHED'}
    bpy.ops.object.mode_set(mode='OBJECT')
    after = read_loop_colors(me, "Paint", prop=prop)
    masked = chosen[corner_verts(me)]
    assert 0 < masked.sum() < len(masked)
    assert np.array_equal(after[~masked], before[~masked])
    assert not np.any(np.all(after[masked] == before[masked], axis=1))


# 3. only_selected on BYTE_COLOR: the other faces keep their bytes exactly.
def test_only_selected_keeps_other_byte_colours_bit_identical(empty_scene):
    ob = grid(7, 7)
    me = ob.data
    me.color_attributes.new("Bytes", 'BYTE_COLOR', 'CORNER')
    # Values that are not k/255 and would drift through a linear round trip if written back converted.
    rng = np.random.default_rng(5)
    me.attributes["Bytes"].data.foreach_set("color", rng.random(len(me.loops) * 4, dtype=np.float32))
    before = read_loop_colors(me, "Bytes", prop="color_srgb").copy()
    before_linear = read_loop_colors(me, "Bytes", prop="color").copy()
    chosen = np.zeros(49, dtype=bool)
    chosen[[0, 7, 48]] = True
    me.polygons.foreach_set("select", chosen)
    assert run(seed=3, attribute_name="Bytes", only_selected=True) == {'FINISHED'}
    after = read_loop_colors(me, "Bytes", prop="color_srgb")
    owner = np.repeat(np.arange(49), [f.loop_total for f in me.polygons])
    keep = ~chosen[owner]
    assert np.array_equal(after[keep], before[keep])
    assert np.array_equal(read_loop_colors(me, "Bytes", prop="color")[keep], before_linear[keep])
    assert not np.array_equal(after[~keep], before[~keep])


# 4. Linked library data and library overrides.
@pytest.fixture
def library_file(empty_scene, tmp_path):
    return save_library(tmp_path)


def test_only_linked_objects_selected_is_refused(library_file):
    linked = link_object(library_file)
    select_only(linked)
    with pytest.raises(RuntimeError, match="No editable mesh"):
        run()
    assert len(linked.data.color_attributes) == 0


def test_linked_object_skipped_beside_a_local_one(library_file):
    linked = link_object(library_file)
    local = grid(3, 3, name="Local")
    select_only(local, linked)
    assert run(seed=1) == {'FINISHED'}
    assert len(np.unique(face_colors(local.data), axis=0)) == 9
    assert len(linked.data.color_attributes) == 0
    _, skipped = targets.choose_targets([linked])
    assert skipped and "linked from a library" in skipped[0]


def override_with_own_mesh(path):
    """A library override of LibOb whose mesh is overridden too, in the scene."""
    linked = link_object(path)
    override = linked.override_create()
    override.data = override.data.override_create()
    bpy.context.scene.collection.objects.unlink(linked)
    bpy.context.scene.collection.objects.link(override)
    return override


def test_overridden_mesh_loses_written_colours_on_reload(library_file, tmp_path):
    """The evidence for skipping overrides: what is written there is gone after save and reload."""
    override = override_with_own_mesh(library_file)
    me = override.data
    assert me.override_library is not None and me.library is None
    attribute = me.color_attributes.new("Written", 'FLOAT_COLOR', 'CORNER')
    attribute.data.foreach_set("color", np.full(len(me.loops) * 4, 0.5, dtype=np.float32))
    saved = tmp_path / "override.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(saved), copy=True)
    bpy.ops.wm.open_mainfile(filepath=str(saved), load_ui=False)
    reloaded = [ob for ob in bpy.data.objects if ob.override_library is not None]
    assert len(reloaded) == 1
    assert "Written" not in reloaded[0].data.attributes


def test_library_override_is_skipped_and_reported(library_file):
    override = override_with_own_mesh(library_file)
    select_only(override)
    with pytest.raises(RuntimeError, match="No editable mesh"):
        run()
    assert len(override.data.color_attributes) == 0
    chosen, skipped = targets.choose_targets([override])
    assert not chosen and "library override" in skipped[0]
    with pytest.raises(options.ColorError, match="library override"):
        coloring.color_mesh_alone(override.data, options.ColorSettings())


def test_override_object_with_linked_mesh_is_skipped(library_file):
    linked = link_object(library_file)
    override = linked.override_create()
    bpy.context.scene.collection.objects.unlink(linked)
    bpy.context.scene.collection.objects.link(override)
    local = grid(2, 2, name="Local")
    select_only(override, local)
    assert run() == {'FINISHED'}
    assert len(override.data.color_attributes) == 0
    assert len(local.data.color_attributes) == 1


# 5. Odd geometry.
def test_mesh_of_loose_vertices_only_is_refused(empty_scene):
    ob = from_faces([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], name="Points")
    with pytest.raises(RuntimeError, match="no faces"):
        run()
    assert len(ob.data.color_attributes) == 0


def test_one_5000_corner_ngon(empty_scene):
    angles = np.linspace(0, 2 * np.pi, 5000, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], axis=1)
    ob = from_faces(ring, [list(range(5000))], name="Ngon")
    assert run(seed=2) == {'FINISHED'}
    colors = face_colors(ob.data)
    assert colors.shape == (1, 4) and len(ob.data.loops) == 5000
    assert np.all((colors >= 0) & (colors <= 1))


def test_degenerate_faces(empty_scene):
    verts = [(0, 0, 0), (1, 0, 0), (2, 0, 0), (5, 5, 5), (5, 5, 5), (5, 5, 5), (0, 1, 0), (1, 1, 0)]
    faces = [(0, 1, 2), (3, 4, 5), (0, 1, 7, 6)]  # collinear, all at one point, a normal quad
    ob = from_faces(verts, faces, name="Degenerate")
    areas = [f.area for f in ob.data.polygons]
    assert areas[0] == pytest.approx(0) and areas[1] == pytest.approx(0)
    assert run(seed=4) == {'FINISHED'}
    assert len(np.unique(face_colors(ob.data), axis=0)) == 3


# 6. An existing point-domain colour attribute named explicitly.
def test_point_domain_colour_attribute_named_is_refused_and_untouched(empty_scene):
    ob = grid(3, 3)
    me = ob.data
    me.color_attributes.new("Points", 'FLOAT_COLOR', 'POINT')
    values = np.linspace(0, 1, len(me.vertices) * 4, dtype=np.float32)
    me.attributes["Points"].data.foreach_set("color", values)
    with pytest.raises(RuntimeError, match=r"'Points'.*POINT"):
        run(attribute_name="Points")
    after = np.empty_like(values)
    me.attributes["Points"].data.foreach_get("color", after)
    assert np.array_equal(after, values)
    assert [a.name for a in me.color_attributes] == ["Points"]


# 7. Long names: refused with their real length, never cut short first.
@pytest.mark.parametrize(
    "name", ["a" * 64, "a" * 100, "é" * 32, "a" + "é" * 40], ids=["64", "100", "utf8-64", "utf8-81"]
)
def test_too_long_attribute_name_is_refused_with_its_length(empty_scene, name):
    ob = grid(2, 2)
    with pytest.raises(RuntimeError, match=f"is {len(name.encode())} bytes long"):
        run(attribute_name=name)
    assert len(ob.data.color_attributes) == 0


def test_long_name_set_on_the_operator_properties_is_kept_whole(empty_scene):
    # The redo panel and "last used" settings go through the property's setter, which a maxlen would cut.
    grid(2, 2)
    run()
    props = bpy.context.window_manager.operator_properties_last("mesh.random_vertex_colors")
    props.attribute_name = "b" * 100
    assert len(props.attribute_name) == 100


@pytest.mark.parametrize("name", ["a" * 63, "é" * 31 + "a", "ñ" * 21 + "€" * 7])
def test_names_of_63_bytes_are_used_whole(empty_scene, name):
    assert len(name.encode()) == 63
    ob = grid(2, 2)
    assert run(attribute_name=name) == {'FINISHED'}
    assert [a.name for a in ob.data.color_attributes] == [name]


# 8. Only the original mesh is written; the evaluated mesh shows the colours.
def test_modifier_object_writes_the_original_mesh(empty_scene):
    ob = grid(3, 3)
    modifier = ob.modifiers.new("Subdivision", 'SUBSURF')
    modifier.levels = 1
    assert run(seed=6) == {'FINISHED'}
    me = ob.data
    assert len(me.polygons) == 9 and len(read_loop_colors(me, "Color")) == len(me.loops) == 36
    assert len(np.unique(face_colors(me, "Color"), axis=0)) == 9
    evaluated = ob.evaluated_get(bpy.context.evaluated_depsgraph_get())
    shown = evaluated.to_mesh()
    try:
        assert len(shown.polygons) == 36
        colors = read_loop_colors(shown, "Color")
        assert colors.shape == (144, 4)
        # Subdivision interpolates corner colours: nine colours from our nine faces show through.
        assert np.all(colors[:, 3] == 1.0)
        assert len(np.unique(np.round(colors, 5), axis=0)) >= 9
    finally:
        evaluated.to_mesh_clear()


def test_evaluated_mesh_is_refused_and_original_accepted(empty_scene):
    ob = grid(3, 3)
    ob.modifiers.new("Subdivision", 'SUBSURF').levels = 1
    evaluated = ob.evaluated_get(bpy.context.evaluated_depsgraph_get())
    assert not targets.is_original(evaluated.data)
    shown = evaluated.to_mesh()
    try:
        assert not targets.is_original(shown)
        with pytest.raises(options.ColorError, match="evaluated copy"):
            coloring.color_mesh_alone(shown, options.ColorSettings())
        assert len(shown.color_attributes) == 0
    finally:
        evaluated.to_mesh_clear()
    assert targets.is_original(ob.data)
    coloring.color_mesh_alone(ob.data, options.ColorSettings(seed=1))
    assert len(np.unique(face_colors(ob.data), axis=0)) == 9


# 9. Arrays for foreach_set are made contiguous 1-D float32 before the call.
@pytest.mark.parametrize("data_type", ['FLOAT_COLOR', 'BYTE_COLOR'])
def test_write_corner_colors_accepts_float64_and_strided(empty_scene, data_type):
    ob = grid(5, 5)
    me = ob.data
    me.color_attributes.new("C", data_type, 'CORNER')
    rng = np.random.default_rng(9)
    wide = rng.random((len(me.loops), 8))  # float64; every other column: a strided view
    reference = np.ascontiguousarray(wide[:, ::2], dtype=np.float32)
    mesh_arrays.write_colors(me, "C", reference)
    expected = mesh_arrays.read_colors(me, "C").copy()
    for values in (wide[:, ::2], wide[:, ::2].astype(np.float64, order='F'), wide[:, ::2].astype(np.float32)):
        me.attributes["C"].data.foreach_set("color", np.zeros(len(me.loops) * 4, dtype=np.float32))
        mesh_arrays.write_colors(me, "C", values)
        assert np.array_equal(mesh_arrays.read_colors(me, "C"), expected)


def test_write_corner_colors_refuses_a_wrong_shape(empty_scene):
    me = grid(2, 2).data
    me.color_attributes.new("C", 'FLOAT_COLOR', 'CORNER')
    with pytest.raises(ValueError, match=r"\(16, 4\).*\(16, 3\)"):
        mesh_arrays.write_colors(me, "C", np.zeros((16, 3), dtype=np.float32))


# 10. Undo.
UNDO_SCRIPT = """
    import bpy
    import numpy as np
    import random_vertex_colors
    random_vertex_colors.register()

    def colors():
        me = bpy.context.object.data  # re-fetched: undo replaces the data
        values = np.empty(len(me.loops) * 4, dtype=np.float32)
        me.attributes["Color"].data.foreach_get("color", values)
        return values

    bpy.ops.mesh.primitive_grid_add(x_subdivisions=3, y_subdivisions=3)
    bpy.ops.ed.undo_push(message="grid")
    bpy.ops.mesh.random_vertex_colors(seed=1, legend=True)
    before, legend_before = colors(), bpy.data.texts["Color legend"].as_string()
    bpy.ops.ed.undo_push(message="seed 1")
    bpy.ops.mesh.random_vertex_colors(seed=2, legend=True)
    changed = not np.array_equal(colors(), before)
    changed = changed and bpy.data.texts["Color legend"].as_string() != legend_before
    # The step the UI pushes after an UNDO operator; operators called from a script push none.
    bpy.ops.ed.undo_push(message="seed 2")
    try:
        result = bpy.ops.ed.undo()
    except RuntimeError as error:
        print("undo refused:", str(error).strip())
    else:
        restored = np.array_equal(colors(), before)
        legend = bpy.data.texts["Color legend"].as_string() == legend_before
        print("undo:", sorted(result), "changed:", changed, "restored:", restored, "legend restored:", legend)
"""


def test_undo_restores_previous_colours_and_legend(addon, tmp_path):
    lines = assert_finished(run_script(UNDO_SCRIPT, tmp_path))
    refused = [line for line in lines if line.startswith("undo refused:")]
    if refused:
        kind = "binary" if IN_BINARY else "module"
        pytest.skip(f"Blender {bpy.app.version_string} ({kind}, background) cannot undo: {refused[0]}")
    assert "undo: ['FINISHED'] changed: True restored: True legend restored: True" in lines, lines


# 11. Random meshes: the invariants hold whatever the shape.
@st.composite
def island_specs(draw):
    """Islands, each a list of polygon sizes; no islands at all is an empty mesh."""
    n_islands = draw(st.integers(0, 4))
    return [draw(st.lists(st.integers(3, 12), min_size=1, max_size=4)) for _ in range(n_islands)]


def build_islands(islands):
    """Each island's polygons share its first vertex (one island each), with random UVs and a weight."""
    verts, faces, island_of_face = [], [], []
    for island, sizes in enumerate(islands):
        hub = len(verts)
        verts.append((10.0 * island, 0.0, 0.0))
        for ring, size in enumerate(sizes):
            angles = np.linspace(0.2, 2 * np.pi - 0.2, size - 1)
            start = len(verts)
            verts += [(10.0 * island + np.cos(a), np.sin(a), 0.1 * ring) for a in angles]
            faces.append([hub, *range(start, start + size - 1)])
            island_of_face.append(island)
    ob = from_faces(verts, faces, name="Random")
    me = ob.data
    rng = np.random.default_rng(len(verts))
    if len(me.loops):
        me.uv_layers.new(name="UVMap").data.foreach_set("uv", rng.random(len(me.loops) * 2, dtype=np.float32))
    weight = me.attributes.new("weight", 'FLOAT', 'POINT')
    weight.data.foreach_set("value", rng.random(len(me.vertices), dtype=np.float32))
    return ob, np.array(island_of_face, dtype=np.int64)


def snapshot(me):
    """Everything but colours that the operator must leave alone."""
    def read(collection, prop, n, dtype=np.float32):
        values = np.empty(n, dtype=dtype)
        collection.foreach_get(prop, values)
        return values

    state = {
        "co": read(me.vertices, "co", len(me.vertices) * 3),
        "corner_verts": read(me.loops, "vertex_index", len(me.loops), np.int32),
        "weight": read(me.attributes["weight"].data, "value", len(me.vertices)),
    }
    if me.uv_layers:
        state["uv"] = read(me.uv_layers["UVMap"].data, "uv", len(me.loops) * 2)
    return state


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(islands=island_specs(), seed=st.integers(-(2**31), 2**31 - 1))
def test_random_meshes_keep_the_invariants(addon, islands, seed):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    ob, island_of_face = build_islands(islands)
    me = ob.data
    before = snapshot(me)
    if not islands:
        with pytest.raises(RuntimeError, match="no faces"):
            run(seed=seed)
        assert len(me.color_attributes) == 0
        return
    n_faces = len(me.polygons)

    assert run(seed=seed, attribute_name="Faces") == {'FINISHED'}
    per_face = face_colors(me, "Faces")  # checks every face's corners agree
    assert np.all((per_face >= 0) & (per_face <= 1))
    assert len(np.unique(per_face, axis=0)) == n_faces  # 16-bit draws: collisions are ~1e-13 here

    assert run(seed=seed, granularity='ISLAND', attribute_name="Islands") == {'FINISHED'}
    per_island = face_colors(me, "Islands")
    assert np.all((per_island >= 0) & (per_island <= 1))
    for island in range(len(islands)):
        assert len(np.unique(per_island[island_of_face == island], axis=0)) == 1
    assert len(np.unique(per_island, axis=0)) == len(islands)

    after = snapshot(me)
    assert before.keys() == after.keys()
    for key in before:
        assert np.array_equal(before[key], after[key]), key

    assert run(seed=seed, attribute_name="Faces") == {'FINISHED'}
    assert np.array_equal(face_colors(me, "Faces"), per_face)
