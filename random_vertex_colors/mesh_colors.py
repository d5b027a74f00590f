# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of colouring one mesh: read arrays, call the core, write.

Shared by the operator and the command line. Nothing here draws UI or
changes modes: callers hand in a mesh in Object Mode data (not an Edit Mode
mesh, not an evaluated copy) and get back what was done or why not.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from . import core

GRANULARITIES = ("FACE", "ISLAND", "UV_ISLAND", "FACE_SET", "OBJECT", "MATERIAL", "VERTEX")
COLOR_MODES = core.COLOR_MODES
COLOR_TYPES = {"FLOAT_COLOR", "BYTE_COLOR"}
FACE_SET_ATTRIBUTES = (".sculpt_face_set", "sculpt_face_set")  # 4.0+, and the name 3.x scripts used
DEFAULT_ATTRIBUTE = "Color"
MAX_NAME_BYTES = 63  # Blender truncates longer attribute names.


class ColorError(Exception):
    """Refusal to colour a mesh; the message names what is wrong."""


@dataclass(frozen=True)
class ColorSettings:
    """What to colour and how; field names match the operator's properties."""

    seed: int = 0
    attribute_name: str = ""
    only_selected: bool = False
    granularity: str = "FACE"
    color_mode: str = "RGB"
    hue_range: tuple[float, float] = (0.0, 1.0)
    saturation_range: tuple[float, float] = (0.0, 1.0)
    value_range: tuple[float, float] = (0.0, 1.0)
    palette_name: str = ""
    random_alpha: bool = False

    def __post_init__(self):
        if self.granularity not in GRANULARITIES:
            raise ColorError(
                f"granularity must be one of {', '.join(GRANULARITIES)}, not '{self.granularity}'"
            )
        if self.color_mode not in COLOR_MODES:
            raise ColorError(f"color mode must be one of {', '.join(COLOR_MODES)}, not '{self.color_mode}'")
        for name in ("hue_range", "saturation_range", "value_range"):
            low, high = (float(x) for x in getattr(self, name))
            if not (0.0 <= low <= 1.0 and 0.0 <= high <= 1.0):
                raise ColorError(f"{name.replace('_', ' ')} must lie in [0, 1], got ({low:g}, {high:g})")
            object.__setattr__(self, name, (low, high))

    @classmethod
    def from_properties(cls, owner) -> ColorSettings:
        """Build from any object with attributes of the same names (an operator, argparse)."""
        values = {}
        for field in fields(cls):
            value = getattr(owner, field.name)
            values[field.name] = value if isinstance(value, (str, int, float, bool)) else tuple(value)
        return cls(**values)


class Palette(NamedTuple):
    """Palette colours as stored: (p, 3) float32, scene linear or sRGB."""

    rgb: np.ndarray
    linear: bool


def read_palette(palette) -> Palette:
    """Read a ``bpy.types.Palette``; its colours' subtype says their space.

    Blender 4+ stores palette colours scene linear (subtype COLOR), 3.x as
    sRGB (COLOR_GAMMA). Raises ColorError for a palette with no colours.
    """
    colors = palette.colors
    if len(colors) == 0:
        raise ColorError(f"palette '{palette.name}' has no colours")
    rgb = np.empty(len(colors) * 3, dtype=np.float32)
    colors.foreach_get("color", rgb)
    subtype = type(colors[0]).bl_rna.properties["color"].subtype
    return Palette(rgb.reshape(-1, 3), linear=subtype != "COLOR_GAMMA")


def resolve_palette(settings: ColorSettings, palettes, tool_palette) -> Palette | None:
    """The palette PALETTE mode takes colours from: the named one, else the tool's.

    Parameters
    ----------
    settings : ColorSettings
    palettes : bpy.types.BlendDataPalettes
        Where ``settings.palette_name`` is looked up.
    tool_palette : bpy.types.Palette or None
        The Vertex Paint tool's palette, used when no name is given.

    Returns None in other colour modes.
    """
    if settings.color_mode != "PALETTE":
        return None
    if settings.palette_name:
        palette = palettes.get(settings.palette_name)
        if palette is None:
            raise ColorError(f"no palette named '{settings.palette_name}'")
    else:
        palette = tool_palette
        if palette is None:
            raise ColorError("no palette: name one, or give the Vertex Paint tool a palette")
    return read_palette(palette)


