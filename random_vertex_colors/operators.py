# SPDX-License-Identifier: GPL-3.0-or-later
"""The operator: Blender's context in, ``coloring`` calls, reports out.

Its properties and its redo panel are made from the option specs in
``options.py``, so they say what the command line says.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatVectorProperty, IntProperty, StringProperty
from bpy.types import Context, Mesh, Object, Operator, UILayout

from . import coloring
from .coloring import Masks
from .options import ColorError, ColorSettings, OptionSpec, applies, option_specs

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import OperatorReturnItems

SUPPORTED_MODES = frozenset({'OBJECT', 'EDIT_MESH', 'PAINT_VERTEX'})


def blender_property(spec: OptionSpec, default: Any) -> Any:
    """The ``bpy.props`` definition of one option.

    Ranges have soft limits only: a value typed outside them reaches the
    settings' check and is refused with the message the command line gives.
    """
    name, description = spec.label, spec.description
    if spec.kind == "int":
        return IntProperty(
            name=name, description=description, default=default,
            min=int(spec.minimum or 0), max=int(spec.maximum or 0),
        )
    if spec.kind == "bool":
        return BoolProperty(name=name, description=description, default=default)
    if spec.kind == "enum":
        return EnumProperty(name=name, description=description, items=spec.items, default=default)
    if spec.kind == "range":
        return FloatVectorProperty(
            name=name, description=description, size=2, default=default,
            soft_min=spec.minimum or 0.0, soft_max=spec.maximum or 1.0, precision=3,
        )
    # No maxlen: Blender would cut a longer name silently; the settings refuse it by its length.
    return StringProperty(name=name, description=description, default=default)


def option_properties() -> dict[str, Any]:
    """Every option's property, by name, for the operator's annotations."""
    return {name: blender_property(spec, _default(name)) for name, spec in option_specs()}


def _default(name: str) -> Any:
    return ColorSettings.__dataclass_fields__[name].default


def candidate_objects(context: Context) -> list[Object]:
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


def paint_masks(mesh: Mesh) -> Masks:
    """Vertex Paint's masks on ``mesh``: they limit painting, and limit us the same way."""
    return Masks(faces=bool(mesh.use_paint_mask), vertices=bool(mesh.use_paint_mask_vertex))


def draw_options(layout: UILayout, owner: object) -> None:
    """The redo panel: every option that matters for the chosen color mode.

    A range is one labeled row, Min and Max side by side.
    """
    layout.use_property_split = True
    layout.use_property_decorate = False
    color_mode = str(getattr(owner, "color_mode"))  # noqa: B009  (owner is an operator or panel data)
    for name, spec in option_specs():
        if not applies(spec, color_mode):
            continue
        if spec.kind == "range":
            row = layout.row(align=True, heading=spec.label)
            row.prop(owner, name, index=0, text="Min")
            row.prop(owner, name, index=1, text="Max")
        elif name == "palette_name":
            layout.prop_search(owner, name, bpy.data, "palettes")
        else:
            layout.prop(owner, name)


class MESH_OT_random_vertex_colors(Operator):
    """Random colors per face, island, UV island, face set, object, material or vertex of the selection."""

    bl_idname = "mesh.random_vertex_colors"
    bl_label = "Random Vertex Colors"
    bl_options = {'REGISTER', 'UNDO'}  # noqa: RUF012 (Blender reads it from the class)

    @classmethod
    def poll(cls, context: Context) -> bool:
        """Run in Object Mode, Edit Mode and Vertex Paint, with a mesh among the objects."""
        if context.mode not in SUPPORTED_MODES:
            cls.poll_message_set("Works in Object Mode, Edit Mode (meshes) and Vertex Paint")
            return False
        if not any(ob.type == 'MESH' for ob in candidate_objects(context)):
            cls.poll_message_set("Select a mesh object")
            return False
        return True

    def draw(self, _context: Context) -> None:
        """Draw the redo panel from the option specs."""
        if self.layout is not None:
            draw_options(self.layout, self)

    def execute(self, context: Context) -> set[OperatorReturnItems]:
        """Color the meshes; refusals are reported and change nothing."""
        try:
            settings = ColorSettings.from_properties(self)
            paint = context.tool_settings.vertex_paint if context.tool_settings is not None else None
            run = coloring.prepare_run(
                candidate_objects(context), settings, bpy.data.palettes,
                paint.palette if paint is not None else None,
            )
        except ColorError as error:
            self.report({'ERROR'}, str(error))
            return {'CANCELLED'}
        for reason in run.skipped:
            self.report({'WARNING'}, f"Skipped {reason}")
        if not run.targets:
            self.report({'ERROR'}, "No editable mesh selected")
            return {'CANCELLED'}

        in_edit_mode = context.mode == 'EDIT_MESH'
        if in_edit_mode:
            # Edit Mode keeps its own mesh: write the object-mode data, then rebuild it.
            bpy.ops.object.mode_set(mode='OBJECT')
        try:
            masks_for = paint_masks if context.mode == 'PAINT_VERTEX' else None
            outcomes = coloring.color_run(run, masks_for)
        finally:
            if in_edit_mode:
                bpy.ops.object.mode_set(mode='EDIT')
        return self._report(outcomes)

    def _report(self, outcomes: list[coloring.Outcome]) -> set[OperatorReturnItems]:
        problems = [str(outcome.error) for outcome in outcomes if outcome.error is not None]
        results = [outcome.result for outcome in outcomes if outcome.result is not None]
        for problem in problems:
            self.report({'WARNING'}, problem)
        if not results:
            self.report({'ERROR'}, "Nothing colored: " + "; ".join(problems))
            return {'CANCELLED'}
        faces = sum(result.changed_faces for result in results)
        attributes = ", ".join(sorted({f"'{result.attribute}'" for result in results}))
        meshes = f"{len(results)} mesh{'es' if len(results) != 1 else ''}"
        self.report({'INFO'}, f"Colored {faces} faces on {meshes} in {attributes}")
        return {'FINISHED'}


# The properties come from the option specs; Blender reads them from the annotations at registration.
MESH_OT_random_vertex_colors.__annotations__ = {
    **inspect.get_annotations(MESH_OT_random_vertex_colors),
    **option_properties(),
}

def register() -> None:
    """Register the operator."""
    bpy.utils.register_class(MESH_OT_random_vertex_colors)


def unregister() -> None:
    """Unregister the operator."""
    bpy.utils.unregister_class(MESH_OT_random_vertex_colors)
