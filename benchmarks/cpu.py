"""The CPU a benchmark ran on, with the instruction sets that change its ratios."""

from __future__ import annotations

import os

from moderation.scoring.precision import CPU_FLAGS, cpu_model_and_flags


def cpu_line() -> str:
    """'CPU: <model>, <n> cores, flags: avx2 avx512_vnni ...' (Linux; 'unknown' elsewhere)."""
    model, flags = cpu_model_and_flags()
    shown = " ".join(f for f in CPU_FLAGS if f in flags) or "none of " + ", ".join(CPU_FLAGS)
    return f"CPU: {model}, {os.cpu_count()} cores, flags: {shown}"
