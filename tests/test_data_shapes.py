"""Properties of the Triangle Orientation and Fox vs Cat generators (two-stage MLX paper, Appendix A.1, A.2, A.4)."""
import numpy as np
import pytest
import torch

from mlxbook.data.shapes import fox_cat_task, triangle_task
from mlxbook.errors import ConfigError

BUILDERS = {"triangle": triangle_task, "fox_cat": fox_cat_task}
SQUARE = 6  # spurious square side at size 64
SIZE = 64


@pytest.fixture(scope="module")
def tri():
    return triangle_task(40, n_test=40, seed=3)


@pytest.fixture(scope="module")
def fox():
    return fox_cat_task(40, n_test=40, seed=3)


def _splits(task):
    return {"train": task.train, **task.tests}


def _bright_rows(img: np.ndarray) -> np.ndarray:
    """Indices of the rows of a (H, W) image holding at least one bright pixel."""
    return np.flatnonzero((img > 0).any(axis=1))


def _same(a, b):
    return all(torch.equal(getattr(a, k), getattr(b, k)) for k in ("x", "y", "mask", "has_mask", "groups"))


@pytest.mark.parametrize("name", BUILDERS)
def test_types_ranges_and_binary_masks(name):
    task = BUILDERS[name](30, n_test=20, seed=1, spurious=True)
    for data in _splits(task).values():
        n = len(data)
        assert data.x.shape == data.mask.shape == (n, 1, SIZE, SIZE)
        assert data.x.dtype == data.mask.dtype == torch.float32
        assert data.y.dtype == torch.int64 and data.has_mask.dtype == torch.bool
        assert data.x.min() >= 0 and data.x.max() <= 1
        assert set(data.mask.unique().tolist()) <= {0.0, 1.0}
        assert torch.equal(data.groups, data.y)  # groups default to labels
        assert ((data.x > 0).flatten(1).sum(1) > 0).all()  # every image shows a shape
        assert (data.mask.flatten(1).sum(1) > 0).all()
    assert task.name == {"triangle": "Triangle", "fox_cat": "Fox vs Cat"}[name]
    assert list(task.tests) == ["test", {"triangle": "pentagon", "fox_cat": "triangle_vs_circle"}[name]]
    assert all(isinstance(v, str) for v in task.meta.values())
    for key in ("n_train", "seed", "ratio", "spurious", "explanations", "mask", "brightness", "spurious square"):
        assert key in task.meta


@pytest.mark.parametrize("name", BUILDERS)
def test_deterministic_per_seed_and_nested(name):
    build = BUILDERS[name]
    a, b, c = build(20, n_test=10, seed=5), build(20, n_test=10, seed=5), build(20, n_test=10, seed=6)
    for split in _splits(a):
        assert _same(_splits(a)[split], _splits(b)[split])
        assert not torch.equal(_splits(a)[split].x, _splits(c)[split].x)
    assert not torch.equal(a.train.x[:10], a.tests["test"].x)  # train and test streams differ
    big = build(30, n_test=10, seed=5, spurious=True)
    small = build(10, n_test=10, seed=5, spurious=True)
    assert _same(big.train.subset(slice(0, 10)), small.train)
    big, small = build(30, n_test=10, seed=5, ratio="1:9"), build(10, n_test=10, seed=5, ratio="1:9")
    assert _same(big.train.subset(slice(0, 10)), small.train)


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize(
    "n_train, ratio, positives",
    [(20, "1:1", 10), (21, "1:1", 11), (50, "1:9", 5), (15, "1:9", 2), (10, "3:7", 3), (10, "30:70", 3), (8, "3:1", 6)],
)
def test_label_counts(name, n_train, ratio, positives):
    task = BUILDERS[name](n_train, n_test=30, seed=2, ratio=ratio)
    assert int(task.train.y.sum()) == positives and len(task.train) == n_train
    for data in task.tests.values():
        assert data.class_counts() == {0: 15, 1: 15}


