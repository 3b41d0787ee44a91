"""The budget sweep of the two-stage chapters: budgets that change one thing each, and what a sweep says."""
import pandas as pd

from mlxbook.book import sweeps
from mlxbook.experiments.two_stage import sensitivity
from mlxbook.experiments.two_stage.settings import Budget

B = Budget(seeds=(0, 1, 2), epochs=20, n_test=64, image_size=32, batch_size=64, curve_every=2,
           sizes={"triangle": (10, 50, 100), "fox_cat": (50, 100, 500)})


def test_each_budget_changes_one_thing():
    budgets = dict(sensitivity.sweep(B, "cpu"))
    assert list(budgets) == [sweeps.BASE, "40 epochs", "batch 16", "64 px", "6 seeds"]
    assert budgets["40 epochs"].epochs == 40 and budgets["40 epochs"].curve_every == 4
    assert budgets["40 epochs"].batch_size == 64 and budgets["batch 16"].epochs == 20
    assert budgets["6 seeds"].seeds == (3, 4, 5) and budgets["6 seeds"].epochs == 20  # new seeds, page's epochs
    assert budgets["64 px"].image_size == 64
    for label, b in budgets.items():
        changed = {f for f in ("epochs", "batch_size", "image_size", "seeds") if getattr(b, f) != getattr(B, f)}
        assert len(changed) == (0 if label == sweeps.BASE else 1)


def test_the_sweep_reruns_the_claims_two_sides_on_settings_the_page_ran():
    pairs = sensitivity.specs(B, "cpu")
    assert len(pairs) == 4 * 2 * (2 + 2) + 2 * 2  # 64 px: the balanced ratio only
    assert {s.data["ratio"] for label, s in pairs if label == "64 px"} == {"1:1"}
    assert {(s.dataset, s.data["n_train"]) for _, s in pairs} == {("triangle", 50), ("fox_cat", 100)}
    base = [s for label, s in pairs if label == sweeps.BASE]
    assert all(s.epochs == 20 and s.batch_size == 64 for s in base)
    small = Budget(seeds=(0, 1), epochs=2, n_test=16, image_size=32, sizes={"triangle": (10,), "fox_cat": (50,)})
    assert sensitivity.settings(small, "cpu") == [] and sensitivity.settings(small, "smoke") == [("triangle", 10)]


def _table(verdicts, estimates, paper=0.1):
    return pd.DataFrame({"budget": [sweeps.BASE, "40 epochs", "80 epochs"][:len(verdicts)], "verdict": verdicts,
                         "estimate": estimates, "lo": [e - 0.05 for e in estimates], "hi": [e + 0.05 for e in estimates],
                         "paper_effect": paper})


def test_the_reading_says_whether_a_verdict_holds_or_moves():
    same = sweeps.reading(_table(["contradicted"] * 3, [-0.2, -0.25, -0.3]))
    assert same.startswith("contradicted at every budget tried")
    moves = sweeps.reading(_table(["contradicted", "inconclusive", "reproduced"], [-0.2, 0.0, 0.1]))
    assert "changes with the budget: contradicted as the page; 40 epochs: inconclusive, 80 epochs: reproduced" in moves
    assert "closer to the paper's effect at 40 epochs, 80 epochs" in moves
    away = sweeps.reading(_table(["other size", "other size", "reproduced"], [0.3, 0.4, 0.35]))
    assert "never closer" in away
    noise = sweeps.reading(_table(["inconclusive", "not reproduced"], [-0.061, -0.060], paper=0.488))
    assert "never closer" in noise  # a thousandth nearer is not a move toward the paper
    assert sweeps.reading(_table(["not run"], [float("nan")])) == "no budget tried gave an estimate"


def test_the_sweep_figure_names_each_budgets_verdict_and_marks_the_papers_effect():
    import matplotlib.pyplot as plt

    table = _table(["contradicted", "inconclusive", "reproduced"], [-0.2, 0.0, 0.1]).assign(
        claim="two_stage.balanced_vs_no_expl", lo=lambda t: t.estimate - 0.1, hi=lambda t: t.estimate + 0.1)
    fig = sweeps.figure(table)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{b}\n{v}" for b, v in zip(table.budget, table.verdict)]
    assert any(line.get_linestyle() == "--" and line.get_ydata()[0] == table.paper_effect.iloc[0] for line in ax.lines)
    plt.close(fig)
