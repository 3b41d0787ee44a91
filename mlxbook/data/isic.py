"""ISIC skin lesions with patch masks (IBP-Ex Sec. 5.1.3, 5.3, App. D and Table 6), read from disk.

The paper uses "the standard setup and dataset released by Rieger et al. (2020)" (CDEP,
laura-rieger/deep-explanation-penalization): 299x299 ISIC images sorted by diagnosis, plus patch
segmentations for the non-cancer images that carry a coloured patch. The book never downloads;
arrange your copy as CDEP's scripts leave it (``code/ISIC/02_sort_imgs.py`` writes
``processed/cancer`` and ``processed/no_cancer``; its patch masks live in ``segmentation`` under
the image's file name)::

    data_root/ISIC/processed/cancer/<name>.jpg       label 1, group 2 "C"
    data_root/ISIC/processed/no_cancer/<name>.jpg    label 0; group 1 "PNC" if a patch mask exists, else 0 "NPNC"
    data_root/ISIC/segmentation/<name>.<ext>         patch mask of no_cancer/<name>.*: a patch pixel has its
                                                     first channel > 100 (the rule of CDEP and robust_mlx)

Images are .jpg, .jpeg or .png (any case; hidden files are skipped, any other file is an error).
A mask is matched to its image by the name without extension and must have the image's pixel
size; every mask must belong to a ``no_cancer`` image and mark at least one pixel. Mask images may
be grayscale or RGB. As in CDEP, a non-cancer image is PNC because its mask exists; robust_mlx
instead reads PNC images from a separate ``processed/patch_no_cancer_again`` folder: move such
images back into ``no_cancer`` (their masks stay in ``segmentation``).
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torchvision.transforms import InterpolationMode
from torchvision.transforms.functional import resize

from ..errors import ConfigError, check_float, check_int
from .base import ExplanationData, Task, dataset_folder, item_rng

NAME = "ISIC (skin lesions)"
GROUP_NAMES = ("0: NPNC (no patch, not cancer)", "1: PNC (patch, not cancer)", "2: C (cancer)")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
PATCH_THRESHOLD = 100  # first channel > 100 marks a patch pixel (0..255 scale)
LAYOUT = (
    "data_root/ISIC/processed/cancer/<name>.jpg (cancer), data_root/ISIC/processed/no_cancer/<name>.jpg "
    "(not cancer), data_root/ISIC/segmentation/<name>.png|jpg (patch mask of a no_cancer image, same name "
    "without extension, patch = first channel > 100); images .jpg/.jpeg/.png"
)
SUBFOLDERS = ("processed/cancer", "processed/no_cancer", "segmentation")


def has_isic(data_root) -> bool:
    """Whether ``data_root`` holds the three ISIC folders of the module layout (contents are not checked)."""
    if data_root is None:
        return False
    base = Path(data_root) / "ISIC"
    return all((base / sub).is_dir() for sub in SUBFOLDERS)


def isic_task(
    data_root,
    *,
    image_size: int = 224,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.15,
    max_per_group: int | None = None,
) -> Task:
    """ISIC with patch masks: x (N, 3, S, S) in [0, 1], y = cancer, groups NPNC / PNC / C (Sec. 5.1.2).

    The relevance mask is 1 - patch (1 everywhere for images without a patch; every example has a
    mask). Sec. 5.1.3: one seeded random split of all images into train / val / test with fractions
    (1 - val - test, val, test) = (0.75, 0.1, 0.15) by default, not stratified (val None when
    ``val_fraction`` is 0). ``max_per_group`` keeps a seeded random subset of at most that many
    images per group before splitting. Tests:
    "test" and "test_patch_removed" (App. E, Table 6): the same images with each PNC patch replaced by
    the image's per-channel mean outside the patch. ``image_size`` 224 gives the input of the
    paper's CNN printout (App. D); the full data set at 224 is about 13 GB as float32.
    """
    check_int("image_size", image_size, low=8)
    check_int("seed", seed, low=0)
    check_float("val_fraction", val_fraction, low=0.0, high=1.0)
    check_float("test_fraction", test_fraction, low=0.0, high=1.0)
    if test_fraction <= 0 or val_fraction + test_fraction >= 1:
        raise ConfigError(
            f"val_fraction={val_fraction!r}, test_fraction={test_fraction!r}: need test_fraction > 0 and "
            "val_fraction + test_fraction < 1 (the paper: 0.1 and 0.15)"
        )
    if max_per_group is not None:
        check_int("max_per_group", max_per_group, low=1)
    files = _isic_files(dataset_folder(data_root, "ISIC", SUBFOLDERS, LAYOUT))
    chosen = _subset(files, max_per_group, seed)
    n = len(chosen)
    n_val, n_test = round(val_fraction * n), round(test_fraction * n)
    if n_test == 0 or n - n_val - n_test == 0 or (val_fraction > 0 and n_val == 0):
        raise ConfigError(
            f"{n} images with val_fraction={val_fraction!r} and test_fraction={test_fraction!r} leave an empty "
            f"split (train {n - n_val - n_test}, val {n_val}, test {n_test}); use more images (max_per_group) "
            "or other fractions"
        )
    order = item_rng(seed, "isic split", 0).permutation(n)
    parts = {"train": order[: n - n_val - n_test], "val": order[n - n_val - n_test: n - n_test], "test": order[n - n_test:]}
    data = {name: _isic_data([chosen[i] for i in index], image_size) for name, index in parts.items() if len(index)}
    removed = _remove_patches(data["test"])
    counts = {name: np.bincount(d.groups.numpy(), minlength=3).tolist() for name, d in data.items()}
    total = np.bincount([g for g, _, _ in files], minlength=3).tolist()
    meta = {
        "source": "ISIC images and patch segmentations as prepared by CDEP (Rieger et al. 2020), read from data_root/ISIC",
        "layout": LAYOUT,
        "groups": "0 = NPNC (no patch, not cancer), 1 = PNC (patch, not cancer), 2 = C (cancer); label = cancer",
        "images on disk": f"NPNC {total[0]}, PNC {total[1]}, C {total[2]}",
        "max_per_group": (
            "all images" if max_per_group is None
            else f"at most {max_per_group} per group, a random subset drawn with item_rng(seed, 'isic subset', group)"
        ),
        "split": (
            f"one random permutation of all kept images (item_rng(seed, 'isic split', 0)), not stratified (Sec. 5.1.3): "
            f"train {len(parts['train'])}, val {n_val} (round({val_fraction} N)), test {n_test} (round({test_fraction} N)); "
            "robust_mlx uses int() and numpy seed 42"
        ),
        "group counts (NPNC, PNC, C)": "; ".join(f"{k} {v}" for k, v in counts.items()),
        "seed": str(seed),
        "image": (
            f"RGB read with PIL, resized to {image_size}x{image_size} with torchvision (bilinear, antialiased), "
            "rounded to 0..255 and divided by 255; no normalisation, no augmentation"
        ),
        "mask": (
            "relevance mask = 1 - patch, the same on all 3 channels; patch pixel at full size: first channel > 100 "
            "(as CDEP and robust_mlx; no dilation, CDEP dilates by a 20x20 square for its CD features); after "
            "resizing, a pixel is patch where the resized (bilinear, antialiased) binary patch mask is > 0, i.e. wherever a "
            "patch pixel enters the filter (about one output pixel of margin), so removal leaves no patch rim; "
            "images without a patch have an all-ones mask and has_mask True (nothing to ignore)"
        ),
        "test_patch_removed": (
            "the test set with each PNC image's patch pixels set to that image's per-channel mean over its non-patch "
            "pixels (App. E: 'replace the colorful patch of the image with its mean value, making it look like a "
            "background skin color'; the mean outside the patch, so the patch's colours do not enter it); masks, "
            "labels and groups unchanged; NPNC and C images identical to 'test'. Table 6 reads the PNC group"
        ),
    }
    tests = {"test": data["test"], "test_patch_removed": removed}
    return Task(NAME, data["train"], tests, val=data.get("val"), meta=meta)


def _isic_files(base: Path) -> list[tuple[int, Path, Path | None]]:
    """(group, image, patch mask or None) for every image, sorted by group and file name."""
    cancer = list_images(base / "processed" / "cancer", LAYOUT)
    no_cancer = list_images(base / "processed" / "no_cancer", LAYOUT)
    for folder, paths in (("cancer", cancer), ("no_cancer", no_cancer)):
        if not paths:
            raise ConfigError(f"{base / 'processed' / folder} holds no images; expected layout: {LAYOUT}")
    masks = {p.stem: p for p in list_images(base / "segmentation", LAYOUT)}
    cancer_stems = {p.stem for p in cancer}
    no_cancer_stems = {p.stem for p in no_cancer}
    for stem, path in masks.items():
        if stem not in no_cancer_stems:
            where = "belongs to a cancer image" if stem in cancer_stems else "has no image"
            raise ConfigError(
                f"{path} {where}; patch masks must match a file in {base / 'processed' / 'no_cancer'} by name "
                f"(patches occur only on non-cancer images); expected layout: {LAYOUT}"
            )
    files = [(1 if p.stem in masks else 0, p, masks.get(p.stem)) for p in no_cancer]
    files += [(2, p, None) for p in cancer]
    return sorted(files, key=lambda f: (f[0], f[1].name))


def _subset(files, max_per_group: int | None, seed: int):
    """At most ``max_per_group`` files per group, a seeded random choice kept in file order."""
    if max_per_group is None:
        return files
    kept = []
    for group in range(3):
        members = [f for f in files if f[0] == group]
        pick = item_rng(seed, "isic subset", group).permutation(len(members))[:max_per_group]
        kept += [members[i] for i in sorted(pick)]
    return kept


def _isic_data(files, size: int) -> ExplanationData:
    """Tensors for the listed (group, image, mask) files."""
    x = np.empty((len(files), 3, size, size), dtype=np.uint8)
    patch = np.zeros((len(files), size, size), dtype=bool)
    for i, (_, image, mask) in enumerate(files):
        x[i], full = read_rgb(image, size)
        if mask is not None:
            coverage, mask_full = read_mask(mask, size, PATCH_THRESHOLD)
            if mask_full != full:
                raise ConfigError(
                    f"{mask} is {mask_full[0]}x{mask_full[1]} px but its image {image} is {full[0]}x{full[1]} px"
                )
            if not coverage.any():
                raise ConfigError(f"{mask} marks no patch pixel (first channel > {PATCH_THRESHOLD} nowhere)")
            patch[i] = coverage > 0
    groups = torch.tensor([g for g, _, _ in files], dtype=torch.int64)
    relevance = torch.from_numpy(~patch).unsqueeze(1).expand(-1, 3, -1, -1).float()
    return ExplanationData(
        torch.from_numpy(x).float() / 255.0, (groups == 2).long(), relevance.contiguous(),
        torch.ones(len(files), dtype=torch.bool), groups, GROUP_NAMES,
    )


def _remove_patches(data: ExplanationData) -> ExplanationData:
    """The PNC images with their patch pixels set to the image's per-channel mean outside the patch (Table 6)."""
    x = data.x.clone()
    keep = data.mask  # 1 outside the patch
    mean = (x * keep).sum(dim=(2, 3), keepdim=True) / keep.sum(dim=(2, 3), keepdim=True).clamp_min(1.0)
    pnc = (data.groups == 1).view(-1, 1, 1, 1)
    x = torch.where(pnc & (keep == 0), mean.expand_as(x), x)
    return ExplanationData(x, data.y, data.mask, data.has_mask, data.groups, data.group_names)


