# SPDX-License-Identifier: GPL-3.0-or-later
"""Coloring meshes: one run preparation and one per-mesh loop, for every front end.

``prepare_run`` chooses the targets, says which objects are skipped and why,
resolves the palette, checks every target's attribute and shapes the colors
shared across meshes, all before anything is written. ``color_run`` then
colors each mesh: read arrays, group, color, write. The operator and the
command line differ only in where the objects come from and how outcomes are
reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import core, mesh_arrays, stable
from .attributes import check_attribute, resolve_attribute
from .face_starts import face_corner_ranges
from .legend import MeshLegend
from .options import ColorError, ColorSettings
from .targets import Target, choose_targets, is_editable, is_original, not_editable_reason

if TYPE_CHECKING:
    from bpy.types import BlendDataPalettes, Mesh, Object, Palette


# Granularities whose stable keys are vertex positions (check_mesh refuses non-finite ones).
STABLE_BY_POSITION = ("FACE", "ISLAND", "UV_ISLAND", "VERTEX")


@dataclass(frozen=True)
class Masks:
    """Which corners (or, on points, vertices) may change: those of selected faces and/or vertices.

    ``faces``: ``only_selected`` on corners, or Vertex Paint's face mask; on
    points, the vertices of selected faces. ``vertices``: Vertex Paint's
    vertex mask, or ``only_selected`` on points. With both, a corner or
    vertex must pass both.
    """

    faces: bool = False
    vertices: bool = False


@dataclass(frozen=True)
class SharedColors:
    """Object and material colors shaped over a whole run; ``index`` maps a key to its row."""

    index: dict[str, int]
    colors: core.GroupColors


@dataclass(frozen=True)
class Run:
    """Everything a run needs before it writes."""

    settings: ColorSettings
    targets: list[Target]
    skipped: list[str]
    palette: core.Palette | None
    shared: SharedColors


@dataclass(frozen=True)
class MeshResult:
    """What coloring one mesh did."""

    mesh_name: str
    attribute: str
    faces: int
    changed_faces: int
    seconds: float
    notes: tuple[str, ...] = ()  # what a user should know about this mesh's result, e.g. jittered from black
    legend: MeshLegend | None = None  # the groups and their colors, when settings.legend


@dataclass(frozen=True)
class Outcome:
    """One target's result, or the error that stopped it (the mesh then is unchanged)."""

    target: Target
    result: MeshResult | None
    error: ColorError | None


def resolve_palette(
    settings: ColorSettings, palettes: BlendDataPalettes, tool_palette: Palette | None
) -> core.Palette | None:
    """The palette PALETTE mode takes colors from: the named one, else the Vertex Paint tool's.

    Returns None in other color modes.
    """
    if settings.color_mode != "PALETTE":
        return None
    if settings.palette_name:
        palette = palettes.get(settings.palette_name)
        if palette is None:
            raise ColorError(f"No palette named '{settings.palette_name}': check the Palette name")
    else:
        palette = tool_palette
        if palette is None:
            raise ColorError("No palette: name one in Palette, or give the Vertex Paint tool a palette")
    return mesh_arrays.read_palette(palette)


def shared_keys(mesh: Mesh, granularity: str, object_name: str) -> list[str]:
    """Keys of one mesh's groups whose color is shared across meshes.

    OBJECT: the object. MATERIAL: each material slot's material (an empty
    slot is the mesh's own), so one material gets one color everywhere.
    Other granularities share nothing across meshes.
    """
    if granularity == "OBJECT":
        return [f"object:{object_name}"]
    if granularity == "MATERIAL":
        keys = [
            f"material:{material.name_full}" if material is not None else f"slot:{mesh.name_full}:{slot}"
            for slot, material in enumerate(mesh.materials)
        ]
        return keys or [f"slot:{mesh.name_full}:0"]
    return []


def shared_colors(keys: Iterable[str], settings: ColorSettings, palette: core.Palette | None) -> SharedColors:
    """Colors for shared groups (objects, materials), shaped together.

    Each key draws from its own stream, so a key's color does not depend on
    which other keys are colored with it, except where the mode spreads
    colors over the set (DISTINCT, PALETTE), which is why they are shaped
    together, over every mesh of one run.
    """
    ordered = sorted(set(keys))
    if not ordered:
        return SharedColors({}, core.GroupColors(np.zeros((0, 4), np.uint16)))
    index = {key: row for row, key in enumerate(ordered)}
    if settings.color_mode == "JITTER":
        # The shifts, from JITTER's own streams; the colors they shift are each mesh's own.
        shifts = np.concatenate([core.random_srgb16(core.rng_for(settings.seed, key, "jitter"), 1, True)
                                 for key in ordered])
        return SharedColors(index, core.GroupColors(shifts))
    # One small draw per object or material: a loop over those, not over faces.
    draws = np.concatenate(
        [core.random_srgb16(core.rng_for(settings.seed, key), 1, settings.random_alpha) for key in ordered]
    )
    return SharedColors(index, shape_group_colors(draws, settings, palette))