def test_labels_are_shuffled_not_alternating():
    y = triangle_task(200, n_test=2, seed=0).train.y
    assert y.sum() == 100 and not torch.equal(y, torch.arange(200) % 2) and not torch.equal(y, 1 - torch.arange(200) % 2)


@pytest.mark.parametrize("split", ["train", "test"])
def test_triangle_orientation_matches_label_and_mask_holds_apex(tri, split):
    data = _splits(tri)[split]
    for img, mask, label in zip(data.x[:, 0].numpy(), data.mask[:, 0].numpy(), data.y.tolist()):
        rows = _bright_rows(img)
        first, last = rows[0], rows[-1]
        width_first, width_last = (img[first] > 0).sum(), (img[last] > 0).sum()
        # class 1 points up: the apex (one pixel) is the top row and the base the bottom row
        apex_row, base_row = (first, last) if label == 1 else (last, first)
        assert (img[apex_row] > 0).sum() == 1
        assert (width_first < width_last) == (label == 1)
        assert np.all(np.diff(rows) == 1)  # one connected shape
        apex_col = np.flatnonzero(img[apex_row] > 0)[0]
        assert mask[apex_row, apex_col] == 1
        # mask: a rectangle from apex to base over the axis, narrower than the base
        mr, mc = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        assert mask[mr[0]:mr[-1] + 1, mc[0]:mc[-1] + 1].all() and mask.sum() == len(mr) * len(mc)
        assert (mr[0], mr[-1]) == (first, last)
        base = np.flatnonzero(img[base_row] > 0)
        assert base[0] < mc[0] and mc[-1] < base[-1] and (mc[0] + mc[-1]) == (base[0] + base[-1])
        assert len(np.unique(img[img > 0])) == 1 and 0.6 <= img.max() <= 1.0


