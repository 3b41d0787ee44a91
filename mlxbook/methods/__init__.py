"""Every training method of the three papers, one small object each, built by name.

| name | paper | what it adds to cross-entropy |
|---|---|---|
| ``erm`` | all | nothing (no explanations) |
| ``focal`` | Lin et al. 2017, two-stage paper Sec 3.1 | down-weights easy examples |
| ``rrr`` | Ross et al. 2017 ("Grad Reg" in the two-stage paper) | squared input gradients on the irrelevant region |
| ``two_stage`` | two-stage paper, Algorithm 1 | a second step aligning m(f(x)) with f(x * e) |
| ``two_stage_no_mapping`` / ``two_stage_joint`` | two-stage paper, Table 3 | its two ablations |
| ``corm`` | IBP-Ex paper, Sec 3 | Gaussian noise on the irrelevant region |
| ``pgd_ex`` | IBP-Ex paper, Sec 3 | a PGD adversary inside the irrelevant box |
| ``ibp_ex`` / ``ibp_ex_rrr`` | IBP-Ex paper, Sec 3 | worst-case logits over the irrelevant box (plus RRR) |
| ``cdep`` | Rieger et al. 2020 | contextual-decomposition importance of the irrelevant region |

The sparse-explanation variant of the two-stage method is ``two_stage`` on data whose examples carry
explanations only on the minority class: examples without one are left out of its second stage.
"""
from __future__ import annotations

from dataclasses import fields

from ..errors import ConfigError, check_choice
from .base import Method
from .cdep import CDEP
from .corm import CoRM
from .erm import ERM
from .focal import Focal
from .ibp_ex import IBPEx, IBPExRRR
from .pgd_ex import PGDEx
from .rrr import RRR
from .two_stage import JointFeature, TwoStage, TwoStageNoMapping

METHODS: dict[str, type[Method]] = {
    cls.name: cls
    for cls in [ERM, Focal, RRR, TwoStage, TwoStageNoMapping, JointFeature, CoRM, PGDEx, IBPEx, IBPExRRR, CDEP]
}


def build_method(name: str, **hyper) -> Method:
    """The method ``name`` (one of :data:`METHODS`) with hyper-parameters ``hyper``."""
    cls = METHODS[check_choice("method", name, METHODS)]
    allowed = [f.name for f in fields(cls) if f.init]
    unknown = sorted(set(hyper) - set(allowed))
    if unknown:
        raise ConfigError(f"method {name!r} has no hyper-parameter {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return cls(**hyper)


__all__ = ["METHODS", "Method", "build_method", *[c.__name__ for c in METHODS.values()]]