def shape_group_colors(
    draws16: np.ndarray, settings: ColorSettings, palette: core.Palette | None
) -> core.GroupColors:
    """Shape draws into the color mode: ``core``'s, or with ``stable`` one that keeps each group's color."""
    if settings.stable:
        return stable.shape_group_colors(draws16, settings, palette)
    return core.shape_group_colors(draws16, settings, palette)


def prepare_run(
    objects: Iterable[Object],
    settings: ColorSettings,
    palettes: BlendDataPalettes,
    tool_palette: Palette | None,
) -> Run:
    """Choose the targets and check everything that can be checked before writing.

    Raises ColorError, having changed nothing, for a missing palette or an
    attribute that cannot be written on some target; objects that cannot be
    colored at all are listed in ``Run.skipped`` with the reason.
    """
    targets, skipped = choose_targets(objects)
    palette = resolve_palette(settings, palettes, tool_palette)
    for target in targets:
        check_attribute(target.mesh, settings.attribute_name, settings.domain)
    keys = [key for t in targets for key in shared_keys(t.mesh, settings.granularity, t.owner.name_full)]
    return Run(settings, targets, skipped, palette, shared_colors(keys, settings, palette))


def color_run(run: Run, masks_for: Callable[[Mesh], Masks] | None = None) -> list[Outcome]:
    """Color every target of ``run``; a target that is refused is left unchanged.

    ``masks_for`` gives each mesh's masks (the operator's paint masks);
    ``settings.only_selected`` adds the face mask to every mesh (the vertex
    mask when the domain is POINT).
    """
    outcomes = []
    for target in run.targets:
        masks = masks_for(target.mesh) if masks_for is not None else Masks()
        if run.settings.only_selected and run.settings.domain == "POINT":
            masks = Masks(faces=masks.faces, vertices=True)
        elif run.settings.only_selected:
            masks = Masks(faces=True, vertices=masks.vertices)
        try:
            result = color_mesh(target.mesh, run, target.owner.name_full, masks)
        except ColorError as error:
            outcomes.append(Outcome(target, None, error))
        else:
            outcomes.append(Outcome(target, result, None))
    return outcomes


def check_mesh(mesh: Mesh, run: Run) -> None:
    """Raise ColorError when ``mesh`` cannot or must not be written; changes nothing."""
    if not is_editable(mesh):
        raise ColorError(f"Mesh '{mesh.name}' {not_editable_reason(mesh)}")
    if not is_original(mesh):
        # A write there succeeds and is thrown away at the next depsgraph update.
        raise ColorError(f"Mesh '{mesh.name}' is an evaluated copy; write the original (object.data)")
    if len(mesh.polygons) == 0:
        raise ColorError(f"Mesh '{mesh.name}' has no faces")
    if run.settings.granularity == "UV_ISLAND" and mesh.uv_layers.active is None:
        raise ColorError(f"Mesh '{mesh.name}' has no UV map, which UV islands need: add one in UV Maps")
    check_attribute(mesh, run.settings.attribute_name, run.settings.domain)
    if run.settings.stable and run.settings.granularity in STABLE_BY_POSITION:
        bad = stable.check_finite_positions(mesh_arrays.vertex_positions(mesh))
        if bad is not None:
            raise ColorError(
                f"Mesh '{mesh.name}' has a NaN or infinite coordinate (vertex {bad}), which Stable cannot "
                "key colors by: fix the vertex, or turn Stable off"
            )