def list_images(folder: Path, layout: str) -> list[Path]:
    """The image files of ``folder`` sorted by name; hidden files are skipped, any other file is an error."""
    paths = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if not path.is_file() or path.suffix.lower() not in IMAGE_EXTENSIONS:
            raise ConfigError(f"{path} is not a .jpg/.jpeg/.png image file; expected layout: {layout}")
        paths.append(path)
    return paths


def read_rgb(path: Path, size: int) -> tuple[np.ndarray, tuple[int, int]]:
    """An RGB image resized to (3, size, size) uint8, and its original (width, height); cached per file version."""
    return _read_rgb(os.fspath(path), size, os.stat(path).st_mtime_ns)


def read_mask(path: Path, size: int, threshold: int) -> tuple[np.ndarray, tuple[int, int]]:
    """A binary mask (first channel > ``threshold``) resized to (size, size): the fraction of marked area
    per pixel in [0, 1] (float32), and the original (width, height); cached per file version."""
    return _read_mask(os.fspath(path), size, threshold, os.stat(path).st_mtime_ns)


@functools.lru_cache(maxsize=None)
def _read_rgb(path: str, size: int, mtime_ns: int) -> tuple[np.ndarray, tuple[int, int]]:
    with _open(path) as img:
        full = img.size
        pixels = np.asarray(img.convert("RGB"))
    tensor = torch.from_numpy(pixels.copy()).permute(2, 0, 1).float()
    small = resize(tensor, [size, size], interpolation=InterpolationMode.BILINEAR, antialias=True)
    return _frozen(small.round().clamp(0, 255).to(torch.uint8).numpy()), full


@functools.lru_cache(maxsize=None)
def _read_mask(path: str, size: int, threshold: int, mtime_ns: int) -> tuple[np.ndarray, tuple[int, int]]:
    with _open(path) as img:
        full = img.size
        pixels = np.asarray(img)
    first = pixels[..., 0] if pixels.ndim == 3 else pixels
    marked = torch.from_numpy((first > threshold).astype(np.float32))[None]
    small = resize(marked, [size, size], interpolation=InterpolationMode.BILINEAR, antialias=True)[0]
    return _frozen(small.clamp(0, 1).numpy()), full


def _open(path: str) -> Image.Image:
    try:
        img = Image.open(path)
        img.load()
    except (OSError, UnidentifiedImageError) as err:
        raise ConfigError(f"{path} cannot be read as an image: {err}") from None
    return img


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array
