"""The Bird loader (two-stage MLX paper, Appendix A.3, A.4) on a small fake CUB-200-2011 tree in the published layout."""
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mlxbook.data.cub import bird_task, has_cub
from mlxbook.errors import ConfigError

SIZE = 64
BEAK_BOX = 8  # default at 64
SQUARE = 6  # default at 64
OUTSIDE = (255, 0, 255)  # colour of every pixel outside the bounding boxes
PARTS = ["back", "beak", "belly", "breast", "crown", "forehead", "left eye", "left leg", "left wing", "nape",
         "right eye", "right leg", "right wing", "tail", "throat"]
CLASSES = {1: "001.Black_footed_Albatross", 14: "014.Indigo_Bunting", 54: "054.Blue_Grosbeak", 55: "055.Evening_Grosbeak"}
SHUFFLED = {3: "001.Black_footed_Albatross", 4: "014.Indigo_Bunting", 1: "054.Blue_Grosbeak", 2: "055.Evening_Grosbeak"}
# (class name, number of train images, number of test images)
PLAN = [("014.Indigo_Bunting", 9, 4), ("054.Blue_Grosbeak", 7, 5), ("055.Evening_Grosbeak", 2, 2)]
INVISIBLE, OUT_OF_BOX, LOW_LEFT = 2, 22, 15  # image ids: bunting (train) beak not visible; grosbeak (test) beak
# outside its box; grosbeak (train) beak in the lower-left corner of its box


def make_cub(root: Path, classes=CLASSES) -> dict:
    """Write a fake CUB_200_2011 tree under ``root``; return per image id its colour, box, beak and label."""
    folder = root / "CUB_200_2011"
    (folder / "parts").mkdir(parents=True)
    rng = np.random.default_rng(7)
    class_id = {name: i for i, name in classes.items()}
    lines = {k: [] for k in ("images", "labels", "boxes", "split", "locs")}
    birds, image_id = {}, 0
    for name, n_train, n_test in PLAN:
        (folder / "images" / name).mkdir(parents=True)
        for k in range(n_train + n_test):
            image_id += 1
            width, height = (int(v) for v in rng.integers(70, 130, size=2))
            bw, bh = int(rng.integers(30, width - 20)), int(rng.integers(30, height - 20))
            bx, by = int(rng.integers(5, width - bw - 5)), int(rng.integers(5, height - bh - 5))
            colour = tuple(int(v) for v in rng.integers(60, 200, size=3))
            pixels = np.full((height, width, 3), OUTSIDE, dtype=np.uint8)
            pixels[by:by + bh, bx:bx + bw] = colour
            path = f"{name}/{name.split('.')[1]}_{image_id:04d}_{1000 + image_id}.jpg"
            Image.fromarray(pixels).save(folder / "images" / path, quality=95, subsampling=0)
            beak = (round(bx + rng.uniform(8, bw - 8), 1), round(by + rng.uniform(8, bh - 8), 1), 1)  # as written
            if image_id == INVISIBLE:
                beak = (0.0, 0.0, 0)
            elif image_id == OUT_OF_BOX:
                beak = (bx - 3.0, by + bh / 2, 1)
            elif image_id == LOW_LEFT:
                beak = (bx + 1.0, by + bh - 1.0, 1)
            birds[image_id] = {"colour": colour, "box": (bx, by, bw, bh), "beak": beak, "name": name,
                               "train": k < n_train}
            lines["images"].append(f"{image_id} {path}")
            lines["labels"].append(f"{image_id} {class_id[name]}")
            lines["boxes"].append(f"{image_id} {bx:.1f} {by:.1f} {bw:.1f} {bh:.1f}")
            lines["split"].append(f"{image_id} {int(k < n_train)}")
            for part in range(1, 16):
                x, y, v = beak if part == 2 else (bx + 1.0, by + 1.0, 1)
                lines["locs"].append(f"{image_id} {part} {x:.1f} {y:.1f} {v}")
    files = {
        "classes.txt": [f"{i} {n}" for i, n in classes.items()],
        "images.txt": lines["images"],
        "image_class_labels.txt": lines["labels"],
        "bounding_boxes.txt": lines["boxes"],
        "train_test_split.txt": lines["split"],
        "parts/parts.txt": [f"{i} {n}" for i, n in enumerate(PARTS, start=1)],
        "parts/part_locs.txt": lines["locs"],
    }
    for name, content in files.items():
        (folder / name).write_text("\n".join(content) + "\n")
    return birds


