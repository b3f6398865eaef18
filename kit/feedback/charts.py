"""The report's charts, as PNG bytes: skill gains, scores per question, attendance, satisfaction.

Drawn on matplotlib's Agg canvas (no pyplot, no global state) at a fixed size,
with fixed fonts and no metadata that changes between runs, so the same numbers
give the same bytes. Every label arrives already in the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["attendance_chart", "gains_chart", "questions_chart", "satisfaction_chart"]

DPI = 100
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
BEFORE, AFTER, STRUGGLED, OK = "#9e9e9e", "#1f77b4", "#d62728", "#2ca02c"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def gains_chart(
    labels: Sequence[str], before: Sequence[float], after: Sequence[float], title: str, legend: tuple[str, str]
) -> bytes:
    """A dumbbell per skill: mean self-rating before (grey) and now (blue), on the 1–5 scale."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(8, 0.5 * len(labels) + 1.4))
        ax = fig.add_subplot()
        rows = list(range(len(labels)))[::-1]
        for y, b, a in zip(rows, before, after):
            ax.plot([b, a], [y, y], color="#cccccc", linewidth=3, zorder=1)
        ax.scatter(before, rows, color=BEFORE, s=60, label=legend[0], zorder=2)
        ax.scatter(after, rows, color=AFTER, s=60, label=legend[1], zorder=3)
        ax.set_yticks(rows, labels)
        ax.set_xlim(0.8, 5.2)
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.set_title(title, loc="left")
        ax.legend(loc="lower right", frameon=False, fontsize=9)
        fig.tight_layout()
        return _png(fig)


def questions_chart(
    panels: Sequence[tuple[str, Sequence[str], Sequence[float]]], title: str, threshold: float
) -> bytes:
    """One panel per module: each question's mean share of points; red below ``threshold``."""
    with matplotlib.rc_context(STYLE):
        heights = [0.32 * len(questions) + 0.9 for _, questions, _ in panels]
        fig = Figure(figsize=(8, sum(heights) + 0.6))
        axes = fig.subplots(len(panels), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
        for ax, (name, questions, means) in zip(axes, panels):
            rows = list(range(len(questions)))[::-1]
            colors = [STRUGGLED if m < threshold else OK for m in means]
            ax.barh(rows, [100 * m for m in means], color=colors, height=0.7)
            ax.axvline(100 * threshold, color="#555555", linestyle=":", linewidth=1)
            ax.set_yticks(rows, questions, fontsize=8)
            ax.set_xlim(0, 100)
            ax.set_title(name, loc="left", fontsize=10)
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
        fig.tight_layout()
        return _png(fig)


def attendance_chart(days: Sequence[str], rates: Sequence[float], title: str) -> bytes:
    """Share of the list present at each session."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(8, 3.2))
        ax = fig.add_subplot()
        ax.plot(range(len(days)), [100 * r for r in rates], marker="o", color=AFTER)
        ax.set_xticks(range(len(days)), days, fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel("%")
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _png(fig)


def satisfaction_chart(counts: Sequence[int], title: str) -> bytes:
    """How many learners gave each rating from 1 to 5."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6, 3))
        ax = fig.add_subplot()
        ax.bar([1, 2, 3, 4, 5], counts, color=AFTER)
        ax.set_xticks([1, 2, 3, 4, 5])
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _png(fig)
