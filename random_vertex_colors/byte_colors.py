# SPDX-License-Identifier: GPL-3.0-or-later
"""Byte colours written once per face and copied to the corners by Blender.

Writing a BYTE_COLOR attribute from Python goes through an RNA setter per
corner (``color_srgb``: ~25 ns each, 100 ms for a million quads; ``color``
is twice as slow), since byte colours have no raw array access. When every
face's corners share one colour, as they do for any per-face colouring,
this module writes one value per face instead, into a temporary FACE-domain
BYTE_COLOR attribute, lets Blender's ``geometry.attribute_convert`` copy it
to the corners in C++ (~5 ms for 4M corners), and puts the result in place
of the target under the target's name. Byte to byte, face to corner is a
plain copy, so the bytes are those the per-corner setter writes
(``tests/blender/test_byte_colors.py`` proves it in every Blender).

It is used only where it is measured to pay and cannot disturb anything:
Blender 4.2 or later (3.4's conversion takes 335 ms), the mesh not open in
any mode but Object Mode (a paint mode keeps pointers into the mesh's
attributes), and only where adding the target anew keeps the attributes'
order. Blender up to 5.0 lists attributes by domain and type, so there the
target must be the last byte colour attribute on face corners; 5.2 and
later list them in the order they were made, so there it must be the last
attribute of all. ``applies`` tells the two apart by whether the list is
grouped by domain; ``write_bytes_by_face`` checks the order again once the
converted attribute exists and gives up if it would differ. The target
keeps its name, type, domain, and its place as the active, render and active
generic attribute; no temporary attribute or object is left behind, even on
error. ``write_bytes_by_face`` returns False, having changed nothing,
whenever it does not apply: the caller then writes the corners itself.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, cast

import bpy
import numpy as np

from . import core

if TYPE_CHECKING:
    from bpy.types import ByteColorAttribute, Mesh

MIN_BLENDER = (4, 2, 0)
# Below this many corners the plain write takes under a millisecond, less
# than creating the temporary object and attribute.
MIN_CORNERS = 32768
TEMP_NAME = "rvc-face-bytes"
# How Blender up to 5.0 lists attributes: by domain, in this order.
DOMAIN_ORDER = ('POINT', 'EDGE', 'FACE', 'CORNER')


def applies(mesh: Mesh, name: str, n_values: int) -> bool:
    """True when ``write_bytes_by_face`` may be tried for attribute ``name``.

    Cheap checks only (no array is read): version, size, modes, order.
    """
    if bpy.app.version < MIN_BLENDER or mesh.is_editmode:
        return False
    n_corners = len(mesh.loops)
    if n_corners < MIN_CORNERS or n_values != 4 * n_corners:
        return False
    if any(ob.mode != 'OBJECT' and ob.data == mesh for ob in bpy.data.objects):
        return False
    listed = [(a.name, a.domain, a.data_type) for a in mesh.attributes]
    corner_bytes = [n for n, domain, data_type in listed if domain == 'CORNER' and data_type == 'BYTE_COLOR']
    if not corner_bytes or corner_bytes[-1] != name:
        return False
    # Listed in creation order (5.2+), the converted attribute comes last.
    return _grouped_by_domain([domain for _, domain, _ in listed]) or listed[-1][0] == name



def _grouped_by_domain(domains: list[str]) -> bool:
    """True when ``domains`` run point, edge, face, corner, as Blender up to 5.0 lists attributes."""
    ranks = [DOMAIN_ORDER.index(d) if d in DOMAIN_ORDER else len(DOMAIN_ORDER) for d in domains]
    return all(a <= b for a, b in itertools.pairwise(ranks))


def write_bytes_by_face(
    mesh: Mesh, name: str, corner_srgb: np.ndarray, loop_start: np.ndarray, loop_total: np.ndarray
) -> bool:
    """Write sRGB corner colours to BYTE_COLOR attribute ``name`` one face at a time.

    Parameters
    ----------
    mesh : bpy.types.Mesh
        Object-mode data, checked with ``applies`` first.
    name : str
        A BYTE_COLOR attribute on the CORNER domain.
    corner_srgb : (n_loops, 4) array of float32
        sRGB values, as ``color_srgb`` takes them.
    loop_start, loop_total : (n_faces,) arrays of int
        The mesh's faces, as from ``face_starts.face_corner_ranges``.

    Returns
    -------
    bool
        True when the colours were written; False when some face's corners
        differ or Blender refused a step, and the mesh is as it was.
    """
    face_srgb = core.uniform_face_colors(loop_start, loop_total, corner_srgb)
    if face_srgb is None:
        return False
    return write_face_bytes(mesh, name, face_srgb)


def write_face_bytes(mesh: Mesh, name: str, face_srgb: np.ndarray) -> bool:
    """Write one sRGB color per face to corner BYTE_COLOR attribute ``name``: each face's corners get it.

    ``face_srgb`` is (n_faces, 4) float32, as ``color_srgb`` takes it. The
    per-face part of ``write_bytes_by_face``, for callers that have the face
    colors already (no corner array built, no check that corners agree).
    Returns False, the mesh as it was, where a step is refused.
    """
    if np.shape(face_srgb) != (len(mesh.polygons), 4):
        raise ValueError(f"expected ({len(mesh.polygons)}, 4) face colors, got {np.shape(face_srgb)}")
    face_srgb = np.ascontiguousarray(face_srgb, dtype=np.float32).reshape(-1)
    attributes = mesh.attributes
    kept = _ActiveNames(mesh)
    order = [a.name for a in attributes]
    temp = _unused_name(mesh, TEMP_NAME)
    aside = _unused_name(mesh, TEMP_NAME + "-previous")
    carrier = None
    try:
        created = attributes.new(temp, 'BYTE_COLOR', 'FACE')
        if created is None:  # up to 5.0, Blender refuses a name it cannot take
            return False
        temp = created.name  # 5.2+ picks another name instead (say, one a vertex group has)
        fresh = cast("ByteColorAttribute", attributes[temp])  # fetched anew: new() made refs stale
        fresh.data.foreach_set("color_srgb", face_srgb)
        attributes.active = attributes[temp]
        # The operator converts the active attribute of the context's object.
        carrier = bpy.data.objects.new(temp, mesh)
        with bpy.context.temp_override(object=carrier):
            bpy.ops.geometry.attribute_convert(mode='GENERIC', domain='CORNER', data_type='BYTE_COLOR')
        converted = attributes.get(temp)
        if converted is None or (converted.domain, converted.data_type) != ('CORNER', 'BYTE_COLOR'):
            return False
        if [name if n == temp else n for n in (a.name for a in attributes) if n != name] != order:
            return False  # the attribute list would come out in another order
        target = attributes[name]
        target.name = aside
        if target.name == name:  # the rename was refused: leave the target alone
            return False
        aside = target.name
        replacement = attributes[temp]
        replacement.name = name
        if replacement.name != name:
            replacement.name = temp  # the clean-up below puts the target back
            temp = replacement.name
            return False
        attributes.remove(attributes[aside])
        return True
    except (RuntimeError, TypeError, KeyError):
        return False
    finally:
        if carrier is not None:
            bpy.data.objects.remove(carrier)
        _clean_up(mesh, name, temp, aside)
        kept.restore(mesh)


class _ActiveNames:
    """Which attributes are active (colour, render colour, generic), by name."""

    def __init__(self, mesh: Mesh) -> None:
        colors = mesh.color_attributes
        self.active_color = colors.active_color_name
        self.render_color = colors.default_color_name
        active = mesh.attributes.active
        self.active = active.name if active is not None else None

    def restore(self, mesh: Mesh) -> None:
        colors = mesh.color_attributes
        if colors.active_color_name != self.active_color:
            colors.active_color_name = self.active_color
        if colors.default_color_name != self.render_color:
            colors.default_color_name = self.render_color
        attributes = mesh.attributes
        attributes.active = attributes.get(self.active) if self.active is not None else None


def _unused_name(mesh: Mesh, base: str) -> str:
    name, number = base, 0
    while name in mesh.attributes:
        number += 1
        name = f"{base}.{number:03d}"
    return name


def _clean_up(mesh: Mesh, name: str, temp: str, aside: str) -> None:
    """Leave the target under its own name and no temporary attribute."""
    attributes = mesh.attributes
    if name not in attributes and aside in attributes:
        attributes[aside].name = name
    for leftover in (temp, aside):
        if leftover != name and leftover in attributes:
            attributes.remove(attributes[leftover])
