"""Choosing the torch device from a chapter's ``device`` parameter."""
from __future__ import annotations

import functools
import re

import torch

from .errors import ConfigError


def resolve_device(device: str = "auto") -> torch.device:
    """"auto" picks CUDA when present, else the CPU; "cpu", "cuda" and "cuda:N" are taken as asked."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if isinstance(device, str) and re.fullmatch(r"cuda(:\d+)?", device):
        if not torch.cuda.is_available():
            raise ConfigError(f"device={device!r} was asked for but no CUDA device is available; use 'auto' or 'cpu'")
        return torch.device(device)
    raise ConfigError(f"device={device!r} is not allowed; allowed values: 'auto', 'cpu', 'cuda', 'cuda:N'")


def one_thread(fn):
    """Run ``fn`` with one torch thread. For tiny networks, syncing threads costs more than it saves
    (measured here: on a busy 2-core machine, two threads were up to 20x slower per step than one)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)
    return wrapper