class GroupColors(NamedTuple):
    """Colours for groups before they meet an attribute.

    ``values`` is (n, 4): uint16 sRGB draws, or float32 palette colours
    (RGB in the palette's space, alpha linear) when ``palette_linear`` is
    not None.
    """

    values: np.ndarray
    palette_linear: bool | None = None

    def take(self, rows) -> GroupColors:
        return GroupColors(self.values[rows], self.palette_linear)

    def for_attribute(self, srgb_target: bool) -> np.ndarray:
        """(n, 4) float32 in the target's space: sRGB floats or scene linear."""
        if self.palette_linear is None:
            return core.srgb16_to_float(self.values) if srgb_target else core.srgb16_to_linear(self.values)
        if self.palette_linear == (not srgb_target):
            return self.values  # already in the target's space: written exactly as stored
        out = self.values.copy()
        convert = core.linear_to_srgb if srgb_target else core.srgb_to_linear
        out[:, :3] = convert(self.values[:, :3])
        return out


def finish_colors(draws16: np.ndarray, settings: ColorSettings, palette: Palette | None) -> GroupColors:
    """Shape uniform draws (n, 4) uint16 into the settings' colour mode."""
    if settings.color_mode == "PALETTE":
        if palette is None:
            raise ColorError("colour mode PALETTE needs a palette")
        values = core.palette_colors(draws16, palette.rgb)
        if settings.random_alpha:
            values[:, 3] = draws16[:, 3] / np.float32(65535)
        return GroupColors(values, palette.linear)
    shaped = core.shape_colors(
        draws16, settings.color_mode, settings.hue_range, settings.saturation_range, settings.value_range
    )
    return GroupColors(shaped)


def shared_keys(mesh, settings: ColorSettings, object_name: str | None = None) -> list[str]:
    """Keys of the groups whose colour is shared across meshes, for one mesh.

    OBJECT: the object. MATERIAL: each material slot's material (an empty
    slot is the mesh's own), so one material gets one colour everywhere.
    Other granularities share nothing across meshes.
    """
    if settings.granularity == "OBJECT":
        return [f"object:{object_name or mesh.name_full}"]
    if settings.granularity == "MATERIAL":
        keys = [
            f"material:{material.name_full}" if material is not None else f"slot:{mesh.name_full}:{slot}"
            for slot, material in enumerate(mesh.materials)
        ]
        return keys or [f"slot:{mesh.name_full}:0"]
    return []


class SharedColors(NamedTuple):
    index: dict[str, int]
    colors: GroupColors


def shared_colors(keys, settings: ColorSettings, palette: Palette | None) -> SharedColors:
    """Colours for shared groups (objects, materials), shaped together.

    Each key draws from its own stream, so a key's colour does not depend
    on which other keys are coloured with it, except where the mode spreads
    colours over the set (DISTINCT, PALETTE), which is why they are shaped
    together, over every mesh of one run.
    """
    keys = sorted(set(keys))
    if not keys:
        return SharedColors({}, GroupColors(np.zeros((0, 4), np.uint16)))
    # One small draw per object or material: a loop over those, not over faces.
    draws = np.concatenate(
        [core.random_srgb16(core.rng_for(settings.seed, key), 1, settings.random_alpha) for key in keys]
    )
    return SharedColors({key: row for row, key in enumerate(keys)}, finish_colors(draws, settings, palette))


@dataclass
class MeshResult:
    mesh_name: str
    attribute: str
    faces: int
    changed_faces: int


def is_editable(id_data) -> bool:
    """True when edits to ``id_data`` are kept (local data, not linked, not an override).

    ``ID.is_editable`` exists from Blender 3.5 on; before it, linked data is
    what has a library. A library override is editable to Blender, but its
    attribute data is reloaded from the library: colours written there
    vanish on save and reload (measured in 3.4 and 5.0), so it counts as not
    editable here.
    """
    if getattr(id_data, "override_library", None) is not None:
        return False
    editable = getattr(id_data, "is_editable", None)
    if editable is not None:
        return bool(editable)
    return id_data.library is None


