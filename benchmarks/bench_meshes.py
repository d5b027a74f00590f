# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's meshes, built from numpy arrays (a million faces in about a second).

Every mesh carries what real meshes carry: a UV map (UVs = the vertices' x, y,
so UV islands follow the mesh's islands), three materials (each on a third
of the faces, in blocks), sculpt face sets (sixteen blocks), a FLOAT_COLOR
point attribute "Points" for the point-domain rows, and a FLOAT_COLOR
face-corner attribute "Color", active, as the targets assume.
"""

from __future__ import annotations

import bpy
import numpy as np

MATERIALS = ("Bench red", "Bench green", "Bench blue")
POINT_ATTRIBUTE = "Points"  # a FLOAT_COLOR point attribute, for the point-domain rows
FACE_SETS = 16


def _mesh_object(name: str, positions: np.ndarray, corner_verts: np.ndarray, face_sizes: np.ndarray):
    """A mesh object from (V, 3) positions, the corners' vertices and each face's corner count."""
    me = bpy.data.meshes.new(name)
    me.vertices.add(len(positions))
    me.vertices.foreach_set("co", positions.astype(np.float32).reshape(-1))
    me.loops.add(len(corner_verts))
    me.loops.foreach_set("vertex_index", corner_verts.astype(np.int32))
    me.polygons.add(len(face_sizes))
    starts = np.concatenate([[0], np.cumsum(face_sizes)[:-1]]).astype(np.int32)
    me.polygons.foreach_set("loop_start", starts)
    me.update(calc_edges=True)
    uv = me.uv_layers.new(name="UVMap")
    uv.data.foreach_set("uv", positions[corner_verts, :2].astype(np.float32).reshape(-1))
    for material in MATERIALS:
        me.materials.append(bpy.data.materials.get(material) or bpy.data.materials.new(material))
    n_faces = len(face_sizes)
    blocks = np.arange(n_faces, dtype=np.int64)
    me.polygons.foreach_set("material_index", (blocks * len(MATERIALS) // n_faces).astype(np.int32))
    face_sets = me.attributes.new(".sculpt_face_set", 'INT', 'FACE')
    face_sets.data.foreach_set("value", (blocks * FACE_SETS // n_faces + 1).astype(np.int32))
    me.color_attributes.new(POINT_ATTRIBUTE, 'FLOAT_COLOR', 'POINT')
    me.color_attributes.new("Color", 'FLOAT_COLOR', 'CORNER')
    me.color_attributes.active_color = me.color_attributes["Color"]
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def _quad_rows(n_columns: int, n_rows: int, origin=(0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """Positions and corner vertices of an ``n_columns`` x ``n_rows`` grid of quads."""
    xs, ys = np.meshgrid(np.arange(n_columns + 1, dtype=np.float64), np.arange(n_rows + 1, dtype=np.float64))
    positions = np.column_stack([xs.ravel() + origin[0], ys.ravel() + origin[1], np.zeros(xs.size)])
    lower_left = (np.arange(n_rows)[:, None] * (n_columns + 1) + np.arange(n_columns)[None, :]).ravel()
    above = lower_left + n_columns + 1
    corners = np.stack([lower_left, lower_left + 1, above + 1, above], axis=1)
    return positions, corners.ravel()


def grid(side: int):
    """A ``side`` x ``side`` grid of quads, one island."""
    positions, corners = _quad_rows(side, side)
    return _mesh_object(f"grid {side}x{side}", positions, corners, np.full(side * side, 4))


def strip(n_faces: int):
    """One row of ``n_faces`` quads: a single island a million faces long."""
    positions, corners = _quad_rows(n_faces, 1)
    return _mesh_object(f"strip 1x{n_faces}", positions, corners, np.full(n_faces, 4))


def islands(n_islands: int, faces_each: int = 10):
    """``n_islands`` separate strips of ``faces_each`` quads."""
    positions, corners = _quad_rows(faces_each, 1)
    per_island = len(positions)
    columns = int(np.ceil(np.sqrt(n_islands)))
    offsets = np.arange(n_islands)
    shift = np.column_stack([(offsets % columns) * (faces_each + 2.0), (offsets // columns) * 3.0,
                             np.zeros(n_islands)])
    all_positions = (positions[None, :, :] + shift[:, None, :]).reshape(-1, 3)
    all_corners = (corners[None, :] + (offsets * per_island)[:, None]).ravel()
    return _mesh_object(f"{n_islands} islands", all_positions, all_corners,
                        np.full(n_islands * faces_each, 4))


# One run of faces between two rails of vertices: (bottom vertices advanced, top vertices advanced).
# Corners: p + q + 2, so triangles, quads, pentagons, a hexagon and an octagon.
_MIXED_PATTERN = [(1, 0), (0, 1), (1, 1), (2, 1), (1, 2), (2, 2), (3, 3)]


def mixed(n_rows: int, patterns_per_row: int):
    """Connected rows of triangles, quads, pentagons, hexagons and octagons (4.86 corners a face)."""
    advance = sum(p for p, _ in _MIXED_PATTERN)  # == sum of q: both rails stay the same length
    rail_length = advance * patterns_per_row + 1
    template_rail, template_offset, sizes = [], [], []
    bottom = top = 0
    for p, q in _MIXED_PATTERN:
        template_rail += [0] * (p + 1) + [1] * (q + 1)
        template_offset += list(range(bottom, bottom + p + 1)) + list(range(top + q, top - 1, -1))
        sizes.append(p + q + 2)
        bottom, top = bottom + p, top + q
    rail = np.array(template_rail)
    offset = np.array(template_offset)
    rows = np.arange(n_rows)[:, None, None]
    patterns = np.arange(patterns_per_row)[None, :, None]
    corners = ((rows + rail) * rail_length + patterns * advance + offset).ravel()
    xs, ys = np.meshgrid(np.arange(rail_length, dtype=np.float64), np.arange(n_rows + 1, dtype=np.float64))
    positions = np.column_stack([xs.ravel(), ys.ravel(), np.zeros(xs.size)])
    face_sizes = np.tile(sizes, n_rows * patterns_per_row)
    return _mesh_object(f"mixed {n_rows}x{patterns_per_row * len(sizes)}", positions, corners, face_sizes)