def color_mesh(mesh: Mesh, run: Run, object_name: str, masks: Masks | None = None) -> MeshResult:
    """Give ``mesh`` one random color per group in a face-corner (or, with POINT, point) attribute.

    Parameters
    ----------
    mesh : bpy.types.Mesh
        Original (not evaluated) mesh data, not in Edit Mode.
    run : Run
        From ``prepare_run``. ``seed`` is combined with the mesh's full name
        (FACE, ISLAND, UV_ISLAND, FACE_SET, VERTEX), the object's (OBJECT)
        or the material's (MATERIAL), so meshes differ and the order of a
        run does not matter.
    object_name : str
        The object the OBJECT color belongs to.
    masks : Masks, optional
        Corners (vertices) outside the masks keep their values bit for bit. Default: none.

    Raises
    ------
    ColorError
        When the mesh cannot or must not be written; nothing is changed.
    """
    started = time.perf_counter()
    settings = run.settings
    check_mesh(mesh, run)
    existing = {attribute.name for attribute in mesh.color_attributes}
    name = resolve_attribute(mesh, settings.attribute_name, settings.domain)
    srgb_target = mesh_arrays.stores_srgb(mesh, name)
    loop_start, loop_total = face_corner_ranges(mesh)
    created = name not in existing
    notes: tuple[str, ...] = ()
    if settings.color_mode == "JITTER" and created:
        notes = (f"'{name}' was new on mesh '{mesh.name}': jittered from black",)

    n_faces = len(loop_start)
    if settings.domain == "POINT":
        changed, legend = color_points(mesh, run, object_name, name, created, srgb_target, masks or Masks(),
                                       loop_start, loop_total)
        return MeshResult(mesh.name, name, n_faces, changed, time.perf_counter() - started, notes, legend)
    corner_mask = changed_corners(mesh, masks or Masks(), loop_start, loop_total)
    current = current_colors(mesh, name, created, corner_mask is not None, settings)
    groups = mesh_groups(mesh, run, object_name, loop_start, loop_total)
    blend_with = current if settings.reads_current_colors else None
    rows_srgb = group_rows_in_srgb(groups, settings, srgb_target, blend_with is not None)
    # Only the finished rows are kept: the draws are freed before the (n_loops, 4) fill.
    colors = mesh_group_colors(mesh, run, groups, srgb_target, loop_start, loop_total, current)
    legend = mesh_legend(mesh, object_name, settings.granularity, groups, colors) if settings.legend else None
    corners = None
    per_face = groups.face_labels is None and groups.element_labels is None
    if blend_with is None and not srgb_target and per_face:
        # FACE, a plain float write: the face colors go straight into the end of the corner
        # array, to be spread from there (peak memory: the output's, not 1.25 times it).
        corners = np.empty((len(mesh.loops), 4), dtype=np.float32)
        rows = colors.in_space(rows_srgb, out=corners[len(mesh.loops) - n_faces:])
    else:
        rows = colors.in_space(rows_srgb)
    del colors
    # A plain write to a byte attribute: one value per face where the write allows it,
    # with no corner array built, checked and reduced back to faces.
    plain_bytes = blend_with is None and corner_mask is None and srgb_target and groups.element_labels is None
    if plain_bytes and mesh_arrays.write_face_colors(mesh, name, face_rows_of(rows, groups, len(loop_start))):
        show_colors(mesh, name)
        return MeshResult(mesh.name, name, n_faces, n_faces, time.perf_counter() - started, notes, legend)
    # Blended into ``current`` itself unless a mask needs the colors there afterwards.
    new_colors = corner_colors(
        rows, rows_srgb, groups, settings, srgb_target, loop_start, loop_total, len(mesh.loops), blend_with,
        in_place=corner_mask is None, corners=corners,
    )
    del rows, corners

    changed = n_faces
    if corner_mask is not None:
        assert current is not None  # read above whenever there is a mask
        changed = core.faces_touched(loop_start, loop_total, corner_mask)
        current[corner_mask] = new_colors[corner_mask]
        new_colors = current

    store_colors(mesh, name, new_colors)
    return MeshResult(mesh.name, name, n_faces, changed, time.perf_counter() - started, notes, legend)


def current_colors(
    mesh: Mesh, name: str, created: bool, masked: bool, settings: ColorSettings
) -> np.ndarray | None:
    """The colors there, (n_elements, 4) float32 in the attribute's space, or None when not needed.

    Read only when the result depends on what is there (``masked``: some
    elements keep theirs): a plain write never pays for it. A new attribute
    starts from ``new_attribute_colors`` where the result depends on it.
    """
    if created and settings.reads_current_colors:
        return new_attribute_colors(len(mesh_arrays.color_attribute(mesh, name).data))
    if masked or settings.reads_current_colors:
        return mesh_arrays.read_colors(mesh, name)
    return None


def store_colors(mesh: Mesh, name: str, colors: np.ndarray) -> None:
    """Write ``colors`` (in the attribute's space) to attribute ``name`` and make it the active one."""
    mesh_arrays.write_colors(mesh, name, colors)
    show_colors(mesh, name)


