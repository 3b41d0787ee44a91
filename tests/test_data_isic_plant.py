"""The ISIC and Plant loaders (IBP-Ex Sec. 5.1, 5.3, 5.4, Table 6) on small trees built in the documented layouts."""
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mlxbook.data.isic import has_isic, isic_task
from mlxbook.data.plant import has_plant, plant_task
from mlxbook.errors import ConfigError

PER_GROUP = 12
ISIC_SIZE = 20
PATCH = (slice(4, 12), slice(4, 12))  # rows, cols of every patch mask
PLANT_SIZE = 16
LEAF = (slice(4, 12), slice(3, 13))
HEALTHY = [f"{d}_Z{p}_{k}" for d, p, k in [(1, 1, 0), (1, 2, 0), (2, 3, 0), (3, 1, 1), (4, 2, 1), (5, 3, 1), (2, 1, 2)]]
HEALTHY.append("3_Z2")  # the part after the plant number is optional
DISEASED = [f"{d}_Z{p}_0" for d, p in [(1, 4), (2, 8), (3, 9), (4, 13), (5, 14), (1, 18), (2, 5), (3, 17)]]
TEST_IDS = [HEALTHY[0], HEALTHY[1], DISEASED[0], DISEASED[1]]
TRAIN_IDS = [s for s in HEALTHY + DISEASED if s not in TEST_IDS]


def _rgb(rng, size):
    return rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def isic_root(tmp_path_factory) -> Path:
    """12 images per group (PNG and JPEG), PNC masks with a red 8x8 square (RGB PNG) in the CDEP layout."""
    root = tmp_path_factory.mktemp("isic")
    base = root / "ISIC"
    for sub in ("processed/cancer", "processed/no_cancer", "segmentation"):
        (base / sub).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(PER_GROUP):
        Image.fromarray(_rgb(rng, ISIC_SIZE)).save(base / "processed/cancer" / f"ISIC_c{i:02d}.png")
        ext = ".jpg" if i % 4 == 0 else ".png"
        Image.fromarray(_rgb(rng, ISIC_SIZE)).save(base / "processed/no_cancer" / f"ISIC_n{i:02d}{ext}")
        img = _rgb(rng, ISIC_SIZE)
        img[PATCH] = (0, 200, 0)
        Image.fromarray(img).save(base / "processed/no_cancer" / f"ISIC_p{i:02d}.png")
        mask = np.zeros((ISIC_SIZE, ISIC_SIZE, 3), dtype=np.uint8)
        mask[PATCH] = (255, 0, 0)
        Image.fromarray(mask).save(base / "segmentation" / f"ISIC_p{i:02d}.png")
    return root


@pytest.fixture(scope="module")
def isic(isic_root):
    return isic_task(isic_root, image_size=ISIC_SIZE, seed=0)


def _leaf_colour(sample: str) -> tuple[int, int, int]:
    index = (HEALTHY + DISEASED).index(sample)
    return (10 * index + 5, 80, 160)


@pytest.fixture(scope="module")
def plant_root(tmp_path_factory) -> Path:
    """16 samples (8 healthy, 8 diseased) as PNG under rgb_data/<day>/, leaf masks, split files of run 0."""
    root = tmp_path_factory.mktemp("plant")
    base = root / "Plant"
    (base / "masks").mkdir(parents=True)
    (base / "rgb_dataset_splits").mkdir()
    rng = np.random.default_rng(1)
    for sample in HEALTHY + DISEASED:
        folder = base / "rgb_data" / sample[0]
        folder.mkdir(parents=True, exist_ok=True)
        img = _rgb(rng, PLANT_SIZE)
        img[LEAF] = _leaf_colour(sample)
        Image.fromarray(img).save(folder / f"{sample}.png")
        mask = np.zeros((PLANT_SIZE, PLANT_SIZE), dtype=np.uint8)
        mask[LEAF] = 255
        Image.fromarray(mask).save(base / "masks" / f"{sample}.png")
    (base / "rgb_dataset_splits" / "train_0.txt").write_text("\n".join(TRAIN_IDS) + "\n\n")
    (base / "rgb_dataset_splits" / "test_0.txt").write_text("\n".join(TEST_IDS) + "\n")
    return root


@pytest.fixture(scope="module")
def plant(plant_root):
    return plant_task(plant_root, image_size=PLANT_SIZE, seed=0)


def _all(task):
    return [task.train, task.val, *task.tests.values()]


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------- ISIC


