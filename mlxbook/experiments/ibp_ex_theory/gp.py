"""Gaussian-process regression with derivative observations, as in Sec 4 and Appendices A-B of IBP-Ex.

The IBP-Ex paper (Heo et al., 2023) analyses learning from explanations with a GP prior f ~ GP(0, k)
on 2-D inputs x = (x1, x2), x2 being the nuisance feature, and a squared-exponential kernel

    k(x, x') = exp(-sum_i (x_i - x'_i)^2 / (2 theta_i^2)).

An input-gradient explanation constraint (RRR) becomes extra *observations* df/dx2 (x^(n)) = 0 at the
training points, because differentiation is linear (Appendix A, after Hennig et al., 2022). The
covariances needed are

    cov(f(x), df(x')/dx'_2)                = dk/dx'_2          = (x_2 - x'_2) / theta_2^2 * k(x, x')
    cov(df(x)/dx_2, df(x')/dx'_2)          = d^2k/dx_2 dx'_2   = (1/theta_2^2 - (x_2 - x'_2)^2/theta_2^4) k(x, x').

(Appendix A prints the last one with a factor 2 on the second term; the expression above is the
derivative of k, which the tests check by finite differences.) The posterior mean is
m(x) = k(x, X) K^-1 y_hat, with K the joint covariance of all observations plus noise.

Theorem 1 marginalises m over a Gamma prior G(theta_i^-2; alpha, beta) (shape alpha, *rate* beta, so
E[theta^-2] = alpha/beta, as the paper says). Its closed form keeps K^-1 y_hat fixed while integrating,
which is not exact (K depends on theta); :func:`marginal_mean` integrates m itself numerically with
generalised Gauss-Laguerre quadrature over both inverse squared length scales.

Only numpy and scipy are used.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

from ...errors import ConfigError, check_float, check_int


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Differences a_i - b_j per dimension: arrays (len(a), len(b)) for dims 0 and 1."""
    return a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]


def se_kernel(a: np.ndarray, b: np.ndarray, lengths) -> np.ndarray:
    """k(a_i, b_j) of the squared-exponential kernel with per-dimension length scales (theta_1, theta_2)."""
    t1, t2 = lengths
    d1, d2 = _pairs(a, b)
    return np.exp(-0.5 * (d1 ** 2 / t1 ** 2 + d2 ** 2 / t2 ** 2))


def _blocks(a: np.ndarray, b: np.ndarray, lengths) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """cov(f(a), f(b)), cov(f(a), d2f(b)), cov(d2f(a), f(b)), cov(d2f(a), d2f(b)); d2 = d/dx2."""
    t2 = lengths[1]
    k = se_kernel(a, b, lengths)
    _, d2 = _pairs(a, b)
    f_d = d2 / t2 ** 2 * k  # dk(a, b)/db_2
    d_f = -d2 / t2 ** 2 * k  # dk(a, b)/da_2
    d_d = (1.0 / t2 ** 2 - d2 ** 2 / t2 ** 4) * k
    return k, f_d, d_f, d_d