def show_colors(mesh: Mesh, name: str) -> None:
    """Make the written attribute ``name`` the active one and tag the mesh for redraw."""
    mesh.color_attributes.active_color = mesh.color_attributes[name]
    mesh.update()


def mesh_legend(
    mesh: Mesh, object_name: str, granularity: str, groups: MeshGroups, colors: core.GroupColors
) -> MeshLegend:
    """The legend of one mesh's groups on the CORNER domain: keys, faces, each group's new color in sRGB.

    Faces per group; for VERTEX, the faces around the vertex (its corners).
    """
    keys = legend_keys(mesh, granularity, groups.n_groups, object_name)
    if groups.element_labels is not None:
        faces = np.bincount(groups.element_labels, minlength=groups.n_groups)
    elif groups.face_labels is None:
        faces = np.ones(groups.n_groups, dtype=np.int64)
    elif groups.n_groups == 1:
        faces = np.array([len(groups.face_labels)])
    else:
        faces = np.bincount(groups.face_labels, minlength=groups.n_groups)
    return MeshLegend(object_name, mesh.name, keys, faces.astype(np.int64), colors.in_space(srgb_target=True))


def new_attribute_colors(n_elements: int) -> np.ndarray:
    """What a new attribute holds before it is written, where the result depends on it: black, opaque.

    Blender fills a new color attribute with white; mixing, unchosen channels
    and JITTER start from black instead, so a channel packed alone into a new
    attribute sits beside zeros. (n_elements, 4) float32, the same in either space.
    """
    colors = np.zeros((n_elements, 4), dtype=np.float32)
    colors[:, 3] = 1.0
    return colors


def changed_corners(
    mesh: Mesh, masks: Masks, loop_start: np.ndarray, loop_total: np.ndarray
) -> np.ndarray | None:
    """(n_loops,) bool of the corners that may change, or None when all may."""
    mask = None
    if masks.faces:
        selection = mesh_arrays.selected_faces(mesh)
        if not selection.all():
            mask = core.loop_colors(loop_start, loop_total, selection[:, None], len(mesh.loops))[:, 0]
    if masks.vertices:
        selection = mesh_arrays.selected_vertices(mesh)
        if not selection.all():
            by_vertex = selection[mesh_arrays.corner_verts(mesh)]
            mask = by_vertex if mask is None else mask & by_vertex
    return mask


def face_groups(
    mesh: Mesh, granularity: str, loop_start: np.ndarray, loop_total: np.ndarray
) -> tuple[np.ndarray | None, int]:
    """Group of each face and the number of groups, for the per-mesh granularities.

    Returns ``(labels, n_groups)``; ``labels`` is None for FACE (each face its
    own group). Groups are numbered in order of their first face, so the
    numbering, and with it the colors, follow the mesh, not the run.
    """
    n_faces = len(loop_start)
    if granularity == "FACE":
        return None, n_faces
    if granularity == "ISLAND":
        verts = mesh_arrays.corner_verts(mesh)
        return core.face_islands(loop_start, loop_total, verts, len(mesh.vertices))
    if granularity == "UV_ISLAND":
        verts = mesh_arrays.corner_verts(mesh)
        return core.uv_islands(loop_start, loop_total, verts, mesh_arrays.corner_uvs(mesh))
    if granularity == "FACE_SET":
        sets = mesh_arrays.face_sets(mesh)
        if sets is None:
            return np.zeros(n_faces, dtype=np.int64), 1
        return core.value_labels(sets)
    raise ValueError(f"no per-mesh groups for granularity {granularity!r}")


def face_set_groups(mesh: Mesh) -> tuple[np.ndarray | None, np.ndarray]:
    """The face set ids in increasing order (None without face sets) and each face's row among them."""
    sets = mesh_arrays.face_sets(mesh)
    if sets is None:
        return None, np.zeros(len(mesh.polygons), dtype=np.int64)
    labels, n_sets = core.value_labels(sets)  # numbered as face_groups numbers them
    ids = np.empty(n_sets, dtype=np.int64)
    ids[labels] = sets
    return ids, labels


