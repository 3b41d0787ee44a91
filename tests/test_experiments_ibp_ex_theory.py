"""Properties of the GP with derivative observations (mlxbook.experiments.ibp_ex_theory.gp) and of the IBP-Ex theory experiments."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mlxbook.book import compare
from mlxbook.errors import ConfigError
from mlxbook.experiments.ibp_ex_theory import claims, demo, gp, tables, theorems
from mlxbook.models import build_model

RNG = np.random.default_rng(0)
X = np.stack([RNG.uniform(-2, 2, 12), RNG.uniform(-5, 5, 12)], 1)
Y = np.sin(X[:, 0]) + 0.5 * X[:, 1]


def test_posterior_mean_interpolates_values_and_zeroes_x2_derivatives():
    g = gp.DerivativeGP(X, Y, X, None, (1.0, 2.0), noise=1e-8, deriv_noise=1e-8)
    np.testing.assert_allclose(g.mean(X), Y, atol=1e-4)
    np.testing.assert_allclose(g.mean_dx2(X), 0.0, atol=1e-4)
    # without the derivative observations the data's slope along x2 (0.5) shows through
    plain = gp.DerivativeGP(X, Y, None, None, (1.0, 2.0), noise=1e-8)
    assert np.abs(plain.mean_dx2(X)).mean() > 0.1


def test_derivative_observations_take_any_value_and_match_finite_differences():
    slopes = RNG.normal(size=len(X))
    g = gp.DerivativeGP(X, Y, X, slopes, (1.0, 1.5), noise=1e-8, deriv_noise=1e-8)
    np.testing.assert_allclose(g.mean_dx2(X), slopes, atol=1e-3)
    pts = np.stack([RNG.uniform(-2, 2, 20), RNG.uniform(-5, 5, 20)], 1)
    h = 1e-5
    numeric = (g.mean(pts + [0, h]) - g.mean(pts - [0, h])) / (2 * h)
    np.testing.assert_allclose(g.mean_dx2(pts), numeric, rtol=1e-4, atol=1e-6)


def test_gamma_quadrature_has_the_gamma_moments():
    alpha, beta = 2.5, 4.0
    tau, w = gp.gamma_nodes(alpha, beta, 10)
    assert np.isclose(w.sum(), 1.0)
    assert np.isclose((w * tau).sum(), alpha / beta)  # E[theta^-2] = alpha / beta, as the paper says
    assert np.isclose((w * tau ** 2).sum(), alpha * (alpha + 1) / beta ** 2)


def test_marginal_mean_of_a_concentrated_prior_is_the_gp_at_its_mode():
    tau0 = 0.5
    pts = np.array([[0.3, 1.0], [-1.0, 7.0], [2.5, -3.0]])
    marginal = gp.marginal_mean(X, Y, X, None, pts, alpha=150.0, beta=150.0 / tau0, n_nodes=6)
    fixed = gp.DerivativeGP(X, Y, X, None, (tau0 ** -0.5, tau0 ** -0.5)).mean(pts)
    np.testing.assert_allclose(marginal, fixed, atol=5e-2)
    far = gp.DerivativeGP(X, Y, X, None, (3.0, 3.0)).mean(pts)
    assert np.abs(far - fixed).max() > 0.2  # the comparison can fail


def test_covering_gap_is_at_most_c_and_close_to_it():
    for c in (0.3, 1.0, 2.5, 7.0):
        cover = gp.covering(-30, 30, c)
        gap = gp.coverage_gap(cover, -30, 30)
        assert gap <= c + 1e-6 and gap >= 0.5 * c
    with pytest.raises(ConfigError):
        gp.covering(1, 0, 1.0)


def test_grid_shift_deviation_of_a_linear_function_is_slope_times_delta():
    n1, n2 = 9, 61
    pts = demo.grid_points(n1, n2)
    values = (0.3 * pts[:, 1] + pts[:, 0]).reshape(n2, n1)
    mean, worst = demo.grid_shift_deviation(values, 10.0)
    assert np.isclose(mean, 3.0) and np.isclose(worst, 3.0)
    assert np.isclose(demo.deviation(lambda p: 0.3 * p[:, 1], demo.grid_points(n1, n2, 10.0), 10.0), 3.0)
    with pytest.raises(ValueError):
        demo.grid_shift_deviation(values, 0.5)


def test_cover_gap_of_boxes():
    levels = (-20.0, 0.0, 20.0)
    assert np.isclose(demo.cover_gap_of_boxes(levels, 0.0), 10.0)
    assert np.isclose(demo.cover_gap_of_boxes(levels, 4.0), 6.0)
    assert demo.cover_gap_of_boxes(levels, 40.0) == 0.0


SMALL = demo.Budget((0,), epochs=1, n_per_group=5, n_test_per_group=5, weight_decays=demo.FIG1_WEIGHT_DECAYS,
                    two_layer_weight_decays=(1e-4,), ibp_eps=(demo.IBP_EPS_MAX,), grid_n=(9, 13), gp_per_cluster=1,
                    gp_nodes=3, gp_thetas=(1.0, 5.0, 30.0), gp_alpha_over_beta=(1e-3, 1.0), gp_gaps=(5.0, 1.25))


def test_theorem1_long_length_scales_flatten_f_but_lose_the_fit():
    t = theorems.theorem1_lengthscale(SMALL).set_index("theta")
    assert (t.max_grad_x2_at_data < 1e-2).all()  # the RRR constraint holds at the data
    assert t.loc[1.0, "data_deviation"] > 0.5  # locally flat, globally not
    assert t.loc[30.0, "data_deviation"] < 0.05
    assert t.loc[1.0, "accuracy"] == 1.0 and t.loc[30.0, "accuracy"] < 0.9
    g = theorems.theorem1_gamma(SMALL)
    for _, rows in g.groupby("alpha"):
        rows = rows.sort_values("alpha_over_beta")
        assert rows.data_deviation.iloc[0] < rows.data_deviation.iloc[-1]


def test_theorem2_deviation_shrinks_with_the_coverage_gap_and_stays_below_the_bound():
    t = theorems.theorem2_cover(SMALL).sort_values("C")
    assert t.C.iloc[-1] == pytest.approx(10.0)  # the data alone leave C = 10 in [-30, 30]
    assert t.data_deviation.iloc[0] < 0.5 * t.data_deviation.iloc[-1]
    assert (t.max_grid_deviation <= t.bound).all()


def test_proposition1_bound_holds_for_any_two_layer_relu_net():
    torch.manual_seed(0)
    net = build_model("mlp", in_features=2, hidden=(16,))
    parts = demo.two_layer_parts(net)
    f = demo._numpy_f(net, "logit")
    x = np.stack([RNG.uniform(-3, 3, 50), RNG.uniform(-20, 20, 50)], 1)
    for d in (0.5, 5.0, 50.0):
        dev = np.abs(f(demo.shifted(x, d)) - f(x))
        lipschitz = np.abs(parts["beta"] * parts["W"][:, 1]).sum() * d
        assert (dev <= lipschitz + 1e-4).all()
        assert lipschitz <= ((parts["beta"] ** 2).sum() + (parts["W"] ** 2).sum()) * d
    with pytest.raises(ValueError):
        demo.two_layer_parts(build_model("mlp", in_features=2, hidden=(4, 4)))


def test_networks_are_probed_cached_and_judged(tmp_path):
    res = demo.network_results(SMALL, location=tmp_path)
    assert res.computed == len(demo.all_specs(SMALL))
    t = res.table
    assert set(t.method) == {"erm", "rrr", "ibp_ex"} and (t.layers == 2).any()
    assert t.accuracy.between(0, 1).all() and (t.grid_deviation >= 0).all()
    spec = demo.fig1_specs()["ERM (reference)"]
    assert res.grids[spec].shape == (1, SMALL.grid_n[1], SMALL.grid_n[0])
    again = demo.network_results(SMALL, location=tmp_path)
    assert again.computed == 0 and again.table.equals(res.table)
    g = theorems.gp_results(SMALL, location=tmp_path)
    c = claims.claims(res, g.lengthscale, g.gamma, g.delta, g.cover, tables.prop1_frame(res)).frame()
    assert set(c.verdict) <= {compare.SUPPORTED, compare.PARTLY, compare.NOT_SUPPORTED, compare.VACUOUS}
    assert claims.bound_verdict(True, 240.0) == compare.VACUOUS and claims.bound_verdict(True, 3.0) == compare.SUPPORTED
    assert claims.bound_verdict(False, 240.0) == compare.NOT_SUPPORTED
    assert len(c) >= 10 and c.claim.is_unique


def test_budget_keeps_the_papers_weight_decays():
    with pytest.raises(ValueError):
        demo.Budget((0,), 1, weight_decays=(1e-3,))
    assert demo.FIG1_WEIGHT_DECAYS == (1e-4, 1)
