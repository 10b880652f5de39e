"""Bar charts as small standalone SVGs (no plotting library needed for a few bars): the
benchmarks' ratios, and how many students passed each step of a class."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

WIDTH, LABEL, BAR, GAP = 760, 300, 22, 10


def head(height: int, caption: str) -> list[str]:
    """An SVG's opening: its size, a white background and the caption, centred."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-weight="bold">'
        f"{escape(caption)}</text>",
    ]


def ratio_chart(ratios: dict[str, float], higher_is_better: set[str], out: Path) -> None:
    """Horizontal bars of ours/naive on a log scale centred on 1×; green where ours is better."""
    span = max(1.0, *(abs(math.log10(r)) for r in ratios.values() if r > 0))
    middle = LABEL + (WIDTH - LABEL - 60) / 2
    scale = (WIDTH - LABEL - 60) / 2 / span
    height = 40 + len(ratios) * (BAR + GAP) + 30
    parts = head(height, "ours / naive (log scale; green: ours is better)")
    for i, (metric, ratio) in enumerate(ratios.items()):
        y = 40 + i * (BAR + GAP)
        x_end = middle + math.log10(ratio) * scale if ratio > 0 else middle
        better = ratio > 1 if metric in higher_is_better else ratio < 1
        colour = "#2e8b57" if better else "#c0392b"
        left, width = min(middle, x_end), max(abs(x_end - middle), 1)
        parts += [
            f'<text x="{LABEL - 8}" y="{y + 16}" text-anchor="end">{escape(metric)}</text>',
            f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{colour}"/>',
            f'<text x="{max(x_end, middle) + 4:.1f}" y="{y + 16}">{ratio:.2f}×</text>',
        ]
    parts += [
        f'<line x1="{middle}" y1="32" x2="{middle}" y2="{height - 24}" stroke="black"/>',
        f'<text x="{middle}" y="{height - 8}" text-anchor="middle">1× (same as naive)</text>',
        "</svg>",
    ]
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")


def share_chart(shares: dict[str, tuple[int, int]], caption: str, out: Path) -> None:
    """A horizontal bar per label: the share of done out of counted, written `done/counted`."""
    span = WIDTH - LABEL - 70
    height = 40 + len(shares) * (BAR + GAP) + 10
    parts = head(height, caption)
    for i, (label, (done, counted)) in enumerate(shares.items()):
        y = 40 + i * (BAR + GAP)
        width = span * done / counted if counted else 0
        parts += [
            f'<text x="{LABEL - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{LABEL}" y="{y}" width="{span}" height="{BAR}" fill="#eeeeee"/>',
            f'<rect x="{LABEL}" y="{y}" width="{width:.1f}" height="{BAR}" fill="#2e8b57"/>',
            f'<text x="{LABEL + span + 6}" y="{y + 16}">{done}/{counted}</text>',
        ]
    out.write_text("\n".join([*parts, "</svg>"]) + "\n", encoding="utf-8")
