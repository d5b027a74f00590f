# SPDX-License-Identifier: GPL-3.0-or-later
"""The operator: translates Blender's context into calls to ``mesh_colors``."""

from __future__ import annotations

import dataclasses

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty
from bpy.types import Context, Operator

from . import mesh_colors
from .mesh_colors import ColorError, ColorSettings

SUPPORTED_MODES = {'OBJECT', 'EDIT_MESH', 'PAINT_VERTEX'}


def candidate_objects(context: Context) -> list:
    """Objects the operator considers, before any filtering.

    Edit Mode: the objects in Edit Mode. Vertex Paint: the selection plus the
    painted (active) object. Object Mode: the selection.
    """
    if context.mode == 'EDIT_MESH':
        return list(context.objects_in_mode)
    objects = list(context.selected_objects)
    active = context.active_object
    if context.mode == 'PAINT_VERTEX' and active is not None and active not in objects:
        objects.append(active)
    return objects


def split_targets(objects) -> tuple[list, list[str]]:
    """Return the unique editable meshes of ``objects`` and why others were skipped.

    A mesh shared by several objects is listed once. The meshes are sorted by
    name so the outcome does not depend on selection order.
    """
    meshes = {}
    skipped = []
    for ob in objects:
        if ob.type != 'MESH':
            continue  # cameras, curves, empties: not ours to colour, not worth a warning
        if not mesh_colors.is_editable(ob) or not mesh_colors.is_editable(ob.data):
            skipped.append(f"'{ob.name}' is linked from a library")
            continue
        meshes.setdefault(ob.data.as_pointer(), ob.data)
    return sorted(meshes.values(), key=lambda me: me.name_full), skipped


class MESH_OT_random_vertex_colors(Operator):
    """Give every face of the selected meshes a random colour in a face-corner colour attribute"""

    bl_idname = "mesh.random_vertex_colors"
    bl_label = "Random Vertex Colors"
    bl_options = {'REGISTER', 'UNDO'}

    seed: IntProperty(
        name="Seed",
        description="Seed for the random colours; each mesh mixes in its own name so meshes differ",
        default=0,
    )
    attribute_name: StringProperty(
        name="Attribute",
        description=(
            "Face-corner colour attribute to write. Empty: the active colour attribute "
            "if it is on face corners, else a new one named \"Color\""
        ),
        default="",
        maxlen=64,
    )
    only_selected: BoolProperty(
        name="Only Selected Faces",
        description="Change only selected faces (the Edit Mode selection or the paint face mask)",
        default=False,
    )

    @classmethod
    def poll(cls, context: Context) -> bool:
        if context.mode not in SUPPORTED_MODES:
            cls.poll_message_set("Works in Object, Edit Mesh and Vertex Paint modes")
            return False
        if not any(ob.type == 'MESH' for ob in candidate_objects(context)):
            cls.poll_message_set("Select a mesh object")
            return False
        return True

    def execute(self, context: Context) -> set[str]:
        meshes, skipped = split_targets(candidate_objects(context))
        for reason in skipped:
            self.report({'WARNING'}, f"Skipped {reason}")
        if not meshes:
            self.report({'ERROR'}, "No editable mesh selected")
            return {'CANCELLED'}
        try:
            for mesh in meshes:
                mesh_colors.check_attribute(mesh, self.attribute_name)
        except ColorError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}

        paint_mask = context.mode == 'PAINT_VERTEX'
        in_edit_mode = context.mode == 'EDIT_MESH'
        if in_edit_mode:
            # Edit Mode keeps its own mesh: write the object-mode data, then rebuild it.
            bpy.ops.object.mode_set(mode='OBJECT')
        try:
            results, problems = self._color_meshes(meshes, paint_mask)
        finally:
            if in_edit_mode:
                bpy.ops.object.mode_set(mode='EDIT')

        for problem in problems:
            self.report({'WARNING'}, problem)
        if not results:
            self.report({'ERROR'}, "Nothing coloured: " + "; ".join(problems))
            return {'CANCELLED'}
        faces = sum(result.changed_faces for result in results)
        attributes = ", ".join(sorted({f"'{result.attribute}'" for result in results}))
        self.report({'INFO'}, f"Coloured {faces} faces on {len(results)} mesh(es) in {attributes}")
        return {'FINISHED'}

    def _color_meshes(self, meshes, paint_mask: bool):
        settings = ColorSettings.from_properties(self)
        masked = dataclasses.replace(settings, only_selected=True)
        results, problems = [], []
        for mesh in meshes:
            try:
                use_mask = paint_mask and mesh.use_paint_mask
                results.append(mesh_colors.color_mesh(mesh, masked if use_mask else settings))
            except ColorError as error:
                problems.append(str(error))
        return results, problems


classes = (MESH_OT_random_vertex_colors,)
register, unregister = bpy.utils.register_classes_factory(classes)
