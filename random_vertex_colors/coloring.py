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


@dataclass(frozen=True)
class MeshGroups:
    """One mesh's groups: each group's color, which faces or corners it covers, its legend key.

    ``face_labels``: (n_faces,) group of each face; ``corner_labels``: VERTEX's
    (n_loops,) group of each corner; neither: FACE (group i is face i), or
    ``whole``: one group covering the mesh (OBJECT). ``keys``: each group's
    legend key, (n_groups,) int64 or a list of names (None for an empty slot).
    """

    colors: core.GroupColors
    keys: np.ndarray | list[str | None]
    face_labels: np.ndarray | None = None
    corner_labels: np.ndarray | None = None
    whole: bool = False

    def face_counts(self, n_faces: int) -> np.ndarray:
        """(n_groups,) int64 faces per group; VERTEX: the corners around each vertex."""
        n_groups = len(self.keys)
        if self.whole:
            return np.full(n_groups, n_faces, dtype=np.int64)
        labels = self.corner_labels if self.corner_labels is not None else self.face_labels
        if labels is None:
            return np.ones(n_groups, dtype=np.int64)
        return np.bincount(labels, minlength=n_groups).astype(np.int64)

    def corner_colors(self, srgb_target: bool, loop_start: np.ndarray, loop_total: np.ndarray,
                      n_loops: int) -> np.ndarray:
        """(n_loops, 4) float32 colors in the attribute's space, for every corner."""
        colors = self.colors.in_space(srgb_target)
        if self.whole:
            return np.ascontiguousarray(np.broadcast_to(colors[0], (n_loops, 4)))
        if self.corner_labels is not None:
            return colors[self.corner_labels]
        face_colors = colors if self.face_labels is None else colors[self.face_labels]
        del colors  # freed before the (n_loops, 4) fill: keeps peak memory near the output's size
        return core.loop_colors(loop_start, loop_total, face_colors, n_loops)


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
    groups = mesh_groups(mesh, run, object_name, loop_start, loop_total, srgb_target, current)
    new_colors = groups.corner_colors(srgb_target, loop_start, loop_total, len(mesh.loops))
    legend = mesh_legend(groups, object_name, mesh, n_faces) if settings.legend else None
    del groups  # the group colors and labels, freed before the blend and the write
    if current is not None:
        new_colors = blend_with_current(new_colors, current, settings, srgb_target, loop_start, loop_total)

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
    mesh.color_attributes.active_color = mesh.color_attributes[name]
    mesh.update()


def mesh_legend(groups: MeshGroups, object_name: str, mesh: Mesh, n_faces: int) -> MeshLegend:
    """The legend of one mesh's groups: keys, faces, each group's new color in sRGB."""
    srgb = groups.colors.in_space(srgb_target=True)
    return MeshLegend(object_name, mesh.name, groups.keys, groups.face_counts(n_faces), srgb)


def new_attribute_colors(n_elements: int) -> np.ndarray:
    """What a new attribute holds before it is written, where the result depends on it: black, opaque.

    Blender fills a new color attribute with white; mixing, unchosen channels
    and JITTER start from black instead, so a channel packed alone into a new
    attribute sits beside zeros. (n_elements, 4) float32, the same in either space.
    """
    colors = np.zeros((n_elements, 4), dtype=np.float32)
    colors[:, 3] = 1.0
    return colors


def blend_with_current(
    new_colors: np.ndarray,
    current: np.ndarray,
    settings: ColorSettings,
    srgb_target: bool,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
) -> np.ndarray:
    """The new colors on the chosen channels, mixed with the colors there by ``settings.mix``.

    Parameters
    ----------
    new_colors, current : (n_elements, 4) ndarray of float32
        In the attribute's space. ``current`` is not changed.
    settings : ColorSettings
        ``mix`` and ``written_channels``.
    srgb_target : bool
        The attribute stores sRGB (else scene linear; the mix is in sRGB either way).
    loop_start, loop_total : (n_faces,) ndarray of int
        The faces, for blending once per face where the corners of each face agree.

    Returns
    -------
    (n_elements, 4) ndarray of float32
        ``new_colors`` itself when every channel is written with mix 1.
    """
    if not settings.reads_current_colors:
        return new_colors
    written, linear = settings.written_channels, not srgb_target
    if len(new_colors) == int(loop_total.sum()):
        return core.blend_corner_colors(
            current, new_colors, settings.mix, written, linear, loop_start, loop_total, reuse_new=True
        )
    return core.blend_colors(current, new_colors, settings.mix, written, linear, reuse_new=True)


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
        _ids, labels = face_set_groups(mesh)
        return labels, int(labels.max()) + 1
    raise ValueError(f"no per-mesh groups for granularity {granularity!r}")


def face_set_groups(mesh: Mesh) -> tuple[np.ndarray | None, np.ndarray]:
    """The face set ids in increasing order (None without face sets) and each face's row among them."""
    sets = mesh_arrays.face_sets(mesh)
    if sets is None:
        return None, np.zeros(len(mesh.polygons), dtype=np.int64)
    ids, labels = np.unique(sets, return_inverse=True)
    return ids.astype(np.int64), labels.ravel()


