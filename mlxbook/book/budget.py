"""What a profile buys: the one budget type every chapter's budget is (Introduction, "Profiles").

A chapter's budget is a frozen dataclass deriving from :class:`Budget`, built by its ``budget(ch)``
function from the profile (each scale-down from the paper's protocol declared on the chapter with
``ch.scale`` / ``ch.cap``). The base checks every field when the budget is made, so a bad profile or a
bad call fails at once, naming the field: a seed list (``seeds`` or ``*_seeds``) must be a non-empty
tuple of seeds >= 0, and a field declared with :func:`at_least` an integer at least that bound. It also
shows itself as the chapter's budget table (:meth:`Budget.table`).
"""
from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields

import pandas as pd

from ..errors import ConfigError, check_int


def at_least(low: int, default=MISSING):
    """A budget field holding an integer >= ``low`` (checked by :class:`Budget`)."""
    return field(default=default, metadata={"low": low})


@dataclass(frozen=True)
class Budget:
    """Base of every chapter's budget: field checks on creation and the budget table."""

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "seeds" or f.name.endswith("_seeds"):
                if not value:
                    raise ConfigError(f"{type(self).__name__}.{f.name} is empty: name at least one seed")
                for seed in value:
                    check_int(f.name, seed, low=0)
            if "low" in f.metadata:
                check_int(f.name, value, low=f.metadata["low"])

    def table(self) -> pd.DataFrame:
        """The budget as a two-column table (setting, value) for the chapter's page."""
        return pd.DataFrame([(k, str(v)) for k, v in asdict(self).items()], columns=["setting", "value"])
