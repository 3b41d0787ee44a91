"""Properties of the Right-for-the-Right-Reasons experiments (mlxbook.experiments.rrr): tiny budgets, < 10 s."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from mlxbook import paper
from mlxbook.book import compare
from mlxbook.book import store as book_store
from mlxbook.data.toy_colours import rule_mask
from mlxbook.experiments.rrr import claims as verdicts
from mlxbook.experiments.rrr import (
    gradients,
    measures,
    setup,
    tables,
    text,
    training,
)

TINY = {"epochs": 1, "batch_size": 64}


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MLXBOOK_CACHE", str(tmp_path))
    return tmp_path


def test_top_mask_keeps_elements_at_least_c_times_the_row_maximum():
    g = torch.tensor([[1.0, -0.7, 0.66, 0.0], [0.0, 0.0, -2.0, 1.4]])
    m = gradients.top_mask(g, 0.67)
    assert m.tolist() == [[True, True, False, False], [False, False, True, True]]
    assert gradients.top_mask(torch.zeros(1, 3), 0.67).sum() == 0  # a zero gradient selects nothing
    assert measures.kept_fraction(g, 0.67) == pytest.approx(0.5)


def test_region_share_pools_selected_elements():
    g = torch.zeros(2, 3, 5, 5)
    g[0, 0, 0, 0] = 1.0  # a corner
    g[1, 1, 0, 2] = 1.0  # a top-middle pixel
    g[1, 2, 2, 2] = 1.0  # the centre
    assert gradients.region_share(g, rule_mask("corners")) == pytest.approx(1 / 3)
    assert gradients.region_share(g, rule_mask("top_middle")) == pytest.approx(1 / 3)


def test_annotations_of_appendix_a_and_partial_counts():
    task = setup.load_task("toy_colours", n_train=10, n_test=4)
    corners, top = rule_mask("corners"), rule_mask("top_middle")
    assert torch.equal(setup.annotation(task, "anti_rule_1")[0], corners)
    assert torch.equal(setup.annotation(task, "pro_rule_2")[0], 1 - top)
    assert setup.annotation(task, "none").sum() == 0
    a = setup.annotation(task, "anti_rule_2@3")
    assert a[:3].sum() == 3 * top.sum() and a[3:].sum() == 0
    # the penalty sees exactly A: the relevance mask of the annotated task is 1 - A
    assert torch.equal(setup.with_annotation(task, a).train.irrelevant, a)


def test_lambda_is_rescaled_for_images_only():
    assert setup.our_lambda(1000, "toy_colours") == pytest.approx(1000 / 255 ** 2)
    assert setup.our_lambda(1000, "iris_cancer") == 1000
    assert setup.method_for("toy_colours", 0, 256, 0.001, True).name == "erm"
    m = setup.method_for("decoy_ross", 1000, 256, 0.001, False)
    assert m.name == "rrr" and m.l2 == pytest.approx(paper.fact("rrr", "lambda2") / 256)


def test_input_gradients_match_captum_and_the_log_prob_identity():
    torch.manual_seed(0)
    model = setup.model_builder(34, 2)().eval()
    x = torch.randn(5, 34)
    # two classes: d/dx sum_k log p_k = (p1 - p0) * d/dx (z0 - z1)
    g = gradients.input_gradients(model, x)
    xr = x.clone().requires_grad_(True)
    z = model(xr)
    p = torch.softmax(z, -1).detach()
    (dz,) = torch.autograd.grad((z[:, 0] - z[:, 1]).sum(), xr)
    assert torch.allclose(g, (p[:, 1] - p[:, 0])[:, None] * dz, atol=1e-6)
    assert torch.allclose(gradients.saliency(model, x), gradients.input_gradients(model, x, "pred_prob"), atol=1e-6)


def test_train_cell_is_stored_and_rrr_shrinks_annotated_gradients(store):
    train = {"epochs": 60, "lr": 0.01}
    plain = training.train_cell("iris_cancer", {"seed": 0}, "none", 0, [0], train)
    again = training.train_cell("iris_cancer", {"seed": 0}, "none", 0, [0], train)
    assert again["seconds"] == plain["seconds"]  # read back from the store, not retrained
    strong = training.train_cell("iris_cancer", {"seed": 0}, "task", 1e4, [0], train)
    x = setup.load_task("iris_cancer", seed=0).train.x

    def share(cell):  # mean |gradient| on the 4 Iris columns relative to all columns
        g = gradients.input_gradients(training.models_of(cell)[0], x).abs()
        return g[:, :4].mean() / g.mean()
    assert share(strong) < 0.2 * share(plain)


def test_find_another_explanation_grows_the_annotation(store):
    chain = training.find_another_explanation("iris_cancer", {"seed": 0}, [1000, 1000], [0], {"epochs": 20})
    assert [it["iteration"] for it in chain] == [0, 1, 2]
    fractions = [it["a_fraction"][0] for it in chain]
    assert fractions[0] == 0 < fractions[1] <= fractions[2]  # A_2 = M_c[...] ∪ A_1
    table = training.fae_table(chain)
    assert set(table.test_set) == {"test", "test_with_iris", "train"} and len(table) == 9


def test_verdict_rules_can_fail():
    claims = compare.Claims("rrr")
    df = pd.DataFrame({"axis": ["lambda", "lambda", "annotated"], "value": [1, 10, 100], "seed": 0,
                       "accuracy": 1.0, "corners": [0.9, 0.1, 0.9], "top_middle": [0.1, 0.9, 0.1]})
    verdicts.fig3_claims(claims, df)
    v = claims.frame().set_index("claim")["verdict"]
    assert v.iloc[0] == "supported" and v.iloc[1] == "supported" and v.iloc[2] == "not supported"
    assert v.iloc[3] == "not supported"  # never switched along the annotated axis
    flat = df.assign(corners=0.9, top_middle=0.1)
    verdicts.fig3_claims(claims, flat)
    assert claims.frame().iloc[4]["verdict"] == "not supported"


def test_lime_pixels_and_agreement():
    w = np.zeros((1, 75))
    w[0, [0, 4, 20, 24, 25, 30]] = [3, -2, 1, 1, 0.5, 0.1]  # corner pixels of channel 0 and 1, then others
    sel = measures.lime_pixels(w, 4)
    assert sel.sum() == 4 and sel[0, [0, 4, 20, 24]].all()
    agree = measures.agreement(sel, sel, rule_mask("corners").numpy())
    assert agree["lime_in_region"].iloc[0] == 1.0 and agree["pixel_jaccard"].iloc[0] == 1.0


def test_decoy_shade_recovers_the_swatch_digit():
    task = setup.load_task("decoy_ross", n_train=20, n_test=10)
    assert (training.decoy_shade(task.train.x, task.train.mask) == task.train.y.numpy()).all()


def test_store_families_key_the_computing_modules_only():
    rrr, rrr_text = book_store.FAMILIES["rrr"], book_store.FAMILIES["rrr_text"]
    assert training.RRR is rrr and text.RRR_TEXT is rrr_text and rrr.folder == rrr_text.folder == "rrr"
    assert rrr_text.modules == rrr.modules + ("mlxbook.experiments.rrr.text",)
    assert not {m.rsplit(".", 1)[1] for m in rrr_text.modules} & {"claims", "tables", "figures", "budget"}
    assert rrr.key() != rrr_text.key()


def test_claims_markdown_lists_every_claim_with_the_paper_column():
    claims = compare.Claims("rrr")
    claims.add("Sec 3", "a claim", "2-5%", "3.0%", compare.rule_verdict(True))
    claims.add("App. A", "another", "about 2000", "first size: nan", compare.rule_verdict(False, True))
    assert tables.claims_markdown(claims) == ("| where | claim | paper | ours | verdict |\n|---|---|---|---|---|\n"
                                              "| Sec 3 | a claim | 2-5% | 3.0% | supported |\n"
                                              "| App. A | another | about 2000 | first size: nan | partly |")