def test_fox_cat_mask_lies_on_the_head(fox):
    test, heads = fox.tests["test"], fox.tests["triangle_vs_circle"]
    for img, head_img, mask, label in zip(
        test.x[:, 0].numpy(), heads.x[:, 0].numpy(), test.mask[:, 0].numpy(), test.y.tolist()
    ):
        head, body = head_img > 0, (img > 0) & ~(head_img > 0)
        assert body.any() and not (mask.astype(bool) & body).any()
        head_rows, body_rows = _bright_rows(head), _bright_rows(body)
        assert head_rows[-1] < body_rows[0]  # the head sits on the body
        mr, mc = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        head_cols = np.flatnonzero(head.any(0))
        assert mr[0] == head_rows[0] and mr[-1] <= head_rows[-1]
        assert head_cols[0] <= mc[0] and mc[-1] <= head_cols[-1]
        assert len(mr) == len(mc)  # a square
        top = np.flatnonzero(head[head_rows[0]])
        assert (len(top) == 1) == (label == 1)  # fox: the apex; cat: the top of the arc
        assert mask[head_rows[0], top].all()
        # the fox head is a triangle: rows widen by at most one pixel per side; the cat head is round
        widths = head[head_rows].sum(1)
        assert (widths[-1] > widths[len(widths) // 2]) == (label == 1)


def test_pentagon_is_the_middle_slice_of_the_test_triangles(tri):
    test, pent = tri.tests["test"], tri.tests["pentagon"]
    assert torch.equal(test.y, pent.y) and pent.has_mask.all()
    assert (pent.x <= test.x).all()
    kept = pent.x > 0
    assert torch.equal(pent.x[kept], test.x[kept])
    assert ((pent.x > 0).flatten(1).sum(1) < (test.x > 0).flatten(1).sum(1)).all()
    assert (pent.mask <= test.mask).all()
    for img, orig, label in zip(pent.x[:, 0].numpy(), test.x[:, 0].numpy(), pent.y.tolist()):
        rows = _bright_rows(img)
        assert np.array_equal(rows, _bright_rows(orig))  # a vertical slice keeps apex and base rows
        widths = (img[rows] > 0).sum(1) if label == 1 else (img[rows[::-1]] > 0).sum(1)
        # from the apex: a triangular tip that widens, then a rectangle of constant width (a pentagon)
        assert widths[0] == 1 and np.all(np.diff(widths) >= 0)
        assert widths[-1] == widths[-2] < (orig[rows[-1] if label == 1 else rows[0]] > 0).sum()
        cols = np.flatnonzero((img > 0).any(0))
        assert len(cols) == widths[-1] and np.all(np.diff(cols) == 1)  # one central band


def test_triangle_vs_circle_removes_the_body_only(fox):
    test, heads = fox.tests["test"], fox.tests["triangle_vs_circle"]
    assert torch.equal(test.y, heads.y) and torch.equal(test.mask, heads.mask) and heads.has_mask.all()
    assert (heads.x <= test.x).all()
    kept = heads.x > 0
    assert torch.equal(heads.x[kept], test.x[kept])
    assert ((heads.x > 0).flatten(1).sum(1) < (test.x > 0).flatten(1).sum(1)).all()
    removed = ((test.x > 0) & ~kept)[:, 0].numpy()
    for body in removed:  # what was removed is one filled rectangle
        r, c = np.flatnonzero(body.any(1)), np.flatnonzero(body.any(0))
        assert body[r[0]:r[-1] + 1, c[0]:c[-1] + 1].all() and body.sum() == len(r) * len(c)


def _square_corners(diff: np.ndarray) -> list[tuple[int, int]]:
    """Top-left pixel of the single SQUARE x SQUARE block of value 1 that ``diff`` (N, H, W) holds per image."""
    corners = []
    for d in diff:
        r, c = np.flatnonzero(d.any(1)), np.flatnonzero(d.any(0))
        assert len(r) == len(c) == SQUARE and (d[r[0]:r[-1] + 1, c[0]:c[-1] + 1] == 1).all()
        assert (d != 0).sum() == SQUARE * SQUARE
        corners.append((r[0], c[0]))
    return corners


@pytest.mark.parametrize(
    "name, placement, rule",
    [
        # rule(label) -> (allowed top rows, left column) of the square
        ("triangle", "text", lambda y: (range(0, SIZE - SQUARE + 1), 0 if y == 1 else SIZE - SQUARE)),
        ("triangle", "figure", lambda y: ((SIZE - SQUARE,) if y == 1 else (0,), 0)),
        ("fox_cat", None, lambda y: ((0,), 0 if y == 1 else SIZE - SQUARE)),
    ],
)
def test_spurious_squares_follow_the_rule_in_train_only(name, placement, rule):
    options = {} if placement is None else {"spurious_placement": placement}
    clean = BUILDERS[name](120, n_test=20, seed=4, **options)
    spur = BUILDERS[name](120, n_test=20, seed=4, spurious=True, **options)
    for key in clean.tests:
        assert _same(clean.tests[key], spur.tests[key])  # test sets never carry squares
    assert torch.equal(clean.train.mask, spur.train.mask) and torch.equal(clean.train.y, spur.train.y)
    diff = (spur.train.x - clean.train.x)[:, 0].numpy()
    corners = _square_corners(diff)
    for (row, col), y, shape, mask in zip(
        corners, spur.train.y.tolist(), clean.train.x[:, 0].numpy(), spur.train.mask[:, 0].numpy()
    ):
        rows, left = rule(y)
        assert row in rows and col == left
    square = diff != 0
    assert not (square & (spur.train.mask[:, 0].numpy() > 0)).any()  # never on the explanation
    assert not (square & (clean.train.x[:, 0].numpy() > 0)).any()  # nor on the shape
    if placement == "text":
        assert len({r for r, _ in corners}) > 10  # a random row, not a fixed place


def test_spurious_squares_never_overlap_masks_small_images():
    for placement in ("text", "figure"):
        task = triangle_task(60, n_test=2, seed=9, spurious=True, spurious_placement=placement, size=32)
        clean = triangle_task(60, n_test=2, seed=9, spurious_placement=placement, size=32)
        square = (task.train.x != clean.train.x)
        assert (square.flatten(1).sum(1) == 9).all() and not (square & (task.train.mask > 0)).any()
    task, clean = fox_cat_task(60, n_test=2, seed=9, spurious=True, size=32), fox_cat_task(60, n_test=2, seed=9, size=32)
    square = task.train.x != clean.train.x
    assert (square.flatten(1).sum(1) == 9).all() and not (square & (task.train.mask > 0)).any()


@pytest.mark.parametrize("name", BUILDERS)
def test_sparse_and_absent_explanations(name):
    build = BUILDERS[name]
    full = build(50, n_test=10, seed=1, ratio="1:9")
    sparse = build(50, n_test=10, seed=1, ratio="1:9", explanations="minority")
    assert torch.equal(sparse.train.has_mask, sparse.train.y == 1) and sparse.train.has_mask.sum() == 5
    has = sparse.train.has_mask
    assert torch.equal(sparse.train.mask[has], full.train.mask[has])
    assert (sparse.train.mask[~has] == 1).all() and (sparse.train.irrelevant[~has] == 0).all()
    assert torch.equal(sparse.train.x, full.train.x)
    majority_pos = build(20, n_test=10, seed=1, ratio="9:1", explanations="minority")
    assert torch.equal(majority_pos.train.has_mask, majority_pos.train.y == 0)
    none = build(20, n_test=10, seed=1, explanations="none")
    assert not none.train.has_mask.any() and (none.train.mask == 1).all()
    for task in (sparse, majority_pos, none):
        assert all(d.has_mask.all() for d in task.tests.values())
    assert full.train.has_mask.all()


@pytest.mark.parametrize("name", BUILDERS)
def test_other_sizes_keep_shapes_inside(name):
    for size in (32, 48, 100):
        task = BUILDERS[name](20, n_test=10, seed=0, size=size, spurious=True)
        assert task.train.x.shape[-2:] == (size, size)
        x = torch.cat([task.tests["test"].x, task.tests[list(task.tests)[1]].x])[:, 0]  # clean images
        assert (x[:, [0, -1], :] == 0).all()  # 1 px free at the top and bottom
        assert (x[:, :, : size // 16] == 0).all() and (x[:, :, -(size // 16):] == 0).all()  # room for the squares


BAD = [
    ({"n_train": 0}, "n_train"),
    ({"n_train": 2.5}, "n_train"),
    ({"n_test": 1}, "n_test"),
    ({"seed": -1}, "seed"),
    ({"ratio": "1:0"}, "ratio"),
    ({"ratio": "0:1"}, "ratio"),
    ({"ratio": "abc"}, "ratio"),
    ({"ratio": "1:9:1"}, "ratio"),
    ({"ratio": 0.1}, "ratio"),
    ({"spurious": 1}, "spurious"),
    ({"spurious": "yes"}, "spurious"),
    ({"explanations": "some"}, "explanations"),
    ({"size": 31}, "size"),
]


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("kwargs, param", BAD)
def test_bad_arguments_raise_config_error_naming_the_parameter(name, kwargs, param):
    args = {"n_train": 10, "n_test": 10, **kwargs}
    with pytest.raises(ConfigError, match=param):
        BUILDERS[name](args.pop("n_train"), **args)


def test_bad_spurious_placement():
    with pytest.raises(ConfigError, match="spurious_placement"):
        triangle_task(10, n_test=10, spurious_placement="middle")
    with pytest.raises(TypeError):
        fox_cat_task(10, spurious_placement="text")  # Fox vs Cat has fixed corners (Appendix A.4)
