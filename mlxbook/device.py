"""Choosing the torch device from a chapter's ``device`` parameter, and the CPU's memory allocator setting."""
from __future__ import annotations

import ctypes
import functools
import platform
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


MMAP_THRESHOLD = 1 << 30
"""Allocations below this size come from the heap and are reused (glibc's default starts at 128 KiB)."""


@functools.cache
def retain_freed_memory() -> bool:
    """Let glibc keep freed memory for reuse instead of returning it to the system (once per process).

    A training step allocates and frees the same tensors of tens of megabytes (gradients, activations)
    every time; by default glibc maps each from the system and unmaps it again, so every step pays for
    page faults (measured here: a sixth of a two-stage step at 64x64 spent in the kernel, and a third
    of an evaluation pass). Raising the mmap and trim thresholds (``mallopt``) removes that; the process
    keeps its peak memory instead of shrinking between steps. Returns whether the setting was applied
    (False off glibc, where nothing changes).
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)) and bool(libc.mallopt(m_trim_threshold, 2 * MMAP_THRESHOLD))
