"""The Bird dataset of the two-stage MLX paper: Indigo Bunting vs Blue Grosbeak from CUB-200-2011.

Appendix A.3: the two species share their most likely attributes; Blue Grosbeaks have bigger beaks,
so the explanation is a small square on the beak "if visible"; every image is cropped to the bird's
ground-truth bounding box and resized. Appendix A.4: a red (positive) or green (negative) square at
a random place of each train image, never covering the beak mask. The paper gives no image size,
mask size, square size or subsampling rule and no code is public, so those numbers are ours;
``Task.meta`` lists them. The data are the published CUB-200-2011 files, read from ``data_root``
(never downloaded here). Labels: 1 = Blue Grosbeak (positive: red square, Fig. 8 bottom row),
0 = Indigo Bunting (negative: green square, Fig. 8 top row).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ..errors import ConfigError, check_choice, check_int
from .base import ExplanationData, Task, item_rng, parse_ratio
from .shapes import EXPLANATIONS, PLACEMENTS

NAME = "Bird (CUB-200-2011: Indigo Bunting vs Blue Grosbeak)"
SPECIES = ("Indigo_Bunting", "Blue_Grosbeak")  # label 0 (negative), label 1 (positive), matched by name
BEAK = "beak"  # part name in parts/parts.txt
FOLDER = "CUB_200_2011"
FILES = {  # file -> its columns, as in the published dataset
    "images.txt": "<image_id> <path under images/>",
    "image_class_labels.txt": "<image_id> <class_id>",
    "classes.txt": "<class_id> <class_name>",
    "bounding_boxes.txt": "<image_id> <x> <y> <width> <height>",
    "train_test_split.txt": "<image_id> <is_training_image>",
    "parts/parts.txt": "<part_id> <part_name>",
    "parts/part_locs.txt": "<image_id> <part_id> <x> <y> <visible>",
}
SQUARE_COLOURS = {1: (1.0, 0.0, 0.0), 0: (0.0, 1.0, 0.0)}  # red for positives, green for negatives (A.4)
LAYOUT = (
    f"expected layout: <data_root>/{FOLDER}/ (or data_root = that folder) holding "
    + ", ".join(FILES) + " and images/<path>; the CUB_200_2011.tgz archive of "
    "https://www.vision.caltech.edu/datasets/cub_200_2011/ unpacks to it"
)


def has_cub(data_root) -> bool:
    """Whether ``data_root`` holds the CUB-200-2011 layout (every listed file and images/); never raises."""
    try:
        _folder(data_root)
    except ConfigError:
        return False
    return True


def bird_task(
    data_root,
    *,
    n_train: int | None = None,
    image_size: int = 64,
    seed: int = 0,
    ratio: str = "1:1",
    spurious: bool = False,
    spurious_placement: str = "text",
    explanations: str = "all",
    square: int | None = None,
    beak_box: int | None = None,
) -> Task:
    """Bird (Appendix A.3, A.4): Indigo Bunting (0) vs Blue Grosbeak (1) from CUB-200-2011 at ``data_root``.

    Images are cropped to the bird's bounding box and resized (not aspect-preserving) to
    ``image_size`` x ``image_size`` RGB in [0, 1]. The mask is a ``beak_box``-px square (default
    image_size / 8) centred on the beak, clipped to the image; a bird whose beak is not visible or lies
    outside its box has no mask (``has_mask`` False). Train = the official train images, subsampled to
    ``ratio`` positives:negatives ("1:9" for the imbalanced setting) and to ``n_train`` examples (the
    paper's sizes are 30 and 60; None = the most the ratio allows). ``explanations``: "all", "minority"
    (masks only on the minority class) or "none". ``spurious`` paints a ``square``-px (default
    image_size * 3/32) red (1) or green (0) square on each train image, off the beak mask: at a uniform
    random place ("text", A.4) or in the lower-left (red) / lower-right (green) corner ("figure",
    Fig. 8). Tests: {"test": the official test images, balanced, clean}.
    """
    pos, neg = parse_ratio(ratio, "Blue Grosbeaks", "Indigo Buntings")
    if n_train is not None:
        check_int("n_train", n_train, low=1)
    check_int("image_size", image_size, low=16, high=1024)
    check_int("seed", seed, low=0)
    if not isinstance(spurious, bool):
        raise ConfigError(f"spurious={spurious!r} must be True or False")
    check_choice("spurious_placement", spurious_placement, PLACEMENTS)
    check_choice("explanations", explanations, EXPLANATIONS)
    square = max(1, round(image_size * 3 / 32)) if square is None else check_int("square", square, low=1)
    beak_box = max(1, round(image_size / 8)) if beak_box is None else check_int("beak_box", beak_box, low=1)
    if 2 * square + beak_box > image_size:
        raise ConfigError(
            f"square={square} with beak_box={beak_box} leaves no room for the spurious square next to the beak "
            f"mask; allowed: 2 * square + beak_box <= image_size (= {image_size})"
        )
    folder = _folder(data_root)
    birds = _images(str(folder), image_size)
    boxes = _beak_boxes(birds.beak, beak_box, image_size)
    boxes[~birds.has_beak] = 0  # no beak: an empty box, which no square can overlap

    train_ids = _train_subset(birds, n_train, pos, neg, seed, ratio)
    test_ids = _balanced_test(birds)
    train = _split(birds, boxes, train_ids, explanations, pos, neg)
    if spurious:
        _add_squares(train, birds.ids[train_ids], boxes[train_ids], square, spurious_placement, seed)
    test = _split(birds, boxes, test_ids, "all", 1, 1)

    def count(index, label):
        return int((birds.y[index] == label).sum())

    def beaks(index):
        return int(birds.has_beak[index].sum())

    is_train = birds.is_train
    meta = {
        "source": (
            f"CUB-200-2011 (Wah et al., 2011), read from data_root; classes selected by name: {birds.class_names[0]} "
            f"(id {birds.class_ids[0]}) and {birds.class_names[1]} (id {birds.class_ids[1]})"
        ),
        "classes": "1 = Blue Grosbeak (positive: red square in A.4 / Fig. 8), 0 = Indigo Bunting (negative: green square)",
        "n_train": "all the ratio allows" if n_train is None else str(n_train),
        "seed": str(seed),
        "ratio": f"{ratio} (positives:negatives of the train split)",
        "spurious": str(spurious),
        "spurious_placement": spurious_placement,
        "explanations": explanations,
        "image_size": f"{image_size}x{image_size}",
        "image": (
            "RGB float32 in [0, 1]: the JPEG cropped to the bounding box (x, y, w, h of bounding_boxes.txt rounded to "
            "whole pixels [round(x), round(x + w)) x [round(y), round(y + h)), clipped to the image) and resized "
            "with bilinear filtering to a square, so the aspect ratio is not kept (A.3: 'resizing them to the same "
            "size'); grayscale JPEGs are repeated to 3 channels"
        ),
        "mask": (
            f"{beak_box}x{beak_box} px square centred on the beak (parts/part_locs.txt, part '{BEAK}') mapped into "
            "the cropped, resized frame, clipped to the image; rows and columns floor(c - side/2 + 1/2) onward "
            "for the mapped coordinate c (pixel j covers [j, j + 1)); the same place for both classes"
        ),
        "no beak": (
            "a bird whose beak is not visible (visible = 0) or lies outside its cropped box has has_mask False and an "
            "all-ones mask, in every split and setting (A.3: 'masks highlighting the beaks if they are visible')"
        ),
        "train split": (
            "the official train images (train_test_split.txt); per class a seeded permutation "
            "(item_rng(seed, 'train subsample', label)) whose first n are kept, so sets of one seed are nested; "
            "ratio a:b keeps round(n_train * a / (a + b)) positives (halves up), or with n_train None the most "
            "k*a positives and k*b negatives available; the kept examples in a seeded order "
            "(item_rng(seed, 'train order', 0))"
        ),
        "test split": (
            "the official test images; if one class has more, its highest image ids are dropped so the test set is "
            "balanced; the same for every seed; never spurious; masks wherever the beak is visible"
        ),
        "explanation settings": (
            "all: every train bird with a visible beak has a mask; minority: only those of the minority class "
            "(class 1 unless the ratio makes positives the majority); none: no train masks"
        ),
        "spurious square": (
            f"{square}x{square} px, pure red (1, 0, 0) on Blue Grosbeaks and pure green (0, 1, 0) on Indigo "
            "Buntings, train split only, never overlapping the bird's beak square (touching allowed, A.4: "
            "'arbitrarily close'), drawn even where the mask is withheld; "
            + (
                "text (A.4, 'a random place'): top-left pixel uniform over all positions clear of the beak square, "
                "drawn by item_rng(seed, 'train square', image_id); alternative 'figure' (Fig. 8 caption): red in "
                "the lower-left, green in the lower-right corner"
                if spurious_placement == "text"
                else "figure (Fig. 8 caption): red in the lower-left, green in the lower-right corner, moved up the "
                "border to the lowest row clear of the beak square; alternative 'text' (A.4): a uniform random place"
            )
        ),
        "counts": (
            f"available: train {count(is_train, 1)} Blue Grosbeaks + {count(is_train, 0)} Indigo Buntings, "
            f"test {count(~is_train, 1)} + {count(~is_train, 0)}; beak visible in its box for "
            f"{beaks(slice(None))} of {len(birds.y)}; used: train {count(train_ids, 1)} + {count(train_ids, 0)} "
            f"({int(train.has_mask.sum())} with masks), test {count(test_ids, 1)} + {count(test_ids, 0)} "
            f"({beaks(test_ids)} with masks)"
        ),
    }
    return Task(NAME, train, {"test": test}, meta=meta)


@dataclass(frozen=True)
class _Birds:
    """The selected birds, sorted by image id: decoded crops and beak positions in the resized frame."""

    class_ids: tuple[int, int]
    class_names: tuple[str, str]
    ids: np.ndarray  # (N,) CUB image ids
    y: np.ndarray  # (N,) int64 labels
    is_train: np.ndarray  # (N,) bool, official split
    x: np.ndarray  # (N, 3, S, S) uint8
    beak: np.ndarray  # (N, 2) float: (row, column) of the beak in the resized frame
    has_beak: np.ndarray  # (N,) bool: visible and inside the box


def _folder(data_root) -> Path:
    """The CUB_200_2011 folder under (or at) ``data_root``, with every file of the layout present."""
    if data_root is None:
        raise ConfigError(f"data_root=None: the Bird dataset needs CUB-200-2011 at data_root; {LAYOUT}")
    if not isinstance(data_root, (str, Path)):
        raise ConfigError(f"data_root={data_root!r} must be a path (str or pathlib.Path); {LAYOUT}")
    root = Path(data_root).expanduser()
    if not root.is_dir():
        raise ConfigError(f"data_root={str(data_root)!r} is not a folder; the Bird dataset needs CUB-200-2011 there; {LAYOUT}")
    folder = root / FOLDER if (root / FOLDER).is_dir() else root
    for name in [*FILES, "images"]:
        if not (folder / name).exists():
            raise ConfigError(f"data_root={str(data_root)!r}: {folder / name} is missing; {LAYOUT}")
    return folder.resolve()


def _read(folder: Path, name: str, types: tuple) -> list[tuple[int, tuple]]:
    """(line number, fields) of each non-blank line of ``name``, converted by ``types``; the last field may hold spaces."""
    rows = []
    with open(folder / name, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            fields = line.strip().split(maxsplit=len(types) - 1)
            if not fields:
                continue
            try:
                if len(fields) != len(types):
                    raise ValueError
                rows.append((number, tuple(t(v) for t, v in zip(types, fields))))
            except ValueError:
                raise ConfigError(
                    f"{folder / name}, line {number}: {line.strip()!r} is malformed; expected {FILES[name]}"
                ) from None
    return rows


def _real(text: str) -> float:
    """A finite number (``float`` accepts "nan" and "inf"; a coordinate may not be either)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _by_id(folder: Path, name: str, rows: list[tuple[int, tuple]]) -> dict:
    """The rows keyed by their first field; a repeated key is an error."""
    table, lines = {}, {}
    for number, fields in rows:
        if fields[0] in table:
            raise ConfigError(f"{folder / name}, line {number}: id {fields[0]} already given on line {lines[fields[0]]}")
        table[fields[0]], lines[fields[0]] = fields[1:], number
    return table


def _select_classes(folder: Path) -> tuple[tuple[int, int], tuple[str, str]]:
    """The class ids and names of SPECIES, matched on the name after its "NNN." prefix."""
    classes = _by_id(folder, "classes.txt", _read(folder, "classes.txt", (int, str)))
    ids, names = [], []
    for species in SPECIES:
        found = [(i, n) for i, n in ((i, v[0]) for i, v in classes.items()) if n.split(".", 1)[-1] == species]
        if len(found) != 1:
            raise ConfigError(
                f"{folder / 'classes.txt'} has {len(found)} classes named '<number>.{species}' (need exactly one); "
                f"the Bird dataset uses {' and '.join(SPECIES)}"
            )
        ids.append(found[0][0])
        names.append(found[0][1])
    return tuple(ids), tuple(names)


@functools.lru_cache(maxsize=4)
def _index(folder: str) -> tuple:
    """The text files, read once per process: class ids/names and per selected image (id, label, path, box, split, beak)."""
    folder = Path(folder)
    class_ids, class_names = _select_classes(folder)
    labels = _by_id(folder, "image_class_labels.txt", _read(folder, "image_class_labels.txt", (int, int)))
    chosen = {i: class_ids.index(c[0]) for i, c in labels.items() if c[0] in class_ids}
    paths = _by_id(folder, "images.txt", _read(folder, "images.txt", (int, str)))
    box_rows = _read(folder, "bounding_boxes.txt", (int, _real, _real, _real, _real))
    boxes = _by_id(folder, "bounding_boxes.txt", box_rows)
    split = _by_id(folder, "train_test_split.txt", _read(folder, "train_test_split.txt", (int, int)))
    parts = [fields for _, fields in _read(folder, "parts/parts.txt", (int, str))]
    beak_ids = [p for p, name in parts if name.strip().lower() == BEAK]
    if len(beak_ids) != 1:
        raise ConfigError(f"{folder / 'parts/parts.txt'} names {len(beak_ids)} parts '{BEAK}' (need exactly one)")
    locs = _read(folder, "parts/part_locs.txt", (int, int, _real, _real, _real))
    beaks = _by_id(folder, "parts/part_locs.txt", [(n, f[:1] + f[2:]) for n, f in locs if f[1] == beak_ids[0]])
    records = []
    for image_id in sorted(chosen):
        for name, table in (("images.txt", paths), ("bounding_boxes.txt", boxes),
                            ("train_test_split.txt", split), ("parts/part_locs.txt", beaks)):
            if image_id not in table:
                raise ConfigError(
                    f"{folder / name} has no line for image {image_id} "
                    f"({class_names[chosen[image_id]]}); expected {FILES[name]}"
                )
        if split[image_id][0] not in (0, 1):
            raise ConfigError(f"{folder / 'train_test_split.txt'}: image {image_id} has is_training_image "
                              f"{split[image_id][0]}; allowed: 0 or 1")
        records.append((image_id, chosen[image_id], paths[image_id][0], boxes[image_id],
                        split[image_id][0] == 1, beaks[image_id]))
    if not records:
        raise ConfigError(f"{folder / 'image_class_labels.txt'} lists no image of {' or '.join(class_names)}")
    return class_ids, class_names, tuple(records)


@functools.lru_cache(maxsize=8)
def _images(folder: str, image_size: int) -> _Birds:
    """Decode, crop and resize the selected images once per (folder, image_size) in this process."""
    class_ids, class_names, records = _index(folder)
    n, s = len(records), image_size
    x = np.empty((n, 3, s, s), dtype=np.uint8)
    beak = np.zeros((n, 2))
    has_beak = np.zeros(n, dtype=bool)
    for k, (image_id, _, path, (bx, by, bw, bh), _, (px, py, visible)) in enumerate(records):
        file = Path(folder) / "images" / path
        try:
            with Image.open(file) as img:
                img = img.convert("RGB")
        except FileNotFoundError:
            raise ConfigError(f"image {image_id} ({path}, listed in images.txt) is missing: {file}; {LAYOUT}") from None
        except (UnidentifiedImageError, OSError) as err:
            raise ConfigError(f"image {image_id}: {file} cannot be decoded ({err})") from None
        left, top = max(0, round(bx)), max(0, round(by))
        right, bottom = min(img.width, round(bx + bw)), min(img.height, round(by + bh))
        if right <= left or bottom <= top:
            raise ConfigError(
                f"{Path(folder) / 'bounding_boxes.txt'}: the box {bx, by, bw, bh} of image {image_id} holds no pixel "
                f"of its {img.width}x{img.height} image"
            )
        crop = img.crop((left, top, right, bottom)).resize((s, s), Image.Resampling.BILINEAR)
        x[k] = np.asarray(crop).transpose(2, 0, 1)
        beak[k] = ((py - top) * s / (bottom - top), (px - left) * s / (right - left))
        has_beak[k] = visible != 0 and left <= px <= right and top <= py <= bottom
    for a in (x, beak, has_beak):
        a.flags.writeable = False
    return _Birds(
        class_ids, class_names,
        ids=np.array([r[0] for r in records]), y=np.array([r[1] for r in records], dtype=np.int64),
        is_train=np.array([r[4] for r in records]), x=x, beak=beak, has_beak=has_beak,
    )


def _beak_boxes(beak: np.ndarray, side: int, size: int) -> np.ndarray:
    """(N, 4) int: rows [r0, r1) and columns [c0, c1) of the ``side``-px squares centred on ``beak``, clipped."""
    start = np.floor(beak - side / 2 + 0.5).astype(np.int64)
    lo, hi = np.clip(start, 0, size), np.clip(start + side, 0, size)
    return np.stack([lo[:, 0], hi[:, 0], lo[:, 1], hi[:, 1]], axis=1)


def _train_subset(birds: _Birds, n_train, pos: int, neg: int, seed: int, ratio: str) -> np.ndarray:
    """Indices of the train examples: per class a prefix of a seeded permutation, in a seeded order."""
    available = {c: np.flatnonzero(birds.is_train & (birds.y == c)) for c in (0, 1)}
    if n_train is None:
        k = min(len(available[1]) // pos, len(available[0]) // neg)
        want = {1: k * pos, 0: k * neg}
        if k == 0:
            raise ConfigError(
                f"ratio={ratio!r} cannot be met: the train split has {len(available[1])} Blue Grosbeaks and "
                f"{len(available[0])} Indigo Buntings"
            )
    else:
        block = pos + neg
        ones = (2 * n_train * pos + block) // (2 * block)
        want = {1: ones, 0: n_train - ones}
        if want[1] > len(available[1]) or want[0] > len(available[0]):
            raise ConfigError(
                f"n_train={n_train} with ratio={ratio!r} needs {want[1]} Blue Grosbeaks and {want[0]} Indigo Buntings, "
                f"but the train split has {len(available[1])} and {len(available[0])}; use a smaller n_train or "
                "n_train=None (the most the ratio allows)"
            )
    chosen = np.concatenate([
        available[c][item_rng(seed, "train subsample", c).permutation(len(available[c]))[:want[c]]] for c in (1, 0)
    ])
    return chosen[item_rng(seed, "train order", 0).permutation(len(chosen))]


def _balanced_test(birds: _Birds) -> np.ndarray:
    """Indices of the test examples: the official test images, the larger class cut to the smaller's count."""
    per_class = [np.flatnonzero(~birds.is_train & (birds.y == c)) for c in (0, 1)]
    n = min(len(p) for p in per_class)
    return np.sort(np.concatenate([p[:n] for p in per_class]))


def _split(birds: _Birds, boxes: np.ndarray, index: np.ndarray, explanations: str, pos: int, neg: int) -> ExplanationData:
    """Tensors of the examples at ``index``; masks where the beak is visible and ``explanations`` allows."""
    y = birds.y[index]
    has = birds.has_beak[index].copy()
    if explanations == "minority":
        has &= y == (1 if pos <= neg else 0)
    elif explanations == "none":
        has[:] = False
    size = birds.x.shape[-1]
    grid = np.arange(size)
    mask = np.ones((len(y), 1, size, size), dtype=np.float32)
    for k, (r0, r1, c0, c1) in enumerate(boxes[index]):
        if has[k]:
            rows, cols = (grid >= r0) & (grid < r1), (grid >= c0) & (grid < c1)
            mask[k, 0] = rows[:, None] & cols[None, :]
    return ExplanationData(
        torch.from_numpy(birds.x[index].astype(np.float32) / 255),
        torch.from_numpy(y),
        torch.from_numpy(np.repeat(mask, 3, axis=1)),
        torch.from_numpy(has),
        group_names=("0: Indigo Bunting", "1: Blue Grosbeak"),
    )


def _add_squares(data: ExplanationData, ids: np.ndarray, boxes: np.ndarray, side: int, placement: str, seed: int) -> None:
    """Paint the spurious squares of Appendix A.4 into ``data.x`` in place, each clear of its beak square.

    ``boxes`` are the beak squares (empty where the beak is not visible), whether or not the mask is kept.
    """
    size = data.x.shape[-1]
    starts = np.arange(size - side + 1)
    for k, (image_id, (r0, r1, c0, c1)) in enumerate(zip(ids, boxes)):
        label = int(data.y[k])
        free_rows = (starts + side <= r0) | (starts >= r1)  # square rows clear of the beak rows
        free_cols = (starts + side <= c0) | (starts >= c1)
        if placement == "text":
            ok = free_rows[:, None] | free_cols[None, :]
            top, left = np.argwhere(ok)[item_rng(seed, "train square", int(image_id)).integers(ok.sum())]
        else:
            left = 0 if label == 1 else size - side
            top = starts[free_rows | free_cols[left]].max()
        data.x[k, :, top:top + side, left:left + side] = torch.tensor(SQUARE_COLOURS[label]).view(3, 1, 1)