@pytest.fixture(scope="module")
def cub(tmp_path_factory):
    root = tmp_path_factory.mktemp("cub")
    return root, make_cub(root)


@pytest.fixture
def fresh(tmp_path):
    """A tree of this test's own, free to break."""
    return tmp_path, make_cub(tmp_path)


def _find(data, birds, image_id) -> int:
    """The index in ``data`` of bird ``image_id``, recognised by its colour."""
    colour = torch.tensor(birds[image_id]["colour"], dtype=torch.float32) / 255
    dist = (data.x.mean(dim=(2, 3)) - colour).abs().max(dim=1).values
    assert dist.min() < 0.03
    return int(dist.argmin())


def _expected_box(bird, side=BEAK_BOX):
    """Rows and columns [r0, r1), [c0, c1) of the beak square in the 64 x 64 frame, from the fixture's coordinates."""
    bx, by, bw, bh = bird["box"]
    u, v = (bird["beak"][0] - bx) * SIZE / bw, (bird["beak"][1] - by) * SIZE / bh
    r0, c0 = math.floor(v - side / 2 + 0.5), math.floor(u - side / 2 + 0.5)
    return max(r0, 0), min(r0 + side, SIZE), max(c0, 0), min(c0 + side, SIZE), (v, u)


def _squares(x: torch.Tensor, colour) -> np.ndarray:
    """(N, H, W) boolean: pixels exactly of ``colour``."""
    return (x == torch.tensor(colour, dtype=x.dtype).view(1, 3, 1, 1)).all(dim=1).numpy()


