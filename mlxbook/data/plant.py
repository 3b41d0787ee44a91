"""Plant phenotyping (sugar beet leaves, healthy vs Cercospora-infected; IBP-Ex Sec. 5.1.3 and 5.4), read from disk.

The data of Schramowski et al. (2020), "Making deep neural networks right for the right scientific
reasons": RGB leaf images (213x213) photographed on a nutrient solution, the published
cross-validation split files and leaf/background masks. The book never downloads; arrange your
copy as the original code reads it (images in one folder per day, ``rgb_dataset_splits``), with the
masks as one PNG per image::

    data_root/Plant/rgb_data/<d>/<id>.JPEG                 the image of sample <id>; <d> = the first character of <id>
    data_root/Plant/masks/<id>.png                         leaf mask, same pixel size: first channel > 127 = leaf
    data_root/Plant/rgb_dataset_splits/train_<k>.txt       sample ids of cross-validation run k, one per line
    data_root/Plant/rgb_dataset_splits/test_<k>.txt

The published masks come as one pickled dictionary (``preprocessed_masks.pyu``, id -> boolean array,
True on the leaf); the book reads no pickle, so save each entry once as ``masks/<id>.png`` (255 on the
leaf, 0 on the background). Labels are those of the released code, read from the id
``<day>_Z<plant>[_<anything>]`` (day 1..5, plant 1..18): plants 1-3 are the uninfected controls
(label 0, healthy), plants 4-18 were inoculated (label 1, diseased). The image extension may be any
case of .jpeg, .jpg or .png; blank lines in split files are skipped.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, check_choice, check_float, check_int
from .base import ExplanationData, Task, dataset_folder, item_rng
from .isic import IMAGE_EXTENSIONS, read_mask, read_rgb

NAME = "Plant phenotyping"
GROUP_NAMES = ("0: healthy", "1: diseased")
LEAF_THRESHOLD = 127  # first channel > 127 marks a leaf pixel (0..255 scale)
HEALTHY_PLANTS = range(1, 4)  # Z1..Z3: controls in the released day-after-inoculation table
SAMPLE_ID = re.compile(r"(?P<day>[1-5])_Z(?P<plant>\d+)(?:_.*)?")
VAL_BACKGROUNDS = ("mean", "original")
LAYOUT = (
    "data_root/Plant/rgb_data/<d>/<id>.JPEG (d = first character of the id), data_root/Plant/masks/<id>.png "
    "(first channel > 127 = leaf), data_root/Plant/rgb_dataset_splits/{train,test}_<k>.txt (one id per line, "
    "ids <day 1-5>_Z<plant 1-18>[_...])"
)


def has_plant(data_root, cv_split: int = 0) -> bool:
    """Whether ``data_root`` holds the Plant folders and the split files of run ``cv_split`` (contents not checked)."""
    if data_root is None:
        return False
    base = Path(data_root) / "Plant"
    splits = base / "rgb_dataset_splits"
    return (
        (base / "rgb_data").is_dir() and (base / "masks").is_dir()
        and all((splits / f"{part}_{cv_split}.txt").is_file() for part in ("train", "test"))
    )


def plant_task(
    data_root,
    *,
    image_size: int = 224,
    seed: int = 0,
    cv_split: int = 0,
    val_fraction: float = 0.1,
    val_background: str = "mean",
) -> Task:
    """Plant phenotyping: x (N, 3, S, S) in [0, 1], y = diseased, relevance mask = the leaf, groups = label.

    Test = the ids of ``test_<cv_split>.txt``; the ids of ``train_<cv_split>.txt`` are split at random
    (seeded) into train and val, val holding round(val_fraction * all listed ids), so the default
    0.1 gives the paper's (0.65, 0.1, 0.25) when the published test file holds a quarter (Sec. 5.1.3).
    Sec. 5.4: in the test images every background pixel is replaced by the training mean, one RGB
    value averaged over all pixels of all train images; ``val_background`` "mean" does the same for
    val (as robust_mlx does, so model selection sees the test condition), "original" leaves val as is.
    Train images keep their background. Worst group = worst class (Sec. 5.1.2). ``image_size`` 224 is
    the input of the paper's CNN printout (App. D). val is None when ``val_fraction`` is 0.
    """
    check_int("image_size", image_size, low=8)
    check_int("seed", seed, low=0)
    check_int("cv_split", cv_split, low=0)
    check_float("val_fraction", val_fraction, low=0.0, high=1.0)
    check_choice("val_background", val_background, VAL_BACKGROUNDS)
    base = dataset_folder(data_root, "Plant", ("rgb_data", "masks", "rgb_dataset_splits"), LAYOUT)
    train_ids = _read_split(base / "rgb_dataset_splits" / f"train_{cv_split}.txt")
    test_ids = _read_split(base / "rgb_dataset_splits" / f"test_{cv_split}.txt")
    both = sorted(set(train_ids) & set(test_ids))
    if both:
        raise ConfigError(
            f"{base / 'rgb_dataset_splits'}: {len(both)} ids are in both train_{cv_split}.txt and "
            f"test_{cv_split}.txt (first: {both[0]!r}); the split files must be disjoint"
        )
    n_val = round(val_fraction * (len(train_ids) + len(test_ids)))
    if n_val >= len(train_ids) or (val_fraction > 0 and n_val == 0):
        raise ConfigError(
            f"val_fraction={val_fraction!r} moves {n_val} of the {len(train_ids)} ids of train_{cv_split}.txt "
            "to val; it must leave train and val non-empty"
        )
    order = item_rng(seed, "plant split", cv_split).permutation(len(train_ids))
    ids = {
        "train": [train_ids[i] for i in sorted(order[n_val:])],
        "val": [train_ids[i] for i in sorted(order[:n_val])],
        "test": test_ids,
    }
    data = {name: _plant_data(base, part, image_size) for name, part in ids.items() if part}
    train_mean = data["train"].x.mean(dim=(0, 2, 3))
    test = _replace_background(data["test"], train_mean)
    val = data.get("val")
    if val is not None and val_background == "mean":
        val = _replace_background(val, train_mean)
    counts = {name: np.bincount(d.y.numpy(), minlength=2).tolist() for name, d in data.items()}
    meta = {
        "source": "Plant phenotyping data of Schramowski et al. (2020), read from data_root/Plant",
        "layout": LAYOUT,
        "labels": (
            "from the sample id <day>_Z<plant>[...] as in the released code's day-after-inoculation table: plants 1-3 "
            "are controls (0 = healthy), plants 4-18 inoculated (1 = diseased)"
        ),
        "groups": "one group per label (Sec. 5.1.2); worst group = worst class",
        "split": (
            f"test = test_{cv_split}.txt ({len(test_ids)} ids); train_{cv_split}.txt ({len(train_ids)} ids) split by "
            f"item_rng(seed, 'plant split', cv_split) into val (round({val_fraction} x all {len(train_ids) + len(test_ids)} "
            f"listed ids) = {n_val}) and train ({len(train_ids) - n_val}); robust_mlx moves 10% of the train file to val"
        ),
        "class counts (healthy, diseased)": "; ".join(f"{k} {v}" for k, v in counts.items()),
        "seed": str(seed),
        "cv_split": str(cv_split),
        "image": (
            f"RGB read with PIL, resized to {image_size}x{image_size} with torchvision (bilinear, antialiased), "
            "rounded to 0..255 and divided by 255; no normalisation; robust_mlx also doubles the brightness "
            "(PIL ImageEnhance), which the paper does not mention and the book does not do"
        ),
        "mask": (
            "relevance mask = the leaf, the same on all 3 channels: leaf where the resized (bilinear, antialiased) "
            "binary mask is >= 0.5; background irrelevant; every example has a mask"
        ),
        "training mean": (
            "(" + ", ".join(f"{v:.4f}" for v in train_mean.tolist())
            + ") per RGB channel, over all pixels of all train images (Sec. 5.4)"
        ),
        "test background": (
            "Sec. 5.4: test background pixels (mask 0) set to the training mean; the leaf is untouched; "
            f"val: {'the same' if val_background == 'mean' else 'original backgrounds'}"
        ),
    }
    return Task(NAME, data["train"], {"test": test}, val=val, meta=meta)


def _read_split(path: Path) -> list[str]:
    """The sample ids of a split file, checked for format and duplicates."""
    if not path.is_file():
        raise ConfigError(f"{path} is missing; expected layout: {LAYOUT}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path} is not a UTF-8 text file of sample ids: {err}") from None
    ids = []
    for number, line in enumerate(lines, start=1):
        sample = line.strip()
        if not sample:
            continue
        match = SAMPLE_ID.fullmatch(sample)
        if match is None or not 1 <= int(match["plant"]) <= 18:
            raise ConfigError(
                f"{path} line {number}: {sample!r} is not a sample id <day 1-5>_Z<plant 1-18>[_...]; "
                f"expected layout: {LAYOUT}"
            )
        ids.append(sample)
    if not ids:
        raise ConfigError(f"{path} lists no sample ids; expected layout: {LAYOUT}")
    if len(set(ids)) != len(ids):
        twice = sorted({s for s in ids if ids.count(s) > 1})
        raise ConfigError(f"{path} lists {twice[0]!r} more than once")
    return ids


def _label(sample: str) -> int:
    return 0 if int(SAMPLE_ID.fullmatch(sample)["plant"]) in HEALTHY_PLANTS else 1


def _image_index(base: Path, samples: list[str]) -> dict[str, Path]:
    """The image file of each sample: rgb_data/<first character>/<id> + an image extension (any case)."""
    found: dict[str, list[Path]] = {}
    for day in sorted({s[0] for s in samples}):
        folder = base / "rgb_data" / day
        if folder.is_dir():
            for path in folder.iterdir():
                if path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file():
                    found.setdefault(path.stem, []).append(path)
    index = {}
    for sample in samples:
        paths = found.get(sample, [])
        if len(paths) != 1:
            what = "is missing" if not paths else f"exists {len(paths)} times ({', '.join(sorted(p.name for p in paths))})"
            raise ConfigError(
                f"the image {base / 'rgb_data' / sample[0] / (sample + '.JPEG')} {what}; expected layout: {LAYOUT}"
            )
        index[sample] = paths[0]
    return index


def _plant_data(base: Path, samples: list[str], size: int) -> ExplanationData:
    """Tensors for the listed samples: images, leaf masks, labels (groups = labels)."""
    images = _image_index(base, samples)
    x = np.empty((len(samples), 3, size, size), dtype=np.uint8)
    leaf = np.empty((len(samples), size, size), dtype=bool)
    for i, sample in enumerate(samples):
        x[i], full = read_rgb(images[sample], size)
        mask = base / "masks" / f"{sample}.png"
        if not mask.is_file():
            raise ConfigError(f"the leaf mask {mask} is missing; expected layout: {LAYOUT}")
        coverage, mask_full = read_mask(mask, size, LEAF_THRESHOLD)
        if mask_full != full:
            raise ConfigError(
                f"{mask} is {mask_full[0]}x{mask_full[1]} px but its image {images[sample]} is {full[0]}x{full[1]} px"
            )
        leaf[i] = coverage >= 0.5
    y = torch.tensor([_label(s) for s in samples], dtype=torch.int64)
    relevance = torch.from_numpy(leaf).unsqueeze(1).expand(-1, 3, -1, -1).float().contiguous()
    return ExplanationData(
        torch.from_numpy(x).float() / 255.0, y, relevance, torch.ones(len(samples), dtype=torch.bool),
        y.clone(), GROUP_NAMES,
    )


def _replace_background(data: ExplanationData, mean: torch.Tensor) -> ExplanationData:
    """Background pixels (relevance 0) set to ``mean`` (one value per channel), the leaf kept (Sec. 5.4)."""
    x = torch.where(data.mask > 0, data.x, mean.view(1, 3, 1, 1).expand_as(data.x))
    return ExplanationData(x, data.y, data.mask, data.has_mask, data.groups, data.group_names)