def test_isic_groups_labels_and_split_sizes(isic):
    parts = [isic.train, isic.val, isic.tests["test"]]
    assert [len(p) for p in parts] == [27, 4, 5]  # 36 images: round(0.1 * 36), round(0.15 * 36)
    groups = torch.cat([p.groups for p in parts])
    assert np.bincount(groups.numpy()).tolist() == [PER_GROUP] * 3
    for p in parts:
        assert torch.equal(p.y, (p.groups == 2).long())
        assert p.group_names[1].startswith("1: PNC")
    assert isic.name == "ISIC (skin lesions)"
    assert all(isinstance(v, str) for v in isic.meta.values())


def test_isic_masks_mark_the_patch_as_irrelevant(isic):
    square = torch.zeros(ISIC_SIZE, ISIC_SIZE, dtype=torch.bool)
    square[PATCH] = True
    for data in _all(isic):
        assert data.x.shape[1:] == (3, ISIC_SIZE, ISIC_SIZE) and data.mask.shape == data.x.shape
        assert data.x.min() >= 0 and data.x.max() <= 1 and bool(data.has_mask.all())
        for i, group in enumerate(data.groups.tolist()):
            expected = (~square).float() if group == 1 else torch.ones(ISIC_SIZE, ISIC_SIZE)
            assert torch.equal(data.mask[i], expected.expand(3, -1, -1))
            assert torch.equal(data.irrelevant[i], 1 - data.mask[i])
        pnc = data.groups == 1
        if pnc.any() and data is not isic.tests["test_patch_removed"]:  # the green patch is where the mask says
            assert torch.allclose(data.x[pnc][:, 1][:, square], torch.tensor(200 / 255))


def test_isic_patch_removal_changes_only_pnc_patches(isic):
    test, removed = isic.tests["test"], isic.tests["test_patch_removed"]
    for key in ("y", "mask", "has_mask", "groups"):
        assert torch.equal(getattr(test, key), getattr(removed, key))
    assert (test.groups == 1).sum() >= 1  # seed 0 puts PNC images in the test set
    changed = (test.x != removed.x).any(dim=1)
    inside = (test.groups == 1).view(-1, 1, 1) & (test.mask[:, 0] == 0)
    assert not (changed & ~inside).any()
    for i in torch.nonzero(test.groups == 1).flatten().tolist():
        keep = test.mask[i, 0] == 1
        mean = test.x[i][:, keep].mean(dim=1)
        assert torch.allclose(removed.x[i][:, ~keep], mean[:, None].expand(-1, int((~keep).sum())), atol=1e-6)


def test_isic_seed_determinism_subset_and_resize(isic_root, isic):
    again = isic_task(isic_root, image_size=ISIC_SIZE, seed=0)
    other = isic_task(isic_root, image_size=ISIC_SIZE, seed=1)
    assert torch.equal(again.tests["test"].x, isic.tests["test"].x)
    assert not torch.equal(other.tests["test"].x, isic.tests["test"].x)
    assert isic_task(isic_root, image_size=10, val_fraction=0.0).val is None
    small = isic_task(isic_root, image_size=10, seed=0, max_per_group=3, val_fraction=0.2, test_fraction=0.3)
    parts = [small.train, small.val, small.tests["test"]]
    assert [len(p) for p in parts] == [4, 2, 3]
    assert np.bincount(torch.cat([p.groups for p in parts]).numpy()).tolist() == [3, 3, 3]
    for p in parts:
        assert p.x.shape[1:] == (3, 10, 10)
        for i in torch.nonzero(p.groups == 1).flatten().tolist():  # the halved square, rows / cols 2..5, is irrelevant
            assert bool((p.mask[i, :, 2:6, 2:6] == 0).all())


def test_has_isic(isic_root, tmp_path):
    assert has_isic(isic_root) and not has_isic(tmp_path) and not has_isic(None)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"image_size": 4}, "image_size"),
        ({"seed": -1}, "seed"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "val_fraction"),
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"max_per_group": 0}, "max_per_group"),
        ({"max_per_group": 1}, "empty"),
    ],
)
def test_isic_bad_parameters(isic_root, kwargs, words):
    with pytest.raises(ConfigError, match=words):
        isic_task(isic_root, image_size=kwargs.pop("image_size", ISIC_SIZE), **kwargs)