def legend_keys(
    mesh: Mesh, granularity: str, n_groups: int, object_name: str
) -> np.ndarray | list[str | None]:
    """Each group's legend key, in the order of ``mesh_groups``'s groups.

    OBJECT: the object's name. MATERIAL: each distinct key's material name,
    None for an empty slot (or no slot). FACE_SET: the face set id (None for
    a mesh without face sets, one group). Others: the face, island or vertex index.
    """
    if granularity == "OBJECT":
        return [object_name]
    if granularity == "MATERIAL":
        # shared_keys names each slot's material; a group is a distinct key, in sorted order.
        keys = shared_keys(mesh, granularity, object_name)
        slot_names = [material.name if material is not None else None for material in mesh.materials]
        first_slots = [keys.index(key) for key in sorted(set(keys))]
        return [slot_names[slot] if slot < len(slot_names) else None for slot in first_slots]
    if granularity == "FACE_SET":
        ids, _labels = face_set_groups(mesh)
        return [None] if ids is None else ids
    return np.arange(n_groups, dtype=np.int64)


def stable_key_hashes(
    mesh: Mesh,
    granularity: str,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    labels: np.ndarray | None,
    n_groups: int,
) -> np.ndarray:
    """(n_groups,) uint64: each per-mesh group's key hash, from what the group is (see ``stable``)."""
    if granularity == "FACE_SET":
        ids, _labels = face_set_groups(mesh)
        return stable.id_hashes(np.zeros(1, np.int64) if ids is None else ids)
    vertex_hashes = stable.position_hashes(mesh_arrays.vertex_positions(mesh))
    if granularity == "VERTEX":
        return vertex_hashes
    corner_verts = mesh_arrays.corner_verts(mesh)
    if labels is None:  # FACE: the sums are mixed with the seed by stable_draws
        return stable.face_hashes(loop_start, loop_total, corner_verts, vertex_hashes, mixed=False)
    faces = stable.face_hashes(loop_start, loop_total, corner_verts, vertex_hashes)
    return stable.group_hashes(labels, faces, n_groups)


def group_draws(
    mesh: Mesh,
    settings: ColorSettings,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    labels: np.ndarray | None,
    n_groups: int,
    stream: str = "",
) -> np.ndarray:
    """(n_groups, 4) uint16 draws of one mesh's groups: by index from the mesh's stream, or stable.

    ``labels``: each face's group (None for FACE and VERTEX), which stable
    island keys are made from. ``stream`` "jitter" draws JITTER's shifts
    (random alpha always drawn there).
    """
    random_alpha = settings.random_alpha or stream == "jitter"
    if settings.stable:
        hashes = stable_key_hashes(mesh, settings.granularity, loop_start, loop_total, labels, n_groups)
        return stable.stable_draws(hashes, settings.seed, random_alpha, stream)
    return core.random_srgb16(core.rng_for(settings.seed, mesh.name_full, stream), n_groups, random_alpha)


@dataclass(frozen=True)
class MeshGroups:
    """What shares a color on one mesh.

    ``face_labels``: each face's group, (n_faces,) int; None where each face
    is its own group (FACE) or the groups are per element. ``element_labels``:
    each element's group where groups are given per element of the attribute
    (VERTEX: each corner's vertex; the POINT domain: each vertex's group),
    else None. ``shared_rows``: for OBJECT and MATERIAL, each group's row in
    the run's ``SharedColors``, else None. ``island_faces``: where groups are
    per element but made of faces (the POINT domain's ISLAND), each face's
    group, which the stable keys are made from; else None.
    """

    n_groups: int
    face_labels: np.ndarray | None = None
    element_labels: np.ndarray | None = None
    shared_rows: list[int] | None = None
    island_faces: np.ndarray | None = None

    def key_faces(self) -> np.ndarray | None:
        """Each face's group for the stable keys (``group_draws``), None where groups are not of faces."""
        return self.face_labels if self.face_labels is not None else self.island_faces


def mesh_groups(
    mesh: Mesh, run: Run, object_name: str, loop_start: np.ndarray, loop_total: np.ndarray
) -> MeshGroups:
    """The groups of ``mesh`` for the run's granularity; OBJECT and MATERIAL ones are shared keys."""
    granularity = run.settings.granularity
    if granularity in ("OBJECT", "MATERIAL"):
        keys = shared_keys(mesh, granularity, object_name)
        distinct = sorted(set(keys))  # one group per key, however many slots hold it
        slot_groups = np.array([distinct.index(key) for key in keys], dtype=np.int64)
        if granularity == "OBJECT":
            face_labels = np.broadcast_to(slot_groups[0], (len(loop_start),))
        else:
            face_labels = slot_groups[mesh_arrays.material_slots(mesh)]
        return MeshGroups(len(distinct), face_labels, shared_rows=[run.shared.index[key] for key in distinct])
    if granularity == "VERTEX":
        return MeshGroups(len(mesh.vertices), element_labels=mesh_arrays.corner_verts(mesh))
    labels, n_groups = face_groups(mesh, granularity, loop_start, loop_total)
    return MeshGroups(n_groups, labels)


