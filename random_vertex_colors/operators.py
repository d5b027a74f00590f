# SPDX-License-Identifier: GPL-3.0-or-later
"""The operator: Blender's context in, ``coloring`` calls, reports out.

Its properties and its redo panel are made from the option specs in
``options.py``, so they say what the command line says.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import (
    BoolProperty,
    EnumProperty,
    FloatProperty,
    FloatVectorProperty,
    IntProperty,
    StringProperty,
)
from bpy.types import Context, Mesh, Object, Operator, UILayout

from . import coloring, legend
from .coloring import Masks
from .options import ColorError, ColorSettings, OptionSpec, applies, option_specs

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import OperatorReturnItems

SUPPORTED_MODES = frozenset({'OBJECT', 'EDIT_MESH', 'PAINT_VERTEX'})
PROPERTY_SPLIT_FACTOR = 0.4  # use_property_split's label column (Blender's UI_ITEM_PROP_SEP_DIVIDE)


def blender_property(spec: OptionSpec, default: Any) -> Any:
    """The ``bpy.props`` definition of one option.

    Ranges and factors have soft limits only: a value typed outside them
    reaches the settings' check and is refused with the message the command
    line gives. An option the panel does not draw is not remembered either
    (SKIP_SAVE): a value set once from a script must not stick unseen.
    """
    name, description = spec.label, spec.description
    if spec.kind == "int":
        return IntProperty(
            name=name, description=description, default=default,
            min=int(spec.minimum or 0), max=int(spec.maximum or 0),
        )
    if spec.kind == "bool":
        if not spec.in_panel:
            return BoolProperty(name=name, description=description, default=default, options={'SKIP_SAVE'})
        return BoolProperty(name=name, description=description, default=default)
    if spec.kind == "enum":
        return EnumProperty(name=name, description=description, items=spec.items, default=default)
    if spec.kind == "channels":
        return EnumProperty(
            name=name, description=description, items=spec.items, default=set(default), options={'ENUM_FLAG'}
        )
    if spec.kind == "factor":
        return FloatProperty(
            name=name, description=description, default=default, subtype='FACTOR', precision=3,
            soft_min=spec.minimum or 0.0, soft_max=spec.maximum if spec.maximum is not None else 1.0,
        )
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


def legend_text_name(attribute: str) -> str:
    """The text the operator writes the legend of ``attribute`` to."""
    return f"{attribute} legend"


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

    A range is one labeled row, Min and Max side by side, under one row of
    Min and Max captions: inside the fields the captions would not fit next
    to the numbers (Blender 3.4 cuts them to "Mi" and "Ma"). Channels are a
    row of toggle buttons; a switch with ``beside`` (Stable, Legend) a toggle
    at the end of its option's row; options sharing a command-line flag (the jitter
    amounts) one aligned column of sliders.
    """
    layout.use_property_split = True
    layout.use_property_decorate = False
    color_mode = str(getattr(owner, "color_mode"))  # noqa: B009  (owner is an operator or panel data)
    column = None
    captioned = False
    toggles = {spec.beside: name for name, spec in option_specs() if spec.beside is not None}
    for name, spec in option_specs():
        if not spec.in_panel or not applies(spec, color_mode) or spec.beside is not None:
            continue
        if name in toggles:  # a switch that belongs with this option: one row, the switch a toggle button
            row = layout.row(align=True)
            row.prop(owner, name)
            row.prop(owner, toggles[name], toggle=True)
            continue
        if spec.part is None:
            column = None
        elif spec.part == 0 or column is None:
            column = layout.column(align=True)
        if spec.kind == "range":
            if not captioned:
                captions = _label_and_fields(layout, "").split(factor=0.5)
                for caption in ("Min", "Max"):
                    cell = captions.row()
                    cell.alignment = 'CENTER'
                    cell.label(text=caption)
                captioned = True
            fields = _label_and_fields(layout, spec.label)
            fields.prop(owner, name, index=0, text="")
            fields.prop(owner, name, index=1, text="")
        elif spec.kind == "channels":
            layout.row(align=True).prop(owner, name)  # an ENUM_FLAG draws as a row of toggles
        elif spec.kind == "factor":
            (column or layout).prop(owner, name, slider=True)
        elif name == "palette_name":
            layout.prop_search(owner, name, bpy.data, "palettes")
        else:
            layout.prop(owner, name)


def _label_and_fields(layout: UILayout, label: str) -> UILayout:
    """A row with ``label`` in the label column, as use_property_split draws it; the row for the fields.

    By hand: a row's heading lands between two fields in Blender 3.4, not in the label column.
    """
    split = layout.split(factor=PROPERTY_SPLIT_FACTOR, align=True)
    label_column = split.row()
    label_column.alignment = 'RIGHT'
    label_column.label(text=label)
    fields = split.row(align=True)
    fields.use_property_split = False
    return fields


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
        if settings.legend:
            self._write_legend(settings, outcomes)
        return self._report(outcomes)

    def _write_legend(self, settings: ColorSettings, outcomes: list[coloring.Outcome]) -> None:
        """The legend as JSON in the text "<attribute> legend", replaced whole."""
        results = [outcome.result for outcome in outcomes if outcome.result is not None]
        if not results:
            return
        attribute = results[0].attribute
        entries = [result.legend for result in results if result.legend is not None]
        name = legend_text_name(attribute)
        text = bpy.data.texts.get(name) or bpy.data.texts.new(name)
        text.clear()
        text.write(legend.legend_json(settings, attribute, entries))
        self.report({'INFO'}, f"Legend in text '{text.name}'")

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
        notes = "".join(f"; {note}" for result in results for note in result.notes)
        self.report({'INFO'}, f"Colored {faces} faces on {meshes} in {attributes}{notes}")
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