def _as_points(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or (len(x) and x.shape[1] != 2):
        raise ConfigError(f"{name} must be an array of shape (N, 2) (points (x1, x2)); got shape {x.shape}")
    return x


@dataclass
class DerivativeGP:
    """A GP posterior given value observations f(X) = y and derivative observations df/dx2(Xd) = yd.

    ``lengths`` = (theta_1, theta_2); ``noise`` is the variance added to value observations and
    ``deriv_noise`` to derivative observations (both small: the paper's observations are exact; the
    jitter keeps K invertible when a length scale is huge).
    """

    x: np.ndarray
    y: np.ndarray
    xd: np.ndarray
    yd: np.ndarray
    lengths: tuple[float, float]
    noise: float = 1e-4
    deriv_noise: float = 1e-6

    def __post_init__(self):
        self.x = _as_points(self.x, "x")
        self.xd = _as_points(self.xd, "xd") if self.xd is not None and len(self.xd) else np.zeros((0, 2))
        self.y = np.asarray(self.y, dtype=float).reshape(-1)
        self.yd = np.zeros(len(self.xd)) if self.yd is None else np.asarray(self.yd, dtype=float).reshape(-1)
        if len(self.y) != len(self.x) or len(self.yd) != len(self.xd):
            raise ConfigError(f"observations do not match their points: {len(self.x)} x / {len(self.y)} y, "
                              f"{len(self.xd)} xd / {len(self.yd)} yd")
        if len(self.x) == 0:
            raise ConfigError("a DerivativeGP needs at least one value observation")
        self.lengths = (check_float("theta_1", self.lengths[0], low=1e-12), check_float("theta_2", self.lengths[1], low=1e-12))
        check_float("noise", self.noise, low=0.0)
        check_float("deriv_noise", self.deriv_noise, low=0.0)
        k_vv = se_kernel(self.x, self.x, self.lengths)
        k_vd = _blocks(self.x, self.xd, self.lengths)[1]
        k_dd = _blocks(self.xd, self.xd, self.lengths)[3]
        n, m = len(self.x), len(self.xd)
        big = np.empty((n + m, n + m))
        big[:n, :n] = k_vv + self.noise * np.eye(n)
        big[:n, n:] = k_vd
        big[n:, :n] = k_vd.T
        big[n:, n:] = k_dd + self.deriv_noise * np.eye(m)
        rhs = np.concatenate([self.y, self.yd])
        try:
            self.weights = linalg.cho_solve(linalg.cho_factor(big, lower=True), rhs)
        except linalg.LinAlgError:  # numerically indefinite at huge length scales: least squares instead
            self.weights = linalg.lstsq(big, rhs)[0]

    @property
    def n_observations(self) -> int:
        return len(self.x) + len(self.xd)

    def mean(self, points) -> np.ndarray:
        """Posterior mean m(x) at ``points`` (P, 2): k(x, X) K^-1 y_hat."""
        p = _as_points(points, "points")
        t1, t2 = self.lengths
        n = len(self.x)
        d1, d2 = _pairs(p, self.x)
        out = np.exp(-0.5 * (d1 ** 2 / t1 ** 2 + d2 ** 2 / t2 ** 2)) @ self.weights[:n]
        if len(self.xd):
            d1, d2 = _pairs(p, self.xd)
            k = np.exp(-0.5 * (d1 ** 2 / t1 ** 2 + d2 ** 2 / t2 ** 2))
            out += (d2 / t2 ** 2 * k) @ self.weights[n:]
        return out

    def mean_dx2(self, points) -> np.ndarray:
        """d m(x) / d x2 at ``points`` (P, 2), in closed form."""
        p = _as_points(points, "points")
        n = len(self.x)
        out = _blocks(p, self.x, self.lengths)[2] @ self.weights[:n]
        if len(self.xd):
            out += _blocks(p, self.xd, self.lengths)[3] @ self.weights[n:]
        return out


def gamma_nodes(alpha: float, beta: float, n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Nodes tau_k and weights w_k with sum_k w_k g(tau_k) ~= E[g(tau)], tau ~ Gamma(shape alpha, rate beta).

    Generalised Gauss-Laguerre quadrature: exact for polynomials in tau of degree < 2n. The weights
    are normalised by their sum (Gamma(alpha) in exact arithmetic), which stays finite for large alpha.
    """
    alpha = check_float("alpha", alpha, low=1e-9)
    beta = check_float("beta", beta, low=1e-12)
    check_int("n", n, low=1)
    u, w = special.roots_genlaguerre(n, alpha - 1.0)
    if not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise ConfigError(f"Gamma quadrature overflows for alpha={alpha}, n={n}; use a smaller alpha or fewer nodes")
    return u / beta, w / w.sum()


def marginal_mean(x, y, xd, yd, points, *, alpha: float, beta: float, n_nodes: int = 12,
                  noise: float = 1e-4, deriv_noise: float = 1e-6) -> np.ndarray:
    """E_theta[m(points)] with theta_1^-2, theta_2^-2 i.i.d. Gamma(alpha, beta) (Theorem 1's f(x)).

    A tensor-product quadrature of ``n_nodes`` x ``n_nodes`` posterior means, one GP per node pair. The
    kernel factorises over the dimensions, so the prediction kernels are built from per-dimension factors
    computed once per node.
    """
    taus, weights = gamma_nodes(alpha, beta, n_nodes)
    points = _as_points(points, "points")
    x = _as_points(x, "x")
    xd = np.zeros((0, 2)) if xd is None or not len(xd) else _as_points(xd, "xd")
    n = len(x)
    v1, v2 = _pairs(points, x)
    e1v = [np.exp(-0.5 * v1 ** 2 * t) for t in taus]
    e2v = [np.exp(-0.5 * v2 ** 2 * t) for t in taus]
    if len(xd):
        g1, g2 = _pairs(points, xd)
        e1d = [np.exp(-0.5 * g1 ** 2 * t) for t in taus]
        e2d = [g2 * t * np.exp(-0.5 * g2 ** 2 * t) for t in taus]  # d2 / theta_2^2 * (x2 factor of k)
    total = np.zeros(len(points))
    for i, (t1, w1) in enumerate(zip(taus, weights)):
        for j, (t2, w2) in enumerate(zip(taus, weights)):
            gp = DerivativeGP(x, y, xd, yd, (t1 ** -0.5, t2 ** -0.5), noise=noise, deriv_noise=deriv_noise)
            m = (e1v[i] * e2v[j]) @ gp.weights[:n]
            if len(xd):
                m += (e1d[i] * e2d[j]) @ gp.weights[n:]
            total += w1 * w2 * m
    return total


def covering(low: float, high: float, gap: float) -> np.ndarray:
    """Points in [low, high] whose largest distance to any point of [low, high] is ``gap`` (C of Theorem 2).

    Spacing 2 * gap, starting ``gap`` above ``low``; the last point is moved inside if needed, so the
    gap is at most ``gap``.
    """
    low, high = check_float("low", low), check_float("high", high)
    gap = check_float("gap", gap, low=1e-9)
    if high <= low:
        raise ConfigError(f"covering needs low < high; got [{low}, {high}]")
    n = int(np.ceil((high - low) / (2 * gap)))
    pts = low + gap + 2 * gap * np.arange(n)
    return np.minimum(pts, high)


def coverage_gap(covered: np.ndarray, low: float, high: float, n: int = 2001) -> float:
    """max over x2 in [low, high] of the distance to the nearest point of ``covered`` (C), on a fine grid."""
    grid = np.linspace(low, high, n)
    covered = np.asarray(covered, dtype=float).reshape(-1)
    return float(np.abs(grid[:, None] - covered[None, :]).min(axis=1).max())