def mesh_group_colors(
    mesh: Mesh,
    run: Run,
    groups: MeshGroups,
    srgb_target: bool,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    current: np.ndarray | None = None,
) -> core.GroupColors:
    """One color per group of ``groups``, before it meets the attribute.

    Every group is colored whether or not its faces are selected, so a
    face's color does not depend on the selection. Groups draw from the
    mesh's stream by index, or with ``stable`` from their keys (see
    ``group_draws``); OBJECT and MATERIAL take the run's shared colors.
    JITTER shifts each group's mean color there (``current``, (n_loops, 4)
    float32 in the attribute's space, needed by JITTER only) by its own
    random hue, saturation and value, from JITTER's own stream of the mesh
    (or of each group's key with ``stable``; for OBJECT and MATERIAL, of the
    object or material, so one material shifts alike on every mesh); alpha
    opaque, never written (see ``ColorSettings.written_channels``).
    """
    settings = run.settings
    if settings.color_mode != "JITTER":
        if groups.shared_rows is not None:
            return run.shared.colors.take(groups.shared_rows)
        draws = group_draws(mesh, settings, loop_start, loop_total, groups.key_faces(), groups.n_groups)
        return shape_group_colors(draws, settings, run.palette)
    if current is None:
        raise ValueError("color mode JITTER needs the colors there")
    if groups.shared_rows is not None:
        shifts = run.shared.colors.values[groups.shared_rows]
    else:
        shifts = group_draws(
            mesh, settings, loop_start, loop_total, groups.key_faces(), groups.n_groups, "jitter"
        )
    face_labels = groups.face_labels
    if face_labels is None and groups.element_labels is None:
        face_labels = np.arange(groups.n_groups)
    means = existing_group_means(
        current, srgb_target, loop_start, loop_total, face_labels, groups.element_labels, groups.n_groups
    )
    half_widths = (settings.jitter_hue, settings.jitter_saturation, settings.jitter_value)
    return core.GroupColors(core.jitter_group_colors(means, shifts, half_widths))


def group_rows_in_srgb(groups: MeshGroups, settings: ColorSettings, srgb_target: bool, blends: bool) -> bool:
    """True when ``corner_colors`` takes the group colors in sRGB, False: in the attribute's space.

    A mix is taken in sRGB, so colors drawn in sRGB go into it as they are,
    not converted to scene linear and back; VERTEX blends per corner, in the
    attribute's space.
    """
    return srgb_target or (blends and settings.mix < 1.0 and groups.element_labels is None)


def corner_colors(
    rows: np.ndarray,
    rows_srgb: bool,
    groups: MeshGroups,
    settings: ColorSettings,
    srgb_target: bool,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    n_loops: int,
    current: np.ndarray | None = None,
    in_place: bool = False,
    corners: np.ndarray | None = None,
) -> np.ndarray:
    """(n_loops, 4) float32 in the attribute's space: each corner its group's color.

    Parameters
    ----------
    rows : (n_groups, 4) ndarray of float32
        Each group's color: in sRGB when ``rows_srgb`` (see
        ``group_rows_in_srgb``), else in the attribute's space.
    current : (n_loops, 4) ndarray of float32, optional
        The colors there, in the attribute's space, when the settings blend
        with them: the new colors then go only into the written channels,
        mixed by ``settings.mix``, per face before anything is spread to the
        corners, and into ``current`` itself when ``in_place``.
    corners : (n_loops, 4) ndarray of float32, optional
        Without ``current``: the array to fill, which may hold the face rows
        at its end already (``rows`` a view of them).
    """
    mix, written, linear = settings.mix, settings.written_channels, not srgb_target
    if groups.element_labels is not None:  # VERTEX
        new = np.take(rows, groups.element_labels, axis=0)  # 3x faster than rows[labels]
        if current is None:
            return new
        return core.blend_colors(current, new, mix, written, linear, reuse_new=True)
    if current is None and len(rows) == 1:  # one color for the whole mesh (OBJECT, a single island...)
        return np.tile(rows[0], n_loops).reshape(n_loops, 4)  # 3x faster than copying a broadcast
    if current is None:
        # The face rows go into the end of the corner array and are spread from there,
        # so they need no array of their own (peak memory: the output's, not 1.25 times it).
        if corners is None:
            corners = np.empty((n_loops, 4), dtype=np.float32)
        tail = corners[n_loops - len(loop_start):]
        if not np.may_share_memory(rows, tail):  # FACE's rows may be there already
            face_rows_of(rows, groups, len(loop_start), out=tail)
        return core.spread_face_rows(loop_start, loop_total, corners)
    face_rows = face_rows_of(rows, groups, len(loop_start))
    return core.blend_face_colors(
        current, face_rows, mix, written, linear, loop_start, loop_total,
        in_place=in_place, face_srgb=rows_srgb,
    )


