# SPDX-License-Identifier: GPL-3.0-or-later
"""Islands and UV islands agree with Blender's own on meshes made by its primitives and modifiers.

ISLAND against Geometry Nodes' Mesh Island node; UV_ISLAND against
``bpy_extras.mesh_utils.mesh_linked_uv_islands``. Groups are compared as
partitions of the faces (the numbering differs), read from the colors the
operator wrote: one color per group.
"""

import bpy
import numpy as np
import pytest
from bpy_extras.mesh_utils import mesh_linked_uv_islands
from meshes import face_colors, select_only


def partition(labels):
    """Each face's group renumbered in order of first appearance: equal for equal partitions."""
    _, first, inverse = np.unique(np.asarray(labels), axis=0, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse.ravel()]


def colored_groups(ob, granularity):
    select_only(ob)
    assert bpy.ops.mesh.random_vertex_colors(granularity=granularity, seed=5) == {'FINISHED'}
    return partition(face_colors(ob.data))


def apply_modifier(ob, kind, **settings):
    select_only(ob)
    modifier = ob.modifiers.new(kind.title(), kind)
    for key, value in settings.items():
        setattr(modifier, key, value)
    bpy.ops.object.modifier_apply(modifier=modifier.name)
    return ob


def add(primitive, **options):
    getattr(bpy.ops.mesh, f"primitive_{primitive}_add")(**options)
    return bpy.context.object


def new_socket(tree, in_out):
    if hasattr(tree, "interface"):  # 4.0+
        tree.interface.new_socket("Geometry", in_out=in_out, socket_type='NodeSocketGeometry')
    else:
        (tree.inputs if in_out == 'INPUT' else tree.outputs).new('NodeSocketGeometry', "Geometry")


def shown(sockets, kind):
    return next(socket for socket in sockets if socket.enabled and socket.type == kind)


def mesh_island_of_faces(ob):
    """Geometry Nodes' Mesh Island index of each face, from a copy of ``ob`` with the node applied."""
    copy = ob.copy()
    copy.data = ob.data.copy()
    bpy.context.scene.collection.objects.link(copy)
    tree = bpy.data.node_groups.new("Islands", 'GeometryNodeTree')
    new_socket(tree, 'INPUT')
    new_socket(tree, 'OUTPUT')
    group_in, group_out = tree.nodes.new('NodeGroupInput'), tree.nodes.new('NodeGroupOutput')
    island = tree.nodes.new('GeometryNodeInputMeshIsland')
    store = tree.nodes.new('GeometryNodeStoreNamedAttribute')
    store.data_type, store.domain = 'INT', 'FACE'
    store.inputs["Name"].default_value = "island"
    tree.links.new(group_in.outputs[0], store.inputs["Geometry"])
    tree.links.new(store.outputs[0], group_out.inputs[0])
    tree.links.new(island.outputs["Island Index"], shown(store.inputs, 'INT'))
    modifier = copy.modifiers.new("Islands", 'NODES')
    modifier.node_group = tree
    select_only(copy)
    bpy.ops.object.modifier_apply(modifier=modifier.name)
    labels = np.empty(len(copy.data.polygons), dtype=np.int64)
    copy.data.attributes["island"].data.foreach_get("value", labels)
    mesh = copy.data
    bpy.data.objects.remove(copy)
    bpy.data.meshes.remove(mesh)
    bpy.context.view_layer.update()  # drops the removed object from the view layer's list
    return labels


def suzanne_subdivided():
    return apply_modifier(add("monkey"), 'SUBSURF', levels=1)


def tori_in_an_array(merged):
    """Three tori side by side: touching and welded (one island) or apart (three)."""
    ob = add("torus")
    return apply_modifier(ob, 'ARRAY', count=3, relative_offset_displace=(1.0 if merged else 1.5, 0, 0),
                          use_merge_vertices=merged)


def icosphere_split_at_every_edge():
    return apply_modifier(add("ico_sphere", subdivisions=2), 'EDGE_SPLIT', split_angle=0.0)


def cylinder_triangulated_and_solidified():
    ob = apply_modifier(add("cylinder", vertices=24), 'TRIANGULATE', min_vertices=5)
    return apply_modifier(ob, 'SOLIDIFY', thickness=0.1)


def grid_cut_by_smart_project():
    ob = add("grid", x_subdivisions=12, y_subdivisions=12)
    bpy.ops.object.mode_set(mode='EDIT')
    bpy.ops.mesh.select_all(action='SELECT')
    bpy.ops.mesh.bisect(plane_co=(0, 0, 0), plane_no=(1, 1, 0))  # n-gons and triangles along a cut
    bpy.ops.uv.smart_project(angle_limit=0.1)
    bpy.ops.object.mode_set(mode='OBJECT')
    return ob


ISLAND_MESHES = {
    "suzanne": suzanne_subdivided,
    "tori welded": lambda: tori_in_an_array(True),
    "tori apart": lambda: tori_in_an_array(False),
    "icosphere edge split": icosphere_split_at_every_edge,
    "cylinder": cylinder_triangulated_and_solidified,
}


@pytest.mark.parametrize("make", ISLAND_MESHES.values(), ids=ISLAND_MESHES.keys())
def test_islands_agree_with_geometry_nodes_mesh_island(empty_scene, make):
    ob = make()
    expected = partition(mesh_island_of_faces(ob))
    assert expected.max() >= 0
    np.testing.assert_array_equal(colored_groups(ob, 'ISLAND'), expected)


UV_MESHES = {
    "suzanne": suzanne_subdivided,
    "cube": lambda: add("cube"),
    "uv sphere": lambda: add("uv_sphere", segments=16, ring_count=8),
    "cylinder": lambda: add("cylinder", vertices=12),
    "torus": lambda: add("torus"),
    "grid smart projected": grid_cut_by_smart_project,
}


# bpy_extras joins corners by their UV alone, we by vertex and UV: they agree
# where no two vertices share a UV, so no copies stacked in UV space here
# (an Array modifier's copies share their UVs).
@pytest.mark.parametrize("make", UV_MESHES.values(), ids=UV_MESHES.keys())
def test_uv_islands_agree_with_bpy_extras(empty_scene, make):
    ob = make()
    labels = np.full(len(ob.data.polygons), -1, dtype=np.int64)
    for number, faces in enumerate(mesh_linked_uv_islands(ob.data)):
        labels[faces] = number
    assert labels.min() == 0
    np.testing.assert_array_equal(colored_groups(ob, 'UV_ISLAND'), partition(labels))