def test_isic_missing_root_or_folder(isic_root, tmp_path):
    with pytest.raises(ConfigError, match="data_root=None.*expected layout"):
        isic_task(None)
    with pytest.raises(ConfigError, match="not an existing folder"):
        isic_task(tmp_path / "nowhere")
    broken = _copy(isic_root, tmp_path / "copy")
    for path in (broken / "ISIC/processed/no_cancer").iterdir():
        path.unlink()
    with pytest.raises(ConfigError, match="no_cancer holds no images"):
        isic_task(broken, image_size=ISIC_SIZE)
    (broken / "ISIC/processed/no_cancer").rmdir()
    with pytest.raises(ConfigError, match=r"ISIC/processed/no_cancer is missing; expected layout"):
        isic_task(broken, image_size=ISIC_SIZE)


def _break_isic(root: Path, how: str) -> str:
    """Damage one file of an ISIC copy; return the file name the error must mention."""
    base = root / "ISIC"
    if how == "orphan mask":
        Image.new("RGB", (ISIC_SIZE, ISIC_SIZE), (255, 0, 0)).save(base / "segmentation/ISIC_x99.png")
        return "ISIC_x99.png"
    if how == "cancer mask":
        Image.new("RGB", (ISIC_SIZE, ISIC_SIZE), (255, 0, 0)).save(base / "segmentation/ISIC_c03.png")
        return "ISIC_c03.png"
    if how == "mask size":
        Image.new("RGB", (ISIC_SIZE + 2, ISIC_SIZE), (255, 0, 0)).save(base / "segmentation/ISIC_p05.png")
        return "ISIC_p05.png"
    if how == "empty mask":
        Image.new("RGB", (ISIC_SIZE, ISIC_SIZE), (50, 0, 0)).save(base / "segmentation/ISIC_p05.png")
        return "ISIC_p05.png"
    if how == "not an image file":
        (base / "processed/cancer/notes.txt").write_text("x")
        return "notes.txt"
    (base / "processed/cancer/ISIC_c04.png").write_bytes(b"not a png")  # corrupt image
    return "ISIC_c04.png"


@pytest.mark.parametrize("how", ["orphan mask", "cancer mask", "mask size", "empty mask", "not an image file", "corrupt"])
def test_isic_malformed_files_are_named(isic_root, tmp_path, how):
    broken = _copy(isic_root, tmp_path / "copy")
    name = _break_isic(broken, how)
    with pytest.raises(ConfigError, match=name):
        isic_task(broken, image_size=ISIC_SIZE)


# ---------------------------------------------------------------- Plant


def _raw(plant_root: Path, sample: str) -> torch.Tensor:
    path = plant_root / "Plant" / "rgb_data" / sample[0] / f"{sample}.png"
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB")).copy()).permute(2, 0, 1).float() / 255


def _sample_of(x: torch.Tensor) -> str:
    """The sample whose leaf colour this image carries."""
    colour = tuple(round(v * 255) for v in x[:, LEAF[0].start, LEAF[1].start].tolist())
    return next(s for s in HEALTHY + DISEASED if _leaf_colour(s) == colour)


def test_plant_labels_groups_and_published_split(plant):
    assert plant.name == "Plant phenotyping"
    assert [len(plant.train), len(plant.val), len(plant.tests["test"])] == [10, 2, 4]  # val = round(0.1 * 16)
    parts = {"train": plant.train, "val": plant.val, "test": plant.tests["test"]}
    samples = {k: [_sample_of(x) for x in d.x] for k, d in parts.items()}
    assert samples["test"] == TEST_IDS
    assert sorted(samples["train"] + samples["val"]) == sorted(TRAIN_IDS)
    for data, ids in ((plant.train, samples["train"]), (plant.tests["test"], samples["test"])):
        assert data.y.tolist() == [0 if s in HEALTHY else 1 for s in ids]
        assert torch.equal(data.groups, data.y) and data.group_names == ("0: healthy", "1: diseased")
    assert all(isinstance(v, str) for v in plant.meta.values())


def test_plant_masks_and_test_background(plant_root, plant):
    leaf = torch.zeros(PLANT_SIZE, PLANT_SIZE, dtype=torch.bool)
    leaf[LEAF] = True
    mean = plant.train.x.mean(dim=(0, 2, 3))
    for data in _all(plant):
        assert data.x.shape[1:] == (3, PLANT_SIZE, PLANT_SIZE) and data.x.min() >= 0 and data.x.max() <= 1
        assert torch.equal(data.mask, leaf.float().expand_as(data.mask)) and bool(data.has_mask.all())
    for i, x in enumerate(plant.train.x):  # train keeps its background
        assert torch.equal(x, _raw(plant_root, _sample_of(x)))
    for data in (plant.tests["test"], plant.val):  # leaf untouched, background = the training mean
        for x in data.x:
            raw = _raw(plant_root, _sample_of(x))
            assert torch.equal(x[:, leaf], raw[:, leaf])
            assert torch.allclose(x[:, ~leaf], mean[:, None].expand(-1, int((~leaf).sum())))