def legend_keys(mesh: Mesh, granularity: str, n_groups: int) -> np.ndarray | list[str | None]:
    """Each per-mesh group's legend key: face, island or vertex index, or face set id.

    A mesh without face sets is one group, key None.
    """
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

    ``stream`` "jitter" draws JITTER's shifts (random alpha always drawn there).
    """
    random_alpha = settings.random_alpha or stream == "jitter"
    if settings.stable:
        hashes = stable_key_hashes(mesh, settings.granularity, loop_start, loop_total, labels, n_groups)
        return stable.stable_draws(hashes, settings.seed, random_alpha, stream)
    return core.random_srgb16(core.rng_for(settings.seed, mesh.name_full, stream), n_groups, random_alpha)


def shared_groups(mesh: Mesh, run: Run, object_name: str) -> MeshGroups:
    """OBJECT and MATERIAL: the mesh's rows of the run's shared colors, one per distinct key."""
    granularity = run.settings.granularity
    keys = shared_keys(mesh, granularity, object_name)
    distinct = sorted(set(keys))
    colors = run.shared.colors.take(np.array([run.shared.index[key] for key in distinct], dtype=np.int64))
    if granularity == "OBJECT":
        return MeshGroups(colors, [object_name], whole=True)
    # A material's name, None for an empty slot (keys name each slot's material, see shared_keys).
    slot_names = [material.name if material is not None else None for material in mesh.materials]
    names = [slot_names[keys.index(key)] if keys.index(key) < len(slot_names) else None for key in distinct]
    slot_rows = np.array([distinct.index(key) for key in keys], dtype=np.int64)
    return MeshGroups(colors, names, face_labels=slot_rows[mesh_arrays.material_slots(mesh)])


def mesh_groups(
    mesh: Mesh,
    run: Run,
    object_name: str,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    srgb_target: bool,
    current: np.ndarray | None = None,
) -> MeshGroups:
    """Every group of ``mesh`` with its color, before the colors meet the attribute.

    ``current``, the colors there ((n_loops, 4) float32 in the attribute's
    space), is needed by JITTER only.
    """
    settings = run.settings
    if settings.color_mode == "JITTER":
        if current is None:
            raise ValueError("color mode JITTER needs the colors there")
        return jitter_groups(mesh, run, object_name, loop_start, loop_total, srgb_target, current)
    granularity = settings.granularity
    if granularity in ("OBJECT", "MATERIAL"):
        return shared_groups(mesh, run, object_name)
    if granularity == "VERTEX":
        n_verts = len(mesh.vertices)
        draws = group_draws(mesh, settings, loop_start, loop_total, None, n_verts)
        colors = shape_group_colors(draws, settings, run.palette)
        keys = np.arange(n_verts, dtype=np.int64)
        return MeshGroups(colors, keys, corner_labels=mesh_arrays.corner_verts(mesh))
    labels, n_groups = face_groups(mesh, granularity, loop_start, loop_total)
    # Every group is colored whether or not its faces are selected, so a
    # face's color does not depend on the selection.
    draws = group_draws(mesh, settings, loop_start, loop_total, labels, n_groups)
    colors = shape_group_colors(draws, settings, run.palette)
    return MeshGroups(colors, legend_keys(mesh, granularity, n_groups), face_labels=labels)


def jitter_groups(
    mesh: Mesh,
    run: Run,
    object_name: str,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    srgb_target: bool,
    current: np.ndarray,
) -> MeshGroups:
    """JITTER: each group's mean color there, shifted by its own random hue, saturation and value.

    The shifts come from JITTER's own stream of the mesh (or, for OBJECT and
    MATERIAL, of the object or material, so one material shifts alike on
    every mesh; with ``stable``, of each group's key); every group draws one
    whatever the selection. Alpha is opaque, never written (see
    ``ColorSettings.written_channels``).
    """
    settings = run.settings
    granularity = settings.granularity
    corner_labels = None
    keys: np.ndarray | list[str | None]
    if granularity in ("OBJECT", "MATERIAL"):
        shared = shared_groups(mesh, run, object_name)
        keys, shifts = shared.keys, shared.colors.values
        face_labels = shared.face_labels if not shared.whole else np.zeros(len(loop_start), dtype=np.int64)
        n_groups = len(keys)
    else:
        face_labels = None
        if granularity == "VERTEX":
            corner_labels, n_groups = mesh_arrays.corner_verts(mesh), len(mesh.vertices)
            keys = np.arange(n_groups, dtype=np.int64)
        else:
            face_labels, n_groups = face_groups(mesh, granularity, loop_start, loop_total)
            keys = legend_keys(mesh, granularity, n_groups)
        shifts = group_draws(mesh, settings, loop_start, loop_total, face_labels, n_groups, "jitter")
        if granularity == "FACE":
            face_labels = np.arange(n_groups)
    means = existing_group_means(
        current, srgb_target, loop_start, loop_total, face_labels, corner_labels, n_groups
    )
    half_widths = (settings.jitter_hue, settings.jitter_saturation, settings.jitter_value)
    colors = core.GroupColors(core.jitter_group_colors(means, shifts, half_widths))
    return MeshGroups(colors, keys, face_labels=face_labels, corner_labels=corner_labels)


def existing_group_means(
    current: np.ndarray,
    srgb_target: bool,
    loop_start: np.ndarray,
    loop_total: np.ndarray,
    face_labels: np.ndarray | None,
    corner_labels: np.ndarray | None,
    n_groups: int,
) -> np.ndarray:
    """Each group's mean color over its corners, in sRGB: (n_groups, 3) float64.

    Groups are given per face (``face_labels``) or per corner
    (``corner_labels``, VERTEX). Where every face's corners agree, the mean
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
        if corner_labels is None:
            raise ValueError("groups need face_labels or corner_labels")
        rows, labels = current, corner_labels
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
    ranges = (loop_start, loop_total, verts)
    new_colors, group_colors = point_colors(mesh, run, object_name, labels, n_groups, srgb_target, current,
                                            ranges)
    legend = None
    if settings.legend:
        legend = point_legend(mesh, object_name, settings.granularity, group_colors, ranges, labels)
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