def face_rows_of(
    rows: np.ndarray, groups: MeshGroups, n_faces: int, out: np.ndarray | None = None
) -> np.ndarray:
    """(n_faces, 4): each face's row of ``rows``, for groups given per face; into ``out`` when given."""
    if groups.face_labels is None:
        face_rows = rows
    elif len(rows) == 1:
        face_rows = np.broadcast_to(rows[0], (n_faces, 4))
    else:
        # mode="clip": labels lie in range, and "raise" would buffer ``out`` in a full-size copy.
        return np.take(rows, groups.face_labels, axis=0, out=out, mode="clip")
    if out is None:
        return face_rows
    out[...] = face_rows
    return out


def existing_group_means(
    current: np.ndarray,
    srgb_target: bool,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    face_labels: np.ndarray | None,
    element_labels: np.ndarray | None,
    n_groups: int,
) -> np.ndarray:
    """Each group's mean color over its corners, in sRGB: (n_groups, 3) float64.

    Groups are given per face (``face_labels``) or per corner
    (``element_labels``, VERTEX). Where every face's corners agree, the mean
    is taken over faces weighted by their corner counts: the same mean, from
    a quarter of the rows on quads, converted to sRGB a quarter as often.
    """
    weights = None
    if face_labels is not None:
        faces = core.uniform_face_colors(loop_start, loop_total, current)
        if faces is not None:
            rows, labels, weights = faces, face_labels, loop_total
        else:
            rows = current
            labels = core.loop_colors(loop_start, loop_total, face_labels[:, None], len(current))[:, 0]
    else:
        if element_labels is None:
            raise ValueError("groups need face_labels or element_labels")
        rows, labels = current, element_labels
    srgb = rows[:, :3] if srgb_target else core.linear_to_srgb(rows[:, :3])
    return core.group_means(labels, srgb, n_groups, weights)


def color_points(
    mesh: Mesh,
    run: Run,
    object_name: str,
    name: str,
    created: bool,
    srgb_target: bool,
    masks: Masks,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
) -> tuple[int, MeshLegend | None]:
    """Color the point-domain attribute ``name``: one color per vertex, as its corners get on CORNER.

    Vertices outside the masks, and with ISLAND the vertices in no face
    (loose vertices belong to no island), keep their values bit for bit.

    Returns
    -------
    changed : int
        How many faces have a vertex whose color changed.
    legend : MeshLegend or None
        The groups and their colors, when ``settings.legend``.
    """
    settings = run.settings
    verts = mesh_arrays.corner_verts(mesh)
    labels, n_groups = point_groups(mesh, settings.granularity, loop_start, loop_total, verts)
    vertex_mask = changed_vertices(mesh, masks, loop_start, loop_total, verts)
    if (labels < 0).any():
        vertex_mask = labels >= 0 if vertex_mask is None else vertex_mask & (labels >= 0)
    current = current_colors(mesh, name, created, vertex_mask is not None, settings)
    new_colors, legend = point_colors(
        mesh, run, object_name, labels, n_groups, srgb_target, current, loop_start, loop_total, verts
    )
    if current is not None and settings.reads_current_colors:
        new_colors = core.blend_colors(
            current, new_colors, settings.mix, settings.written_channels, not srgb_target, reuse_new=True
        )
    changed = len(loop_start)
    if vertex_mask is not None:
        assert current is not None  # read above whenever there is a mask
        changed = core.faces_touched(loop_start, loop_total, vertex_mask[verts])
        current[vertex_mask] = new_colors[vertex_mask]
        new_colors = current
    store_colors(mesh, name, new_colors)
    return changed, legend