def test_plant_seed_determinism_and_val_background(plant_root, plant):
    again = plant_task(plant_root, image_size=PLANT_SIZE, seed=0)
    assert torch.equal(again.val.x, plant.val.x) and torch.equal(again.tests["test"].x, plant.tests["test"].x)
    vals = {tuple(_sample_of(x) for x in plant_task(plant_root, image_size=PLANT_SIZE, seed=s).val.x) for s in range(5)}
    assert len(vals) > 1
    original = plant_task(plant_root, image_size=PLANT_SIZE, seed=0, val_background="original")
    for x in original.val.x:
        assert torch.equal(x, _raw(plant_root, _sample_of(x)))
    small = plant_task(plant_root, image_size=8, seed=0, val_fraction=0.25)
    assert [len(small.train), len(small.val)] == [8, 4] and small.train.x.shape[1:] == (3, 8, 8)
    assert plant_task(plant_root, image_size=8, val_fraction=0.0).val is None


def test_has_plant(plant_root, tmp_path):
    assert has_plant(plant_root) and not has_plant(plant_root, cv_split=1)
    assert not has_plant(tmp_path) and not has_plant(None)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"image_size": 2}, "image_size"),
        ({"cv_split": -1}, "cv_split"),
        ({"val_fraction": 0.9}, "val_fraction"),
        ({"val_background": "zero"}, "val_background"),
        ({"cv_split": 1}, "train_1.txt is missing"),
    ],
)
def test_plant_bad_parameters(plant_root, kwargs, words):
    with pytest.raises(ConfigError, match=words):
        plant_task(plant_root, **{"image_size": PLANT_SIZE, **kwargs})


def test_plant_missing_root_or_folder(plant_root, tmp_path):
    with pytest.raises(ConfigError, match="data_root=None.*expected layout"):
        plant_task(None)
    broken = _copy(plant_root, tmp_path / "copy")
    for path in (broken / "Plant/masks").iterdir():
        path.unlink()
    (broken / "Plant/masks").rmdir()
    with pytest.raises(ConfigError, match=r"Plant/masks is missing; expected layout"):
        plant_task(broken, image_size=PLANT_SIZE)


def _break_plant(root: Path, how: str) -> str:
    """Damage one file of a Plant copy; return a pattern the error must match."""
    base = root / "Plant"
    splits = base / "rgb_dataset_splits"
    if how == "bad id":
        splits.joinpath("train_0.txt").write_text("\n".join(TRAIN_IDS + ["7_Z2_0"]))
        return r"train_0.txt line 13: '7_Z2_0'"
    if how == "plant out of range":
        splits.joinpath("test_0.txt").write_text("\n".join(TEST_IDS + ["1_Z19_0"]))
        return r"test_0.txt line 5: '1_Z19_0'"
    if how == "in both":
        splits.joinpath("test_0.txt").write_text("\n".join(TEST_IDS + [TRAIN_IDS[0]]))
        return "in both train_0.txt and test_0.txt"
    if how == "duplicate":
        splits.joinpath("test_0.txt").write_text("\n".join(TEST_IDS + [TEST_IDS[0]]))
        return "test_0.txt lists '1_Z1_0' more than once"
    if how == "empty split":
        splits.joinpath("test_0.txt").write_text("\n")
        return "test_0.txt lists no sample ids"
    if how == "missing image":
        (base / "rgb_data" / TEST_IDS[1][0] / f"{TEST_IDS[1]}.png").unlink()
        return f"{TEST_IDS[1]}.JPEG is missing"
    if how == "missing mask":
        (base / "masks" / f"{TRAIN_IDS[2]}.png").unlink()
        return f"masks/{TRAIN_IDS[2]}.png is missing"
    Image.new("L", (PLANT_SIZE, PLANT_SIZE + 1)).save(base / "masks" / f"{TRAIN_IDS[3]}.png")  # wrong size
    return f"{TRAIN_IDS[3]}.png is 16x17 px"


@pytest.mark.parametrize(
    "how",
    ["bad id", "plant out of range", "in both", "duplicate", "empty split", "missing image", "missing mask", "mask size"],
)
def test_plant_malformed_files_are_named(plant_root, tmp_path, how):
    broken = _copy(plant_root, tmp_path / "copy")
    pattern = _break_plant(broken, how)
    with pytest.raises(ConfigError, match=pattern):
        plant_task(broken, image_size=PLANT_SIZE)
