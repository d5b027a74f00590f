# SPDX-License-Identifier: GPL-3.0-or-later
"""Formats in and out: the command line writes each format, and a reader that is not ours finds the colors.

Outputs are read back with Blender's own importer (and pygltflib for glTF,
where installed) and compared face by face, matched by position, with the
colors the command line writes to a .blend of the same input.
"""

from __future__ import annotations

import hashlib
import os

import bpy
import numpy as np
import pytest
from commands import run
from meshes import grid

from random_vertex_colors import cli, core, formats

VERSION = bpy.app.version_string
OTHER_FORMATS = [ext for ext in formats.EXTENSIONS if ext != ".blend"]
# Formats that keep a color per face corner; OBJ and PLY keep one per vertex, so per-face
# colors blend where faces share a vertex (the README says so). Blender 3.4's glTF exporter
# merges corners into vertices too (measured).
KEEPS_CORNERS = {".fbx", ".usd", ".usdc", ".usda"}
if bpy.app.version >= (3, 6, 0):
    KEEPS_CORNERS |= {".glb", ".gltf"}
TOLERANCE = 2.5 / 255  # 8-bit colors in glTF, FBX and PLY


def need(ext: str) -> None:
    if not formats.can_write(bpy, ext) or not formats.can_read(bpy, ext):
        pytest.skip(f"Blender {VERSION} cannot both write and read {ext}")


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module")
def source(addon, tmp_path_factory):
    """Two separate grids (two islands, 16 and 9 faces) in a .blend made by this Blender."""
    folder = tmp_path_factory.mktemp("formats")
    bpy.ops.wm.read_factory_settings(use_empty=True)
    grid(4, 4, name="A")
    b = grid(3, 3, name="B")
    b.location = (5.0, 0.0, 0.0)
    path = folder / "two.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True)
    return path


def faces_of_scene():
    """(world-space face centres (n, 3), sRGB face-corner colors per face (list of (k, 4)))."""
    centres, colors = [], []
    for ob in bpy.data.objects:
        if ob.type != "MESH":
            continue
        me = ob.data
        attribute = me.color_attributes.active_color
        assert attribute is not None, f"no color attribute on '{ob.name}' ({list(me.attributes.keys())})"
        values = np.empty(len(attribute.data) * 4, np.float32)
        attribute.data.foreach_get("color_srgb", values)
        values = values.reshape(-1, 4)
        corner_vertex = np.empty(len(me.loops), np.int64)
        me.loops.foreach_get("vertex_index", corner_vertex)
        per_corner = values if attribute.domain == "CORNER" else values[corner_vertex]
        matrix = np.array(ob.matrix_world)
        for face in me.polygons:  # test-only loop over a few dozen faces
            centre = matrix @ np.array([*face.center, 1.0])
            centres.append(centre[:3])
            colors.append(per_corner[face.loop_start:face.loop_start + face.loop_total])
    return np.array(centres), colors


_REFERENCES: dict[tuple, tuple] = {}


def reference(source, tmp_path, home, *options):
    """Face centres and colors of the .blend the command line writes with ``options`` (once per options)."""
    if options not in _REFERENCES:
        out = tmp_path / "reference.blend"
        done = run(source, "-o", out, *options, home=home)
        assert done.code == 0, done
        bpy.ops.wm.open_mainfile(filepath=str(out), load_ui=False, use_scripts=False)
        centres, colors = faces_of_scene()
        _REFERENCES[options] = centres, np.array([corners[0] for corners in colors])
    return _REFERENCES[options]


def read_back(path):
    formats.import_file(bpy, str(path), str(path))  # Blender's own importer, no more
    return faces_of_scene()


@pytest.mark.parametrize("ext", OTHER_FORMATS)
@pytest.mark.parametrize("granularity", ["FACE", "ISLAND"])
def test_each_format_round_trips_the_colors(source, tmp_path, ext, granularity):
    need(ext)
    if granularity == "FACE" and ext not in KEEPS_CORNERS:
        pytest.skip(f"{ext} keeps one color per vertex in Blender {VERSION}")
    home = tmp_path / "home"
    options = ("--seed", "11", "--granularity", granularity)
    ref_centres, ref_colors = reference(source, tmp_path, home, *options)
    before = sha256(source)
    out = tmp_path / "out" / f"two{ext}"
    out.parent.mkdir()

    done = run(source, "-o", out, *options, home=home)

    assert done.code == 0, done
    assert f"saved '{out}': 2 objects, 25 faces" in done.stdout
    assert sha256(source) == before
    assert not [name for name in os.listdir(out.parent) if name.startswith(".")], "temporary files left"
    centres, colors = read_back(out)
    assert len(centres) >= 25  # glTF triangulates: 50
    for centre, corners in zip(centres, colors, strict=True):
        nearest = int(np.argmin(((ref_centres - centre) ** 2).sum(axis=1)))
        assert np.abs(corners[:, :3] - ref_colors[nearest, :3]).max() <= TOLERANCE, (centre, corners)
    n_groups = len(np.unique(np.round(ref_colors, 3), axis=0))
    assert n_groups == (25 if granularity == "FACE" else 2)


