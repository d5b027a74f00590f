# SPDX-License-Identifier: GPL-3.0-or-later
"""The operator: translates Blender's context into calls to ``mesh_colors``."""

from __future__ import annotations

import dataclasses

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatVectorProperty, IntProperty, StringProperty
from bpy.types import Context, Operator

from . import mesh_colors
from .mesh_colors import ColorError, ColorSettings

SUPPORTED_MODES = {'OBJECT', 'EDIT_MESH', 'PAINT_VERTEX'}

GRANULARITY_ITEMS = (
    ('FACE', "Face", "Every face its own colour"),
    ('ISLAND', "Island", "Faces connected through shared vertices share a colour"),
    ('UV_ISLAND', "UV Island", "Faces connected in the active UV map share a colour"),
    ('FACE_SET', "Face Set", "One colour per sculpt face set (one for a mesh without face sets)"),
    ('OBJECT', "Object", "One colour per object"),
    ('MATERIAL', "Material", "One colour per material; a material gets one colour on every mesh"),
    ('VERTEX', "Vertex", "One colour per vertex, blending smoothly across faces"),
)
COLOR_MODE_ITEMS = (
    ('RGB', "RGB", "Uniform random red, green and blue"),
    ('HSV', "HSV", "Uniform in the hue, saturation and value ranges"),
    ('PALETTE', "Palette", "Only the colours of a palette"),
    ('GRAYSCALE', "Grayscale", "Random grays"),
    ('DISTINCT', "Distinct", "Colours as far apart as possible, for ID maps"),
)


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


def split_targets(objects) -> tuple[list[tuple], list[str]]:
    """Return the unique editable meshes of ``objects`` and why others were skipped.

    Each mesh comes with the name of the first (by name) of its objects, whose
    colour it takes with granularity OBJECT: a mesh shared by several objects
    is coloured once. Sorted by mesh name so the outcome does not depend on
    selection order.
    """
    owners = {}
    skipped = []
    for ob in objects:
        if ob.type != 'MESH':
            continue  # cameras, curves, empties: not ours to colour, not worth a warning
        reason = mesh_colors.why_object_is_skipped(ob)
        if reason is not None:
            skipped.append(f"'{ob.name}': {reason}")
            continue
        key = ob.data.as_pointer()
        mesh, owner = owners.get(key, (ob.data, ob.name_full))
        owners[key] = (mesh, min(owner, ob.name_full))
    return sorted(owners.values(), key=lambda pair: pair[0].name_full), skipped


class MESH_OT_random_vertex_colors(Operator):
    """Give the selected meshes random colours per face, island, object, material or vertex"""

    bl_idname = "mesh.random_vertex_colors"
    bl_label = "Random Vertex Colors"
    bl_options = {'REGISTER', 'UNDO'}

    seed: IntProperty(
        name="Seed",
        description="Seed for the random colours; each mesh mixes in its own name so meshes differ",
        default=0,
    )
    granularity: EnumProperty(
        name="Per",
        description="What shares one colour",
        items=GRANULARITY_ITEMS,
        default='FACE',
    )
    color_mode: EnumProperty(
        name="Colors",
        description="How colours are drawn",
        items=COLOR_MODE_ITEMS,
        default='RGB',
    )
    hue_range: FloatVectorProperty(
        name="Hue",
        description="Hue range (min, max); a min above the max wraps through red",
        size=2, min=0.0, max=1.0, default=(0.0, 1.0),
    )
    saturation_range: FloatVectorProperty(
        name="Saturation",
        description="Saturation range (min, max)",
        size=2, min=0.0, max=1.0, default=(0.0, 1.0),
    )
    value_range: FloatVectorProperty(
        name="Value",
        description="Value (brightness) range (min, max)",
        size=2, min=0.0, max=1.0, default=(0.0, 1.0),
    )
    palette_name: StringProperty(
        name="Palette",
        description="Palette to take colours from; empty: the Vertex Paint tool's palette",
        default="",
    )
    random_alpha: BoolProperty(
        name="Random Alpha",
        description="Random alpha too; off: opaque",
        default=False,
    )
    attribute_name: StringProperty(
        name="Attribute",
        description=(
            "Face-corner colour attribute to write. Empty: the active colour attribute "
            "if it is on face corners, else a new one named \"Color\""
        ),
        default="",
        # No maxlen: Blender would cut a longer name silently; mesh_colors refuses it by its length.
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

    def draw(self, context: Context) -> None:
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(self, "seed")
        layout.prop(self, "granularity")
        layout.prop(self, "color_mode")
        if self.color_mode == 'HSV':
            column = layout.column(align=True)
            column.prop(self, "hue_range")
            column.prop(self, "saturation_range")
            column.prop(self, "value_range")
        elif self.color_mode == 'PALETTE':
            layout.prop_search(self, "palette_name", bpy.data, "palettes")
        layout.prop(self, "random_alpha")
        layout.prop(self, "attribute_name")
        layout.prop(self, "only_selected")

    def execute(self, context: Context) -> set[str]:
        targets, skipped = split_targets(candidate_objects(context))
        for reason in skipped:
            self.report({'WARNING'}, f"Skipped {reason}")
        if not targets:
            self.report({'ERROR'}, "No editable mesh selected")
            return {'CANCELLED'}
        try:
            settings = ColorSettings.from_properties(self)
            paint = context.tool_settings.vertex_paint
            palette = mesh_colors.resolve_palette(
                settings, bpy.data.palettes, paint.palette if paint is not None else None
            )
            for mesh, _owner in targets:
                mesh_colors.check_attribute(mesh, settings.attribute_name)
            shared = mesh_colors.shared_colors(
                [key for mesh, owner in targets for key in mesh_colors.shared_keys(mesh, settings, owner)],
                settings,
                palette,
            )
        except ColorError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}

        in_edit_mode = context.mode == 'EDIT_MESH'
        if in_edit_mode:
            # Edit Mode keeps its own mesh: write the object-mode data, then rebuild it.
            bpy.ops.object.mode_set(mode='OBJECT')
        try:
            results, problems = self._color_meshes(
                targets, settings, palette, shared, paint_mask=context.mode == 'PAINT_VERTEX'
            )
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

    @staticmethod
    def _color_meshes(targets, settings, palette, shared, paint_mask: bool):
        masked = dataclasses.replace(settings, only_selected=True)
        results, problems = [], []
        for mesh, owner in targets:
            # Vertex Paint's face mask limits painting; it limits us the same way.
            use_mask = paint_mask and mesh.use_paint_mask
            try:
                result = mesh_colors.color_mesh(
                    mesh, masked if use_mask else settings, palette=palette, shared=shared, object_name=owner
                )
                results.append(result)
            except ColorError as error:
                problems.append(str(error))
        return results, problems


classes = (MESH_OT_random_vertex_colors,)
register, unregister = bpy.utils.register_classes_factory(classes)
