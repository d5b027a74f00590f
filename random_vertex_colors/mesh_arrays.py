# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and writing a mesh's arrays with ``foreach_get`` and ``foreach_set``.

Everything the coloring reads from a mesh (corner vertices, UVs, face sets,
material slots, selections, palettes) and the one place colors are written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from . import core
from .options import ColorError

if TYPE_CHECKING:
    from bpy.types import (
        Attribute,
        Float2Attribute,
        FloatColorAttribute,
        FloatVectorAttribute,
        IntAttribute,
        Mesh,
        Palette,
    )

FACE_SET_ATTRIBUTES = (".sculpt_face_set", "sculpt_face_set")  # 4.0+, and the name 3.x scripts used


def corner_verts(mesh: Mesh) -> np.ndarray:
    """The vertex of each corner, (n_loops,) int32."""
    values = np.empty(len(mesh.loops), dtype=np.int32)
    attribute = mesh.attributes.get(".corner_vert")  # 3.6+: a plain int array, read directly
    if attribute is not None:
        cast("IntAttribute", attribute).data.foreach_get("value", values)
    else:
        mesh.loops.foreach_get("vertex_index", values)
    return values


def vertex_positions(mesh: Mesh) -> np.ndarray:
    """Each vertex's object-space position, (n_verts, 3) float32."""
    values = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
    attribute = mesh.attributes.get("position")  # 3.5+: a plain float vector array, read directly
    if attribute is not None and attribute.data_type == 'FLOAT_VECTOR' and attribute.domain == 'POINT':
        cast("FloatVectorAttribute", attribute).data.foreach_get("vector", values)
    else:
        mesh.vertices.foreach_get("co", values)
    return values.reshape(-1, 3)


def corner_uvs(mesh: Mesh) -> np.ndarray:
    """The active UV map's UV of each corner, (n_loops, 2) float32."""
    uv_layer = mesh.uv_layers.active
    if uv_layer is None:
        raise ColorError(f"Mesh '{mesh.name}' has no UV map, which UV islands need: add one in UV Maps")
    values = np.empty(len(mesh.loops) * 2, dtype=np.float32)
    attribute = _uv_attribute(mesh, uv_layer.name)
    if attribute is not None:
        # 3.5+: the UV map is a FLOAT2 corner attribute, read as one block;
        # ``uv_layer.data`` calls a getter per corner, about 200 times slower.
        attribute.data.foreach_get("vector", values)
    else:
        uv_layer.data.foreach_get("uv", values)
    return values.reshape(-1, 2)


def _uv_attribute(mesh: Mesh, name: str) -> Float2Attribute | None:
    """The FLOAT2 corner attribute that stores UV map ``name`` (Blender 3.5+), else None."""
    import bpy  # here, so this module loads without Blender

    if bpy.app.version < (3, 5, 0):  # UV maps were not attributes yet; a namesake would be another layer
        return None
    attribute = mesh.attributes.get(name)
    if attribute is None or attribute.domain != 'CORNER' or attribute.data_type != 'FLOAT2':
        return None
    return cast("Float2Attribute", attribute)


def face_sets(mesh: Mesh) -> np.ndarray | None:
    """The sculpt face set of each face, (n_faces,) int32, or None where the mesh has none."""
    for name in FACE_SET_ATTRIBUTES:
        attribute = mesh.attributes.get(name)
        if attribute is not None and attribute.domain == 'FACE' and attribute.data_type == 'INT':
            values = np.empty(len(mesh.polygons), dtype=np.int32)
            cast("IntAttribute", attribute).data.foreach_get("value", values)
            return values
    return None


def material_slots(mesh: Mesh) -> np.ndarray:
    """Material slot of each face, (n_faces,) int32, clamped to the mesh's slots (as Blender renders)."""
    slots = np.empty(len(mesh.polygons), dtype=np.int32)
    attribute = mesh.attributes.get("material_index")
    if attribute is None:
        # 3.4+ keeps material indices in this attribute and drops it while every face is 0.
        slots.fill(0)
    elif attribute.domain == 'FACE' and attribute.data_type == 'INT':
        # One block read; ``polygons.foreach_get`` calls a getter per face, about 1000 times slower.
        cast("IntAttribute", attribute).data.foreach_get("value", slots)
    else:
        mesh.polygons.foreach_get("material_index", slots)
    highest = max(len(mesh.materials) - 1, 0)
    if slots.size and (slots.min() < 0 or slots.max() > highest):
        np.clip(slots, 0, highest, out=slots)
    return slots


def selected_faces(mesh: Mesh) -> np.ndarray:
    """Face selection flags, (n_faces,) bool: the Edit Mode selection, also the paint face mask."""
    selection = np.empty(len(mesh.polygons), dtype=bool)
    mesh.polygons.foreach_get("select", selection)
    return selection