@pytest.mark.parametrize("ext", [".glb", ".fbx"])
def test_distinct_faces_stay_distinct_in_8bit_after_export(source, tmp_path, ext):
    """DISTINCT's colors are exact 8-bit codes: an exported file, rounded to 8 bits, keeps them apart."""
    need(ext)
    if ext not in KEEPS_CORNERS:
        pytest.skip(f"{ext} keeps one color per vertex in Blender {VERSION}")
    out = tmp_path / f"two{ext}"
    assert run(source, "-o", out, "--granularity", "FACE", "--color-mode", "DISTINCT", "--seed", "4",
               home=tmp_path / "home").code == 0
    centres, colors = read_back(out)
    codes = np.rint(np.array([corners[0, :3] for corners in colors]) * 255)
    # Each grid's faces are its own groups (16 and 9): the first 16 and 9 colors, all apart.
    for in_grid, n_faces in ((centres[:, 0] < 2.5, 16), (centres[:, 0] > 2.5, 9)):
        found = np.unique(codes[in_grid], axis=0)  # glTF triangulates: both halves of a face alike
        expected = np.rint(core.distinct_colors(n_faces) * 255)
        assert len(found) == n_faces
        assert np.array_equal(found, np.unique(expected, axis=0))  # the very codes, byte for byte


def test_per_vertex_formats_blend_per_face_colors(source, tmp_path):
    """What the README says about OBJ and PLY: per-face colors do not survive at shared vertices."""
    candidates = [ext for ext in OTHER_FORMATS if ext not in KEEPS_CORNERS
                  and formats.can_write(bpy, ext) and formats.can_read(bpy, ext)]
    if not candidates:
        pytest.skip(f"Blender {VERSION} writes no per-vertex format it can read")
    home = tmp_path / "home"
    for ext in candidates:
        out = tmp_path / f"two{ext}"
        assert run(source, "-o", out, "--seed", "11", home=home).code == 0
        _, colors = read_back(out)
        assert any(np.ptp(corners[:, :3], axis=0).max() > TOLERANCE for corners in colors), ext


def test_gltf_colors_read_by_pygltflib(source, tmp_path):
    pygltflib = pytest.importorskip("pygltflib", reason="pygltflib is not installed in this Python")
    need(".glb")
    out = tmp_path / "two.glb"
    done = run(source, "-o", out, "--seed", "11", home=tmp_path / "home")
    assert done.code == 0, done

    gltf = pygltflib.GLTF2().load(str(out))
    blob = gltf.binary_blob()

    def read(accessor_index):
        accessor = gltf.accessors[accessor_index]
        view = gltf.bufferViews[accessor.bufferView]
        dtype = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}[accessor.componentType]
        width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[accessor.type]
        start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
        values = np.frombuffer(blob, dtype, accessor.count * width, start).reshape(accessor.count, width)
        if accessor.normalized:
            values = values / np.iinfo(dtype).max
        return values

    triangles_per_mesh = []
    for mesh in gltf.meshes:
        for primitive in mesh.primitives:
            assert primitive.attributes.COLOR_0 is not None, "no COLOR_0"
            colors = read(primitive.attributes.COLOR_0)[:, :3]
            triangles = read(primitive.indices).reshape(-1, 3)
            per_triangle = colors[triangles]  # (t, 3 corners, rgb)
            if bpy.app.version >= (3, 6, 0):
                assert np.ptp(per_triangle, axis=1).max() < 1e-6, "corners of a triangle differ"
            # Two triangles per quad, one color per quad: as many colors as faces.
            n_colors = len(np.unique(np.round(per_triangle[:, 0], 4), axis=0))
            triangles_per_mesh.append((len(triangles), n_colors))
    assert sorted(t for t, _ in triangles_per_mesh) == [18, 32]
    if bpy.app.version >= (3, 6, 0):
        assert sorted(n for _, n in triangles_per_mesh) == [9, 16]


def test_imported_input_is_colored_and_left_alone(source, tmp_path):
    need(".glb")
    home = tmp_path / "home"
    bpy.ops.wm.open_mainfile(filepath=str(source), load_ui=False, use_scripts=False)
    glb = tmp_path / "in.glb"
    formats.export_file(bpy, str(glb))
    before = sha256(glb)

    done = run(glb, "-o", tmp_path / "out.blend", "--granularity", "OBJECT", home=home)

    assert done.code == 0, done
    assert sha256(glb) == before
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "out.blend"), load_ui=False, use_scripts=False)
    centres, colors = faces_of_scene()
    left = np.array([c[0] for centre, c in zip(centres, colors, strict=True) if centre[0] < 2.5])
    right = np.array([c[0] for centre, c in zip(centres, colors, strict=True) if centre[0] >= 2.5])
    assert len(np.unique(left, axis=0)) == 1 and len(np.unique(right, axis=0)) == 1
    assert not np.array_equal(left[0], right[0])


def test_a_format_this_blender_cannot_write_exits_2_naming_it(source, tmp_path):
    missing = [ext for ext in OTHER_FORMATS if not formats.can_write(bpy, ext)]
    cases = [(tmp_path / "out.xyz", r"'\.xyz' is not a format this tool writes")]
    if missing:
        fmt = formats.BY_EXTENSION[missing[0]]
        cases.append((tmp_path / f"out{missing[0]}", rf"Blender {VERSION}.* cannot write {fmt.name}"))
    for out, message in cases:
        done = run(source, "-o", out, home=tmp_path / "home")
        assert done.code == cli.EXIT_BAD_INPUT, done
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and __import__("re").search(message, lines[0]), done.stderr
        assert not out.exists()
