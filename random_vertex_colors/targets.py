# SPDX-License-Identifier: GPL-3.0-or-later
"""Which meshes a run colors: editable original data, each mesh once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from bpy.types import ID, Mesh, Object


@dataclass(frozen=True)
class Target:
    """A mesh to color and its objects, sorted by name; ``owner`` names the OBJECT color's object."""

    mesh: Mesh
    objects: tuple[Object, ...]

    @property
    def owner(self) -> Object:
        """The first of the mesh's objects by name."""
        return self.objects[0]


def is_editable(id_data: ID) -> bool:
    """True when edits to ``id_data`` are kept (local data, not linked, not an override).

    ``ID.is_editable`` exists from Blender 3.5 on; before it, linked data is
    what has a library. A library override is editable to Blender, but its
    attribute data is reloaded from the library: colors written there
    vanish on save and reload (tests/blender/test_hazards.py), so it counts
    as not editable here.
    """
    if getattr(id_data, "override_library", None) is not None:
        return False
    editable = getattr(id_data, "is_editable", None)
    if editable is not None:
        return bool(editable)
    return id_data.library is None


def not_editable_reason(id_data: ID) -> str:
    """Why edits to ``id_data`` would not be kept, for a report."""
    if getattr(id_data, "override_library", None) is not None:
        return "is a library override, whose colors would be lost on save"
    return "is linked from a library and cannot be edited"


def is_original(mesh: Mesh) -> bool:
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


def object_mesh(ob: Object) -> Mesh:
    """The mesh of a mesh object (``ob.type == 'MESH'``)."""
    return cast("Mesh", ob.data)


def why_object_is_skipped(ob: Object) -> str | None:
    """Why colors on mesh object ``ob`` would not be kept, or None when they would.

    The mesh must be editable (see ``is_editable``); a linked object is
    skipped too, even over a local mesh, as the user cannot change it.
    """
    mesh = object_mesh(ob)
    if not is_editable(mesh):
        return f"mesh '{mesh.name}' {not_editable_reason(mesh)}"
    if ob.library is not None:
        return "it is linked from a library"
    return None


def choose_targets(objects: Iterable[Object]) -> tuple[list[Target], list[str]]:
    """The unique editable meshes of ``objects``, and why other mesh objects were skipped.

    Objects that are not meshes are ignored. A mesh shared by several
    objects is colored once. Sorted by mesh name, each mesh's objects by
    name, so the outcome does not depend on selection order.
    """
    users: dict[int, tuple[Mesh, list[Object]]] = {}
    skipped = []
    for ob in objects:
        if ob.type != 'MESH':
            continue  # cameras, curves, empties: not ours to color, not worth a warning
        reason = why_object_is_skipped(ob)
        if reason is not None:
            skipped.append(f"'{ob.name}': {reason}")
            continue
        mesh = object_mesh(ob)
        users.setdefault(mesh.as_pointer(), (mesh, []))[1].append(ob)
    targets = [
        Target(mesh, tuple(sorted(dict.fromkeys(obs), key=lambda ob: ob.name_full)))
        for mesh, obs in users.values()
    ]
    return sorted(targets, key=lambda target: target.mesh.name_full), skipped