def selected_vertices(mesh: Mesh) -> np.ndarray:
    """Vertex selection flags, (n_verts,) bool: also the paint vertex mask."""
    selection = np.empty(len(mesh.vertices), dtype=bool)
    mesh.vertices.foreach_get("select", selection)
    return selection


def read_palette(palette: Palette) -> core.Palette:
    """Read a ``bpy.types.Palette``; its colors' subtype says their space.

    Blender 4+ stores palette colors scene linear (subtype COLOR), 3.x as
    sRGB (COLOR_GAMMA). Raises ColorError for a palette with no colors.
    """
    colors = palette.colors
    if len(colors) == 0:
        raise ColorError(f"Palette '{palette.name}' has no colors: add some, or pick another palette")
    rgb = np.empty(len(colors) * 3, dtype=np.float32)
    colors.foreach_get("color", rgb)
    subtype = type(colors[0]).bl_rna.properties["color"].subtype
    return core.Palette(rgb.reshape(-1, 3), linear=subtype != 'COLOR_GAMMA')


def value_property(attribute: Attribute) -> str:
    """The property to read and write an attribute in its own space.

    FLOAT_COLOR stores scene-linear floats (``color``); BYTE_COLOR stores
    sRGB bytes, written exactly through ``color_srgb``. Each round trip stays
    in the attribute's own space, so colors we do not change stay bit-identical.
    """
    return "color_srgb" if attribute.data_type == 'BYTE_COLOR' else "color"


def stores_srgb(mesh: Mesh, name: str) -> bool:
    """True when attribute ``name`` takes sRGB values (BYTE_COLOR), False for scene linear."""
    return value_property(mesh.attributes[name]) == "color_srgb"


def color_attribute(mesh: Mesh, name: str) -> FloatColorAttribute:
    """Color attribute ``name``, fetched now: earlier references may be stale.

    Typed as FLOAT_COLOR; a BYTE_COLOR attribute has the same ``data`` interface.
    """
    return cast("FloatColorAttribute", mesh.attributes[name])


def read_colors(mesh: Mesh, name: str) -> np.ndarray:
    """The attribute's values in its own space, shape (n_elements, 4) float32."""
    attribute = color_attribute(mesh, name)
    values = np.empty(len(attribute.data) * 4, dtype=np.float32)
    attribute.data.foreach_get(value_property(attribute), values)
    return values.reshape(-1, 4)


def foreach_floats(values: np.ndarray) -> np.ndarray:
    """``values`` as the contiguous 1-D float32 array that ``foreach_set`` reads fast.

    No copy when it already is one. float64 or strided input is converted
    here by numpy, once: handed to ``foreach_set`` as is, Blender accepts it
    silently and converts it element by element (docs/performance.md).
    """
    return np.ascontiguousarray(values, dtype=np.float32).reshape(-1)


def write_colors(mesh: Mesh, name: str, values: np.ndarray) -> None:
    """Write (n_elements, 4) values, given in the attribute's own space, to attribute ``name``.

    BYTE_COLOR has no fast ``foreach_set`` (an RNA setter per corner); where
    every face's corners agree, ``byte_colors`` writes one value per face
    and lets Blender copy it to the corners, with the same bytes.
    """
    attribute = color_attribute(mesh, name)
    if np.shape(values) != (len(attribute.data), 4):
        raise ValueError(f"expected ({len(attribute.data)}, 4) colors for '{name}', got {np.shape(values)}")
    flat = foreach_floats(values)
    if attribute.data_type == 'BYTE_COLOR' and attribute.domain == 'CORNER':
        from . import byte_colors, face_starts  # import bpy: only here, so this module loads without Blender

        if byte_colors.applies(mesh, name, flat.size):
            loop_start, loop_total = face_starts.face_corner_ranges(mesh)
            if byte_colors.write_bytes_by_face(mesh, name, flat.reshape(-1, 4), loop_start, loop_total):
                return
            attribute = color_attribute(mesh, name)  # the attempt may have added and removed attributes
    attribute.data.foreach_set(value_property(attribute), flat)


def write_face_colors(mesh: Mesh, name: str, face_values: np.ndarray) -> bool:
    """Give every corner of each face that face's value, where one value per face is cheaper; else False.

    Only BYTE_COLOR corner attributes gain from it (a setter per face instead
    of per corner, see ``write_colors``); for every other attribute, or where
    ``byte_colors`` does not apply, returns False having written nothing, and
    the caller writes the corners.
    """
    attribute = color_attribute(mesh, name)
    if attribute.data_type != 'BYTE_COLOR' or attribute.domain != 'CORNER':
        return False
    from . import byte_colors  # import bpy: only here, so this module loads without Blender

    if not byte_colors.applies(mesh, name, 4 * len(attribute.data)):
        return False
    return byte_colors.write_face_bytes(mesh, name, face_values)