def point_groups(
    mesh: Mesh, granularity: str, loop_start: np.ndarray, loop_total: np.ndarray, verts: np.ndarray
) -> tuple[np.ndarray, int]:
    """Group of each vertex, (n_verts,) int64, and the number of groups, for the POINT domain.

    VERTEX: each vertex its own group. ISLAND: the island of the faces
    around it, numbered as ``face_groups`` numbers them (-1 for a vertex in
    no face). OBJECT: one group. Other granularities split vertices between
    groups and are refused by the settings.
    """
    n_verts = len(mesh.vertices)
    if granularity == "VERTEX":
        return np.arange(n_verts, dtype=np.int64), n_verts
    if granularity == "OBJECT":
        return np.zeros(n_verts, dtype=np.int64), 1
    if granularity == "ISLAND":
        return core.vertex_islands(loop_start, loop_total, verts, n_verts)
    raise ValueError(f"granularity {granularity!r} cannot be stored on points")


def changed_vertices(
    mesh: Mesh, masks: Masks, loop_start: np.ndarray, loop_total: np.ndarray, verts: np.ndarray
) -> np.ndarray | None:
    """(n_verts,) bool of the vertices that may change, or None when all may.

    The face mask lets through the vertices of selected faces (a vertex with
    at least one selected face); the vertex mask the selected vertices.
    """
    mask = None
    if masks.faces:
        faces = mesh_arrays.selected_faces(mesh)
        selected_corners = core.loop_colors(loop_start, loop_total, faces[:, None], len(verts))[:, 0]
        mask = np.zeros(len(mesh.vertices), dtype=bool)
        mask[verts[selected_corners]] = True
    if masks.vertices:
        selection = mesh_arrays.selected_vertices(mesh)
        mask = selection if mask is None else mask & selection
    return None if mask is None or mask.all() else mask


def point_colors(
    mesh: Mesh,
    run: Run,
    object_name: str,
    labels: np.ndarray,
    n_groups: int,
    srgb_target: bool,
    current: np.ndarray | None,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    verts: np.ndarray,
) -> tuple[np.ndarray, MeshLegend | None]:
    """(n_verts, 4) float32 colors in the attribute's space, one per vertex, from its group; the legend.

    The same draws as ``mesh_group_colors`` on corners for VERTEX, ISLAND
    and OBJECT (stable or not), so a vertex gets the color its corners get
    on the CORNER domain. ``labels``: the group of each vertex, -1 for a
    vertex that keeps its color (its row is then a placeholder). ``current``
    ((n_verts, 4), the colors there) is needed by JITTER only, which shifts
    each group's mean over its vertices. ``verts``: each corner's vertex.
    The legend (None unless ``settings.legend``) is ``point_legend``'s.
    """
    settings = run.settings
    grouped = labels >= 0
    shared_rows = island_faces = None
    if settings.granularity == "OBJECT":
        shared_rows = [run.shared.index[shared_keys(mesh, "OBJECT", object_name)[0]]]
    elif settings.granularity == "ISLAND":  # each face's island is its first vertex's
        island_faces = labels[verts[loop_start]]
    groups = MeshGroups(n_groups, element_labels=labels[grouped], shared_rows=shared_rows,
                        island_faces=island_faces)
    there = None if current is None else current[grouped]
    colors = mesh_group_colors(mesh, run, groups, srgb_target, loop_start, loop_total, there)
    legend = None
    if settings.legend:
        legend = point_legend(mesh, object_name, settings.granularity, groups, colors, verts)
    return colors.in_space(srgb_target)[np.where(grouped, labels, 0)], legend


def point_legend(
    mesh: Mesh,
    object_name: str,
    granularity: str,
    groups: MeshGroups,
    colors: core.GroupColors,
    verts: np.ndarray,
) -> MeshLegend:
    """The legend of a POINT-domain run: keys and faces as on the CORNER domain, each group's color."""
    n_groups = groups.n_groups
    keys = legend_keys(mesh, granularity, n_groups, object_name)
    if groups.island_faces is not None:  # ISLAND
        faces = np.bincount(groups.island_faces, minlength=n_groups)
    elif granularity == "VERTEX":  # the faces around each vertex, counted by its corners
        faces = np.bincount(verts, minlength=n_groups)
    else:  # OBJECT
        faces = np.array([len(mesh.polygons)])
    return MeshLegend(object_name, mesh.name, keys, faces.astype(np.int64), colors.in_space(srgb_target=True))


def color_mesh_alone(mesh: Mesh, settings: ColorSettings, palette: core.Palette | None = None) -> MeshResult:
    """Color one mesh with no objects around it (scripts, benchmarks); raises ColorError.

    OBJECT takes the mesh's name for the object's.
    """
    keys = shared_keys(mesh, settings.granularity, mesh.name_full)
    run = Run(settings, [], [], palette, shared_colors(keys, settings, palette))
    return color_mesh(mesh, run, mesh.name_full)
