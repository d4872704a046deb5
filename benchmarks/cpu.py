"""The CPU a benchmark ran on, with the instruction sets that change its ratios."""

from __future__ import annotations

import os
from pathlib import Path

RELEVANT = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


def cpu_line() -> str:
    """'CPU: <model>, <n> cores, flags: avx2 avx512_vnni ...' (Linux; 'unknown' elsewhere)."""
    model, flags = "unknown", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    shown = " ".join(f for f in RELEVANT if f in flags) or "none of " + ", ".join(RELEVANT)
    return f"CPU: {model}, {os.cpu_count()} cores, flags: {shown}"