def test_selection_by_name_shapes_and_ranges(cub):
    root, birds = cub
    task = bird_task(root)
    assert task.name == "Bird (CUB-200-2011: Indigo Bunting vs Blue Grosbeak)"
    assert list(task.tests) == ["test"]
    assert task.train.class_counts() == {0: 7, 1: 7}  # 1:1 caps the 9 train buntings at the 7 grosbeaks
    assert task.tests["test"].class_counts() == {0: 4, 1: 4}  # the fifth test grosbeak is dropped
    for data in (task.train, task.tests["test"]):
        n = len(data)
        assert data.x.shape == data.mask.shape == (n, 3, SIZE, SIZE)
        assert data.x.dtype == data.mask.dtype == torch.float32
        assert data.y.dtype == torch.int64 and data.has_mask.dtype == torch.bool
        assert data.x.min() >= 0 and data.x.max() <= 1
        assert set(data.mask.unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(data.groups, data.y)
    for image_id, bird in birds.items():  # every image shown is a bunting (0) or a grosbeak (1), by its colour
        colour = torch.tensor(bird["colour"], dtype=torch.float32) / 255
        for data in (task.train, task.tests["test"]):
            dist = (data.x.mean(dim=(2, 3)) - colour).abs().max(dim=1).values
            if dist.min() < 0.03:
                assert bird["name"] != "055.Evening_Grosbeak"
                assert int(data.y[dist.argmin()]) == (bird["name"] == "054.Blue_Grosbeak")
    assert all(isinstance(v, str) for v in task.meta.values())
    for key in ("source", "classes", "ratio", "mask", "no beak", "spurious square", "test split", "counts"):
        assert key in task.meta


def test_shuffled_class_ids_and_folder_root(cub, tmp_path):
    root, _ = cub
    task = bird_task(root)
    make_cub(tmp_path, classes=SHUFFLED)
    for other in (bird_task(tmp_path), bird_task(root / "CUB_200_2011")):
        for a, b in ((task.train, other.train), (task.tests["test"], other.tests["test"])):
            assert all(torch.equal(getattr(a, k), getattr(b, k)) for k in ("x", "y", "mask", "has_mask"))


def test_crop_shows_only_the_box(cub):
    root, birds = cub
    task = bird_task(root)
    for data in (task.train, task.tests["test"]):
        for i in range(len(data)):
            pixels = data.x[i].flatten(1).T  # (H*W, 3)
            colour = pixels.median(dim=0).values
            assert (pixels - colour).abs().max() < 0.12  # one colour, up to JPEG noise
            assert ((pixels - torch.tensor(OUTSIDE) / 255).abs().max(dim=1).values > 0.2).all()


def test_beak_masks_and_missing_beaks(cub):
    root, birds = cub
    seen = set()
    # 1:9 uses all 9 train buntings (with bird 2, beak not visible); 1:1 all 7 train grosbeaks
    for data in (bird_task(root).train, bird_task(root, ratio="1:9").train, bird_task(root).tests["test"]):
        assert (data.mask[:, 0:1] == data.mask).all()  # the same mask on the three channels
        for image_id, bird in birds.items():
            if bird["name"] == "055.Evening_Grosbeak" or image_id == 25:  # 25: the dropped fifth test grosbeak
                continue
            dist = (data.x.mean(dim=(2, 3)) - torch.tensor(bird["colour"]) / 255).abs().max(dim=1).values
            if dist.min() >= 0.03:
                continue
            i = int(dist.argmin())
            seen.add(image_id)
            if image_id in (INVISIBLE, OUT_OF_BOX):
                assert not data.has_mask[i] and (data.mask[i] == 1).all()
                continue
            r0, r1, c0, c1, (v, u) = _expected_box(bird)
            expected = torch.zeros(SIZE, SIZE)
            expected[r0:r1, c0:c1] = 1
            assert data.has_mask[i] and torch.equal(data.mask[i, 0], expected)
            if (r1 - r0, c1 - c0) == (BEAK_BOX, BEAK_BOX):
                rows, cols = torch.nonzero(expected, as_tuple=True)
                assert abs(rows.float().mean() + 0.5 - v) <= 0.5 and abs(cols.float().mean() + 0.5 - u) <= 0.5
    assert seen == set(range(1, 25))  # 9 + 7 train and 4 + 4 test birds, among them INVISIBLE and OUT_OF_BOX
    small = bird_task(root, ratio="1:9", beak_box=5).train
    assert small.mask[small.has_mask, 0].flatten(1).sum(1).max() == 25


def test_ratio_counts_and_sparse_explanations(cub):
    root, _ = cub
    for kwargs in ({"ratio": "1:9"}, {"ratio": "1:9", "n_train": 10}, {"ratio": "2:18"}):
        assert bird_task(root, **kwargs).train.class_counts() == {0: 9, 1: 1}
    assert bird_task(root, n_train=6).train.class_counts() == {0: 3, 1: 3}
    assert bird_task(root, ratio="2:1").train.class_counts() == {0: 3, 1: 6}
    minority = bird_task(root, ratio="1:9", explanations="minority").train
    assert torch.equal(minority.has_mask, minority.y == 1)
    assert (minority.mask[minority.y == 0] == 1).all()
    majority_pos = bird_task(root, ratio="2:1", explanations="minority").train
    assert not majority_pos.has_mask[majority_pos.y == 1].any()
    none = bird_task(root, explanations="none")
    assert not none.train.has_mask.any() and (none.train.mask == 1).all()
    assert none.tests["test"].has_mask.sum() == 7  # test masks stay (one beak outside its box)


def test_spurious_squares(cub):
    root, birds = cub
    clean = bird_task(root, ratio="1:1")
    for placement in ("text", "figure"):
        for explanations in ("all", "none"):
            task = bird_task(root, spurious=True, spurious_placement=placement, explanations=explanations)
            train = task.train
            red, green = _squares(train.x, (1, 0, 0)), _squares(train.x, (0, 1, 0))
            for i in range(len(train)):
                square = red[i] if train.y[i] == 1 else green[i]
                assert not (green[i] if train.y[i] == 1 else red[i]).any()
                rows, cols = np.nonzero(square)
                assert square.sum() == SQUARE * SQUARE and np.ptp(rows) == np.ptp(cols) == SQUARE - 1
                beak = clean.train.mask[i, 0].numpy() if clean.train.has_mask[i] else np.zeros((SIZE, SIZE))
                assert not (square & (beak > 0)).any()  # never on the beak, with or without the mask kept
                if placement == "figure":
                    assert cols.min() == 0 if train.y[i] == 1 else cols.max() == SIZE - 1
                unpainted = ~torch.from_numpy(square).expand(3, -1, -1)
                assert torch.equal(train.x[i][unpainted], clean.train.x[i][unpainted])
            assert torch.equal(train.mask, bird_task(root, explanations=explanations).train.mask)
            assert torch.equal(task.tests["test"].x, clean.tests["test"].x)  # test stays clean
            if placement == "figure":  # the lower-left corner is taken by bird 15's beak: its square moves up
                i = _find(train, birds, LOW_LEFT)
                assert np.nonzero(red[i])[0].max() < SIZE - 1


def test_determinism_and_nesting(cub):
    root, _ = cub
    a, b = bird_task(root, seed=4, spurious=True), bird_task(root, seed=4, spurious=True)
    assert all(torch.equal(getattr(a.train, k), getattr(b.train, k)) for k in ("x", "y", "mask", "has_mask"))
    c = bird_task(root, seed=5, spurious=True)
    assert not torch.equal(a.train.x, c.train.x)
    assert torch.equal(a.tests["test"].x, c.tests["test"].x)  # the test set does not depend on the seed
    small, large = bird_task(root, seed=4, n_train=4).train, bird_task(root, seed=4, n_train=10).train
    for i in range(len(small)):
        assert any(torch.equal(small.x[i], large.x[j]) for j in range(len(large)))


@pytest.mark.parametrize("name", ["images.txt", "image_class_labels.txt", "classes.txt", "bounding_boxes.txt",
                                  "train_test_split.txt", "parts/parts.txt", "parts/part_locs.txt", "images"])
def test_missing_file_is_named(tmp_path, name):
    make_cub(tmp_path)
    target = tmp_path / "CUB_200_2011" / name
    if target.is_dir():
        for f in sorted(target.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
        target.rmdir()
    else:
        target.unlink()
    assert not has_cub(tmp_path)
    with pytest.raises(ConfigError, match=name):
        bird_task(tmp_path)


@pytest.mark.parametrize("name, line, text", [
    ("bounding_boxes.txt", 3, "3 10.0 12.0 abc 40.0"),
    ("bounding_boxes.txt", 4, "4 nan 12.0 30.0 40.0"),
    ("train_test_split.txt", 6, "5 1"),  # id 5 twice
    ("parts/part_locs.txt", 5, "1 5 3.0"),
    ("images.txt", 1, "1"),
    ("classes.txt", 2, "x 014.Indigo_Bunting"),
])
def test_malformed_line_is_named(fresh, name, line, text):
    root, _ = fresh
    path = root / "CUB_200_2011" / name
    lines = path.read_text().splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=rf"{name}, line {line}:"):
        bird_task(root)


def test_missing_image_and_missing_class(fresh, tmp_path_factory):
    root, _ = fresh
    image = next((root / "CUB_200_2011" / "images" / "054.Blue_Grosbeak").glob("*.jpg"))
    image.unlink()
    with pytest.raises(ConfigError, match=image.name):
        bird_task(root)
    other = tmp_path_factory.mktemp("no_grosbeak")
    make_cub(other)
    classes = other / "CUB_200_2011" / "classes.txt"
    classes.write_text(classes.read_text().replace("054.Blue_Grosbeak", "054.Blue_Jay"))
    with pytest.raises(ConfigError, match="classes.txt.*Blue_Grosbeak"):
        bird_task(other)


def test_has_cub_and_bad_options(cub, tmp_path):
    root, _ = cub
    assert has_cub(root) and has_cub(root / "CUB_200_2011") and has_cub(str(root))
    assert not has_cub(None) and not has_cub(tmp_path) and not has_cub(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="data_root=None.*CUB-200-2011"):
        bird_task(None)
    with pytest.raises(ConfigError, match="data_root=.*nowhere"):
        bird_task(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="CUB_200_2011"):
        bird_task(tmp_path)
    for kwargs, name in [
        ({"ratio": "1-9"}, "ratio"), ({"ratio": "0:1"}, "ratio"), ({"ratio": "9:1"}, "ratio"),
        ({"image_size": 8}, "image_size"), ({"image_size": "64"}, "image_size"),
        ({"explanations": "some"}, "explanations"), ({"spurious": "yes"}, "spurious"),
        ({"spurious_placement": "corner"}, "spurious_placement"), ({"square": 30}, "square"),
        ({"beak_box": 0}, "beak_box"), ({"n_train": 30}, "n_train"), ({"n_train": 0}, "n_train"),
        ({"seed": -1}, "seed"),
    ]:
        with pytest.raises(ConfigError, match=name):
            bird_task(root, **kwargs)