def point_legend(
    mesh: Mesh,
    object_name: str,
    granularity: str,
    colors: core.GroupColors,
    ranges: tuple[np.ndarray, np.ndarray, np.ndarray],
    labels: np.ndarray,
) -> MeshLegend:
    """The legend of a POINT-domain run: keys and faces as on the CORNER domain, each group's color."""
    loop_start, _loop_total, verts = ranges
    n_groups = len(colors.values)
    if granularity == "OBJECT":
        keys: np.ndarray | list[str | None] = [object_name]
        faces = np.array([len(loop_start)], dtype=np.int64)
    elif granularity == "VERTEX":  # the faces around each vertex, counted by its corners
        keys, faces = np.arange(n_groups, dtype=np.int64), np.bincount(verts, minlength=n_groups)
    else:  # ISLAND: each face's island is its first vertex's
        keys = np.arange(n_groups, dtype=np.int64)
        faces = np.bincount(labels[verts[loop_start]], minlength=n_groups)
    return MeshLegend(object_name, mesh.name, keys, faces.astype(np.int64), colors.in_space(srgb_target=True))


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
    ranges: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, core.GroupColors]:
    """(n_verts, 4) float32 colors in the attribute's space, one per vertex, from its group; the group colors.

    The same draws as ``mesh_groups`` for VERTEX, ISLAND and OBJECT (stable
    or not), so a vertex gets the color its corners get on the CORNER
    domain. ``labels``: the group of each vertex, -1 for a vertex that keeps
    its color (its row is then a placeholder). ``current`` ((n_verts, 4),
    the colors there) is needed by JITTER only, which shifts each group's
    mean over its vertices. ``ranges``: loop_start, loop_total and each
    corner's vertex.
    """
    loop_start, loop_total, verts = ranges
    face_labels = None
    settings = run.settings
    if settings.granularity == "ISLAND":  # the island of each face, for stable keys
        face_labels = labels[verts[loop_start]]
    object_row = None
    if settings.granularity == "OBJECT":
        object_row = [run.shared.index[shared_keys(mesh, "OBJECT", object_name)[0]]]
    grouped = labels >= 0
    if settings.color_mode == "JITTER":
        if current is None:
            raise ValueError("color mode JITTER needs the colors there")
        if object_row is not None:
            shifts = run.shared.colors.values[object_row]
        else:
            shifts = group_draws(mesh, settings, loop_start, loop_total, face_labels, n_groups, "jitter")
        there = current[grouped, :3] if srgb_target else core.linear_to_srgb(current[grouped, :3])
        means = core.group_means(labels[grouped], there, n_groups)
        half_widths = (settings.jitter_hue, settings.jitter_saturation, settings.jitter_value)
        group_colors = core.GroupColors(core.jitter_group_colors(means, shifts, half_widths))
    elif object_row is not None:
        group_colors = run.shared.colors.take(object_row)
    else:
        draws = group_draws(mesh, settings, loop_start, loop_total, face_labels, n_groups)
        group_colors = shape_group_colors(draws, settings, run.palette)
    colors = group_colors.in_space(srgb_target)
    return colors[np.where(grouped, labels, 0)], group_colors


def color_mesh_alone(mesh: Mesh, settings: ColorSettings, palette: core.Palette | None = None) -> MeshResult:
    """Color one mesh with no objects around it (scripts, benchmarks); raises ColorError.

    OBJECT takes the mesh's name for the object's.
    """
    keys = shared_keys(mesh, settings.granularity, mesh.name_full)
    run = Run(settings, [], [], palette, shared_colors(keys, settings, palette))
    return color_mesh(mesh, run, mesh.name_full)
