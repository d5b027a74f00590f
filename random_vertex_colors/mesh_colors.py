# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of colouring one mesh: read arrays, call the core, write.

Shared by the operator and the command line. Nothing here draws UI or
changes modes: callers hand in a mesh in Object Mode data (not an Edit Mode
mesh, not an evaluated copy) and get back what was done or why not.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, fields

import numpy as np

from . import core

COLOR_TYPES = {"FLOAT_COLOR", "BYTE_COLOR"}
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

    @classmethod
    def from_properties(cls, owner) -> ColorSettings:
        """Build from any object with attributes of the same names (an operator, argparse)."""
        return cls(**{field.name: getattr(owner, field.name) for field in fields(cls)})


@dataclass
class MeshResult:
    mesh_name: str
    attribute: str
    faces: int
    changed_faces: int


def is_editable(id_data) -> bool:
    """True when edits to ``id_data`` are kept (local data, not linked).

    ``ID.is_editable`` exists from Blender 3.5 on; before it, linked data is
    what has a library.
    """
    editable = getattr(id_data, "is_editable", None)
    if editable is not None:
        return bool(editable)
    return id_data.library is None


def check_attribute(mesh, attribute_name: str) -> None:
    """Raise ColorError if ``attribute_name`` cannot be written on ``mesh``.

    Changes nothing, so a caller can check every mesh before writing any.
    An empty name is always acceptable (see ``resolve_attribute``).
    """
    if not attribute_name:
        return
    if len(attribute_name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ColorError(
            f"attribute name '{attribute_name[:24]}...' is longer than "
            f"{MAX_NAME_BYTES} bytes, which Blender cannot store"
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


def write_corner_colors(mesh, name: str, values: np.ndarray) -> None:
    """Write (n_loops, 4) values, given in the attribute's own space, to attribute ``name``.

    ``foreach_set`` is fast only for a contiguous 1-D array of the property's
    own dtype (float32): anything else is converted element by element.
    BYTE_COLOR has no fast ``foreach_set`` at all (an RNA setter per corner);
    where every face's corners agree, ``byte_colors`` writes one value per
    face and lets Blender copy it to the corners, with the same bytes.
    """
    attribute = mesh.attributes[name]  # fetched here: earlier references may be stale
    flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
    if attribute.data_type == "BYTE_COLOR":
        from . import byte_colors  # imports bpy: only here, so this module loads without Blender

        if byte_colors.applies(mesh, name, flat.size):
            loop_start, loop_total = face_corner_ranges(mesh)
            if byte_colors.write_bytes_by_face(mesh, name, flat.reshape(-1, 4), loop_start, loop_total):
                return
            attribute = mesh.attributes[name]  # the attempt may have added and removed attributes
    attribute.data.foreach_set(_value_property(attribute), flat)


def color_mesh(mesh, settings: ColorSettings) -> MeshResult:
    """Give every face of ``mesh`` a random colour in a face-corner attribute.

    Parameters
    ----------
    mesh : bpy.types.Mesh
        Original (not evaluated) mesh data, not in Edit Mode.
    settings : ColorSettings
        ``seed`` is combined with the mesh's full name, so meshes differ;
        ``attribute_name`` is resolved by ``resolve_attribute``; with
        ``only_selected`` other faces keep their values bit for bit.

    Raises
    ------
    ColorError
        When the mesh cannot or must not be written; nothing is changed.
    """
    if not is_editable(mesh):
        raise ColorError(f"mesh '{mesh.name}' is linked from a library and cannot be edited")
    n_faces = len(mesh.polygons)
    if n_faces == 0:
        raise ColorError(f"mesh '{mesh.name}' has no faces")
    n_loops = len(mesh.loops)

    name = resolve_attribute(mesh, settings.attribute_name)
    loop_start, loop_total = face_corner_ranges(mesh)

    # Every face gets a draw whether or not it is selected, so a face's
    # colour does not depend on the selection.
    srgb16 = core.random_srgb16(core.rng_for(settings.seed, mesh.name_full), n_faces)
    to_target = core.srgb16_to_float if stores_srgb(mesh, name) else core.srgb16_to_linear
    face_colors = to_target(srgb16)
    del srgb16  # freed before the (n_loops, 4) fill: keeps peak memory near the output's size
    new_colors = core.loop_colors(loop_start, loop_total, face_colors, n_loops)
    del face_colors

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
