# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared test helpers: build meshes and libraries in Blender, read back what was written."""

import bpy
import numpy as np


def select_only(*objects):
    for ob in bpy.context.view_layer.objects:
        ob.select_set(False)
    for ob in objects:
        ob.select_set(True)
    if objects:
        bpy.context.view_layer.objects.active = objects[0]


def select_faces_in_edit_mode(ob, face_indices):
    """Enter Edit Mode in face select mode with exactly ``face_indices`` selected."""
    import bmesh  # after bpy: the bpy module needs that order

    select_only(ob)
    bpy.ops.object.mode_set(mode='EDIT')
    bpy.context.tool_settings.mesh_select_mode = (False, False, True)
    bpy.ops.mesh.select_all(action='DESELECT')
    bm = bmesh.from_edit_mesh(ob.data)
    bm.faces.ensure_lookup_table()
    for index in face_indices:
        bm.faces[int(index)].select_set(True)
    bmesh.update_edit_mesh(ob.data)


def grid(x=10, y=10, name="Grid"):
    """A flat grid of ``x * y`` quads, selected and active."""
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=x, y_subdivisions=y, size=2)
    ob = bpy.context.object
    ob.name = ob.data.name = name
    return ob


def suzanne(levels=1):
    """Suzanne (tris and quads) subdivided with the modifier applied."""
    bpy.ops.mesh.primitive_monkey_add()
    ob = bpy.context.object
    mod = ob.modifiers.new("Subdivision", 'SUBSURF')
    mod.levels = levels
    bpy.ops.object.modifier_apply(modifier=mod.name)
    return ob


def from_faces(vertices, faces, edges=(), name="Mesh"):
    """A mesh object from Python lists, linked to the scene, selected and active."""
    me = bpy.data.meshes.new(name)
    me.from_pydata([tuple(v) for v in vertices], [tuple(e) for e in edges], [tuple(f) for f in faces])
    me.update()
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    select_only(ob)
    return ob


def ngon_and_loose_edges():
    """One 12-gon, one triangle, and two loose edges (vertices in no face)."""
    ring = [(np.cos(a), np.sin(a), 0.0) for a in np.linspace(0, 2 * np.pi, 12, endpoint=False)]
    tri = [(3, 0, 0), (4, 0, 0), (3, 1, 0)]
    loose = [(0, 0, 2), (1, 0, 2), (2, 0, 2)]
    faces = [list(range(12)), [12, 13, 14]]
    edges = [(15, 16), (16, 17)]
    return from_faces(ring + tri + loose, faces, edges, name="NgonLoose")


def read_loop_colors(me, name=None, prop="color"):
    """The attribute's values as an (n_loops, 4) float32 array."""
    attribute = me.attributes[name] if name else me.color_attributes.active_color
    values = np.empty(len(attribute.data) * 4, dtype=np.float32)
    attribute.data.foreach_get(prop, values)
    return values.reshape(-1, 4)


def corner_faces(me):
    """Index of the face owning each corner, read from Blender (not from our core)."""
    face_of_corner = np.full(len(me.loops), -1, dtype=np.int64)
    for face in me.polygons:  # test-only loop: independent of the code under test
        face_of_corner[face.loop_start:face.loop_start + face.loop_total] = face.index
    return face_of_corner


def face_colors(me, name=None, prop="color"):
    """One colour per face, after checking that all corners of each face agree."""
    loops = read_loop_colors(me, name, prop)
    owner = corner_faces(me)
    firsts = np.array([face.loop_start for face in me.polygons], dtype=np.int64)
    per_face = loops[firsts]
    assert np.array_equal(loops, per_face[owner]), "corners of one face differ"
    return per_face


CUBE_VERTS = np.array([(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)], dtype=float)
CUBE_FACES = np.array([(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)])


def cubes(n, name="Cubes"):
    """``n`` separate cubes in one mesh: ``n`` islands of 6 faces."""
    verts = np.concatenate([CUBE_VERTS + np.array([2.0 * i, 0, 0]) for i in range(n)])
    faces = np.concatenate([CUBE_FACES + 8 * i for i in range(n)])
    return from_faces(verts, faces, name=name)


def set_uvs(me, uvs):
    """Give the mesh a UV map with (n_loops, 2) values."""
    layer = me.uv_layers.new(name="UVMap") if not me.uv_layers else me.uv_layers.active
    layer.data.foreach_set("uv", np.ascontiguousarray(uvs, dtype=np.float32).ravel())
    return layer


def corner_verts(me):
    values = np.empty(len(me.loops), dtype=np.int64)
    me.loops.foreach_get("vertex_index", values)
    return values


def unique_rows(values, decimals=6):
    return np.unique(np.round(values, decimals), axis=0)


def n_unique_rows(values):
    return len(np.unique(values, axis=0))


def save_library(folder, name="LibOb"):
    """A .blend holding a grid object ``name``, written by the Blender under test; then an empty scene."""
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=3, y_subdivisions=3)
    bpy.context.object.name = name
    path = folder / "library.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return path


def link_object(path, name="LibOb"):
    """Link object ``name`` from the library at ``path`` into the scene."""
    with bpy.data.libraries.load(str(path), link=True) as (_source, target):
        target.objects = [name]
    ob = target.objects[0]
    bpy.context.scene.collection.objects.link(ob)
    return ob