def not_editable_reason(id_data) -> str:
    """Why edits to ``id_data`` would not be kept, for a report."""
    if getattr(id_data, "override_library", None) is not None:
        return "is a library override, whose colours would be lost on save"
    return "is linked from a library and cannot be edited"


def is_original(mesh) -> bool:
    """False for the depsgraph's meshes: an object's evaluated ``data`` or a mesh's evaluated copy.

    Those are not in ``bpy.data``: ``ob.evaluated_get(depsgraph).data``
    says ``is_evaluated`` False, but ``is_runtime_data`` True (Blender 4+);
    Blender 3.4 has no ``is_runtime_data``, so there the mesh must be the
    one ``bpy.data.meshes`` holds under its name.
    """
    if getattr(mesh, "is_evaluated", False):
        return False
    runtime = getattr(mesh, "is_runtime_data", None)
    if runtime is not None:
        return not runtime
    import bpy  # only here: this module loads without Blender

    return mesh.library is not None or bpy.data.meshes.get(mesh.name) == mesh


def why_object_is_skipped(ob) -> str | None:
    """Why colours on mesh object ``ob`` would not be kept, or None when they would.

    The mesh must be editable (see ``is_editable``); a linked object is
    skipped too, even over a local mesh, as the user cannot change it.
    """
    if not is_editable(ob.data):
        return f"mesh '{ob.data.name}' {not_editable_reason(ob.data)}"
    if ob.library is not None:
        return "it is linked from a library"
    return None


