"""Clear errors for bad input: every message names the parameter, the value and what is allowed."""
from __future__ import annotations

from collections.abc import Iterable


class ConfigError(ValueError):
    """A parameter has a value the book cannot use."""


def check_choice(name: str, value, allowed: Iterable):
    """Return ``value`` if it is one of ``allowed``, else raise a ConfigError listing them."""
    allowed = list(allowed)
    if value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise ConfigError(f"{name}={value!r} is not allowed; allowed values: {listed}")
    return value


def check_int(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` if it is an int within [low, high], else raise a ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name}={value!r} must be an integer")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ConfigError(f"{name}={value!r} is out of range; allowed: {lo} <= {name} <= {hi}")
    return value


def check_float(name: str, value, *, low: float | None = None, high: float | None = None) -> float:
    """Return ``value`` as float if it is a real number within [low, high], else raise a ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name}={value!r} must be a number")
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ConfigError(f"{name}={value!r} is out of range; allowed: {lo} <= {name} <= {hi}")
    return float(value)