def check_attribute(mesh, attribute_name: str) -> None:
    """Raise ColorError if ``attribute_name`` cannot be written on ``mesh``.

    Changes nothing, so a caller can check every mesh before writing any.
    An empty name is always acceptable (see ``resolve_attribute``).
    """
    if not attribute_name:
        return
    if len(attribute_name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ColorError(
            f"attribute name '{attribute_name[:24]}...' is {len(attribute_name.encode('utf-8'))} "
            f"bytes long; Blender stores at most {MAX_NAME_BYTES}"
        )
    existing = mesh.attributes.get(attribute_name)
    if existing is None:
        return
    if existing.data_type not in COLOR_TYPES:
        raise ColorError(
            f"attribute '{attribute_name}' on mesh '{mesh.name}' is a "
            f"{existing.data_type} attribute, not a colour attribute"
        )
    if existing.domain != "CORNER":
        raise ColorError(
            f"colour attribute '{attribute_name}' on mesh '{mesh.name}' is on the "
            f"{existing.domain} domain; per-face colours need a face-corner attribute"
        )


def resolve_attribute(mesh, attribute_name: str) -> str:
    """Find or create the face-corner colour attribute to write; return its name.

    An empty ``attribute_name`` means the active colour attribute when it is
    on the face-corner domain, else a new FLOAT_COLOR corner attribute named
    "Color" (Blender adds a numeric suffix where that name is taken). A name
    that does not exist yet is created as a FLOAT_COLOR corner attribute.

    Returns the name, never the attribute: a Python reference to an attribute
    is invalidated by adding another one, so callers fetch it right before use.
    """
    check_attribute(mesh, attribute_name)
    if attribute_name:
        if attribute_name in mesh.attributes:
            return attribute_name
        return _new_color_attribute(mesh, attribute_name)
    active = mesh.color_attributes.active_color
    if active is not None and active.domain == "CORNER" and active.data_type in COLOR_TYPES:
        return active.name
    return _new_color_attribute(mesh, DEFAULT_ATTRIBUTE)


def _new_color_attribute(mesh, name: str) -> str:
    attribute = mesh.color_attributes.new(name, "FLOAT_COLOR", "CORNER")
    if attribute is None:
        raise ColorError(f"Blender could not create colour attribute '{name}' on mesh '{mesh.name}'")
    return attribute.name


# Read face starts straight from Blender's face table where it checks out
# (see face_starts_in_place); False forces foreach_get (benchmarks, tests).
READ_FACE_STARTS_IN_PLACE = True


def face_starts_in_place(polygons) -> np.ndarray | None:
    """Copy every face's first corner index out of Blender's face table, or None.

    ``foreach_get("loop_start")`` calls an RNA getter per face: 25 ms per
    million faces, more than all the rest of colouring them. Blender keeps
    the starts in one array of records (Blender 3.6+: the face offsets, 4
    bytes each; before: ``MPoly`` structs, 12 bytes, start first), and a
    ``MeshPolygon``'s ``as_pointer()`` is the address of its record, the
    very int its ``loop_start`` getter returns. When the first, second and
    last faces' records are evenly spaced, the table is that one array and a
    strided copy reads every start; only memory RNA itself reads is touched.
    The copy is checked against RNA at sampled faces.

    Returns
    -------
    (n_faces,) ndarray of int32, or None
        None when the mesh has fewer than two faces or the table does not
        look as described: the caller then uses ``foreach_get``.
    """
    n_faces = len(polygons)
    if n_faces < 2:
        return None
    first = polygons[0].as_pointer()
    stride = polygons[1].as_pointer() - first
    if not first or first % 4 or stride < 4 or stride % 4:
        return None
    if polygons[n_faces - 1].as_pointer() - first != stride * (n_faces - 1):
        return None
    table = (ctypes.c_char * (stride * (n_faces - 1) + 4)).from_address(first)
    starts = np.array(np.ndarray((n_faces,), dtype=np.int32, buffer=table, strides=(stride,)))
    for face in {0, 1, n_faces // 3, n_faces // 2, n_faces - 1}:
        if polygons[face].loop_start != starts[face]:
            return None
    return starts


def face_corner_ranges(mesh) -> tuple[np.ndarray, np.ndarray]:
    """Read ``(loop_start, loop_total)`` as int32 arrays.

    The starts come from ``face_starts_in_place`` when it can read them,
    else from ``foreach_get``. ``loop_total`` is derived from ``loop_start``
    when the starts increase (always in Blender 3.6+, where faces are stored
    as offsets), which saves a second, slower ``foreach_get``.
    """
    polygons = mesh.polygons
    loop_start = face_starts_in_place(polygons) if READ_FACE_STARTS_IN_PLACE else None
    if loop_start is None:
        loop_start = np.empty(len(polygons), dtype=np.int32)
        polygons.foreach_get("loop_start", loop_start)
    loop_total = core.loop_totals_from_starts(loop_start, len(mesh.loops))
    if loop_total is None:
        loop_total = np.empty(len(polygons), dtype=np.int32)
        polygons.foreach_get("loop_total", loop_total)
    return loop_start, loop_total


def selected_faces(mesh) -> np.ndarray:
    """Face selection flags (the Edit Mode selection, also the paint face mask)."""
    selection = np.empty(len(mesh.polygons), dtype=bool)
    mesh.polygons.foreach_get("select", selection)
    return selection


def _value_property(attribute) -> str:
    """The property to read and write an attribute in its own space.

    FLOAT_COLOR stores scene-linear floats (``color``); BYTE_COLOR stores
    sRGB bytes, written exactly through ``color_srgb``. Each round trip stays
    in the attribute's own space, so colours we do not change stay bit-identical.
    """
    if attribute.data_type == "BYTE_COLOR":
        return "color_srgb"
    return "color"


def stores_srgb(mesh, name: str) -> bool:
    """True when attribute ``name`` takes sRGB values (BYTE_COLOR), False for scene linear."""
    return _value_property(mesh.attributes[name]) == "color_srgb"


def read_corner_colors(mesh, name: str) -> np.ndarray:
    """The attribute's values in its own space, shape (n_loops, 4) float32."""
    attribute = mesh.attributes[name]
    values = np.empty(len(attribute.data) * 4, dtype=np.float32)
    attribute.data.foreach_get(_value_property(attribute), values)
    return values.reshape(-1, 4)


def foreach_floats(values) -> np.ndarray:
    """``values`` as the contiguous 1-D float32 array that ``foreach_set`` reads fast.

    No copy when it already is one. float64 or strided input is converted
    here by numpy, once: handed to ``foreach_set`` as is, Blender accepts it
    silently at ~100x the cost (1M corners: 1.7 ms against 189-232 ms).
    """
    return np.ascontiguousarray(values, dtype=np.float32).reshape(-1)


def write_corner_colors(mesh, name: str, values: np.ndarray) -> None:
    """Write (n_loops, 4) values, given in the attribute's own space, to attribute ``name``.

    ``foreach_set`` is fast only for a contiguous 1-D array of the property's
    own dtype (float32): anything else is converted element by element.
    BYTE_COLOR has no fast ``foreach_set`` at all (an RNA setter per corner);
    where every face's corners agree, ``byte_colors`` writes one value per
    face and lets Blender copy it to the corners, with the same bytes.
    """
    attribute = mesh.attributes[name]  # fetched here: earlier references may be stale
    if np.shape(values) != (len(attribute.data), 4):
        raise ValueError(f"expected ({len(attribute.data)}, 4) colours for '{name}', got {np.shape(values)}")
    flat = foreach_floats(values)
    if attribute.data_type == "BYTE_COLOR":
        from . import byte_colors  # imports bpy: only here, so this module loads without Blender

        if byte_colors.applies(mesh, name, flat.size):
            loop_start, loop_total = face_corner_ranges(mesh)
            if byte_colors.write_bytes_by_face(mesh, name, flat.reshape(-1, 4), loop_start, loop_total):
                return
            attribute = mesh.attributes[name]  # the attempt may have added and removed attributes
    attribute.data.foreach_set(_value_property(attribute), flat)


def corner_verts(mesh) -> np.ndarray:
    """The vertex of each corner, (n_loops,) int32."""
    values = np.empty(len(mesh.loops), dtype=np.int32)
    attribute = mesh.attributes.get(".corner_vert")  # 3.6+: a plain int array, read directly
    if attribute is not None:
        attribute.data.foreach_get("value", values)
    else:
        mesh.loops.foreach_get("vertex_index", values)
    return values


def corner_uvs(mesh) -> np.ndarray:
    """The active UV map's UV of each corner, (n_loops, 2) float32."""
    uv_layer = mesh.uv_layers.active
    if uv_layer is None:
        raise ColorError(f"mesh '{mesh.name}' has no UV map, which UV islands need")
    values = np.empty(len(mesh.loops) * 2, dtype=np.float32)
    uv_layer.data.foreach_get("uv", values)
    return values.reshape(-1, 2)


def face_sets(mesh) -> np.ndarray | None:
    """The sculpt face set of each face, or None where the mesh has none."""
    for name in FACE_SET_ATTRIBUTES:
        attribute = mesh.attributes.get(name)
        if attribute is not None and attribute.domain == "FACE" and attribute.data_type == "INT":
            values = np.empty(len(mesh.polygons), dtype=np.int32)
            attribute.data.foreach_get("value", values)
            return values
    return None


def face_groups(mesh, granularity: str, loop_start, loop_total):
    """Group of each face and the number of groups, for the per-mesh granularities.

    Returns ``(labels, n_groups)``; ``labels`` is None for FACE (each face its
    own group). Groups are numbered in order of their first face, so the
    numbering, and with it the colours, follow the mesh, not the run.
    """
    n_faces = len(loop_start)
    if granularity == "FACE":
        return None, n_faces
    if granularity == "ISLAND":
        return core.face_islands(loop_start, loop_total, corner_verts(mesh), len(mesh.vertices))
    if granularity == "UV_ISLAND":
        return core.uv_islands(loop_start, loop_total, corner_verts(mesh), corner_uvs(mesh))
    if granularity == "FACE_SET":
        sets = face_sets(mesh)
        if sets is None:
            return np.zeros(n_faces, dtype=np.int64), 1
        _, labels = np.unique(sets, return_inverse=True)
        return labels.ravel(), int(labels.max()) + 1
    raise ValueError(f"no per-mesh groups for granularity {granularity!r}")


def material_slots(mesh) -> np.ndarray:
    """Material slot of each face, clamped to the slots the mesh has (as Blender renders)."""
    slots = np.empty(len(mesh.polygons), dtype=np.int32)
    mesh.polygons.foreach_get("material_index", slots)
    return np.clip(slots, 0, max(len(mesh.materials) - 1, 0))


def color_mesh(
    mesh,
    settings: ColorSettings,
    *,
    palette: Palette | None = None,
    shared: SharedColors | None = None,
    object_name: str | None = None,
) -> MeshResult:
    """Give ``mesh`` random colours, one per group, in a face-corner attribute.

    Parameters
    ----------
    mesh : bpy.types.Mesh
        Original (not evaluated) mesh data, not in Edit Mode.
    settings : ColorSettings
        ``seed`` is combined with the mesh's full name (FACE, ISLAND,
        UV_ISLAND, FACE_SET, VERTEX), the object's (OBJECT) or the
        material's (MATERIAL), so meshes differ and the order of a run does
        not matter. With ``only_selected`` the other faces keep their values
        bit for bit.
    palette : Palette, optional
        Needed for colour mode PALETTE.
    shared : SharedColors, optional
        Object and material colours shaped over a whole run (see
        ``shared_colors``); computed for this mesh alone when omitted.
    object_name : str, optional
        The object the OBJECT colour belongs to; defaults to the mesh's name.

    Raises
    ------
    ColorError
        When the mesh cannot or must not be written; nothing is changed.
    """
    if not is_editable(mesh):
        raise ColorError(f"mesh '{mesh.name}' {not_editable_reason(mesh)}")
    if not is_original(mesh):
        # A write there succeeds and is thrown away at the next depsgraph update.
        raise ColorError(f"mesh '{mesh.name}' is an evaluated copy; write the original (object.data)")
    n_faces = len(mesh.polygons)
    if n_faces == 0:
        raise ColorError(f"mesh '{mesh.name}' has no faces")
    if settings.color_mode == "PALETTE" and palette is None:
        raise ColorError("colour mode PALETTE needs a palette")
    if settings.granularity == "UV_ISLAND" and mesh.uv_layers.active is None:
        raise ColorError(f"mesh '{mesh.name}' has no UV map, which UV islands need")
    n_loops = len(mesh.loops)

    name = resolve_attribute(mesh, settings.attribute_name)
    srgb_target = stores_srgb(mesh, name)
    loop_start, loop_total = face_corner_ranges(mesh)
    new_colors = corner_colors(
        mesh, settings, loop_start, loop_total, palette, shared, object_name, srgb_target
    )

    changed = n_faces
    if settings.only_selected:
        selection = selected_faces(mesh)
        changed = int(selection.sum())
        if changed < n_faces:
            corner_mask = core.loop_colors(loop_start, loop_total, selection[:, None], n_loops)[:, 0]
            current = read_corner_colors(mesh, name)
            current[corner_mask] = new_colors[corner_mask]
            new_colors = current

    write_corner_colors(mesh, name, new_colors)
    mesh.color_attributes.active_color = mesh.color_attributes[name]
    mesh.update()
    return MeshResult(mesh.name, name, n_faces, changed)


def corner_colors(mesh, settings, loop_start, loop_total, palette, shared, object_name, srgb_target):
    """(n_loops, 4) float32 colours in the attribute's space, for every corner."""
    n_loops = len(mesh.loops)
    granularity = settings.granularity
    if granularity in ("OBJECT", "MATERIAL"):
        keys = shared_keys(mesh, settings, object_name)
        if shared is None:
            shared = shared_colors(keys, settings, palette)
        key_rows = np.array([shared.index[key] for key in keys], dtype=np.int64)
        groups = shared.colors.take(key_rows).for_attribute(srgb_target)
        if granularity == "OBJECT":
            return np.ascontiguousarray(np.broadcast_to(groups[0], (n_loops, 4)))
        return core.loop_colors(loop_start, loop_total, groups[material_slots(mesh)], n_loops)

    rng = core.rng_for(settings.seed, mesh.name_full)
    if granularity == "VERTEX":
        draws = core.random_srgb16(rng, len(mesh.vertices), settings.random_alpha)
        vertex_colors = finish_colors(draws, settings, palette).for_attribute(srgb_target)
        return vertex_colors[corner_verts(mesh)]

    labels, n_groups = face_groups(mesh, granularity, loop_start, loop_total)
    # Every group gets a draw whether or not its faces are selected, so a
    # face's colour does not depend on the selection.
    draws = core.random_srgb16(rng, n_groups, settings.random_alpha)
    colors = finish_colors(draws, settings, palette).for_attribute(srgb_target)
    del draws  # freed before the (n_loops, 4) fill: keeps peak memory near the output's size
    face_colors = colors if labels is None else colors[labels]
    del colors
    return core.loop_colors(loop_start, loop_total, face_colors, n_loops)
