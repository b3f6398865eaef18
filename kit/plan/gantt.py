"""The workplan as a Gantt chart (PNG): one row per task, milestones as diamonds.

Drawn on matplotlib's Agg canvas directly (no pyplot, no global backend), at a
fixed size and dpi with fixed fonts and no metadata that changes between runs,
so building the same plan twice gives byte-identical files.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from kit.plan.workplan import Task

WIDTH_IN, DPI = 12.0, 100  # 1200 pixels wide
ROW_IN, MARGIN_IN = 0.34, 1.7
PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
MILESTONE = "#d62728"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
}


def _owner_colors(tasks: list[Task]) -> dict[str, str]:
    owners = list(dict.fromkeys(t.owner for t in tasks))
    return {owner: PALETTE[i % len(PALETTE)] for i, owner in enumerate(owners)}


def _sessions(tasks: list[Task]) -> list[Task]:
    return [t for t in tasks if t.task.startswith("Session ")]


def _day(day) -> str:
    return f"{day:%b} {day.day}"


def _when(task: Task) -> str:
    if task.start == task.end:
        return f"{task.start:%a} {_day(task.start)}"
    return f"{_day(task.start)} – {_day(task.end)}"


def _month_labels(ax) -> None:
    """Month names just right of each month's first day (the month boundaries are the major ticks)."""
    transform = ax.get_xaxis_transform()
    lo, hi = ax.get_xlim()
    month = mdates.num2date(lo).date().replace(day=1)
    while mdates.date2num(month) < hi:
        following = (month + timedelta(days=32)).replace(day=1)
        x0, x1 = max(mdates.date2num(month), lo), min(mdates.date2num(following), hi)
        if x1 - x0 >= 14:  # room for the name
            ax.annotate(
                f"{month:%b %Y}",
                xy=(x0, 0),
                xycoords=transform,
                xytext=(4, -20),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=10,
                fontweight="bold",
                color="#333333",
            )
        month = following


def gantt_figure(tasks: list[Task], title: str) -> Figure:
    """The chart as a matplotlib figure (not yet saved).

    Parameters
    ----------
    tasks
        The workplan's tasks, one row each, top to bottom in this order.
    title
        The chart's title, top left.

    Returns
    -------
    matplotlib.figure.Figure
        1200 pixels wide, one row per task: a bar per task coloured by owner (a
        diamond for a milestone) labelled with its owner and dates, the sprint
        (first session to last) shaded, months and Mondays along the bottom, and
        a legend of owners.

    Raises
    ------
    ValueError
        If ``tasks`` is empty.
    """
    if not tasks:
        raise ValueError("a Gantt chart needs at least one task")
    colors = _owner_colors(tasks)
    fig = Figure(figsize=(WIDTH_IN, MARGIN_IN + ROW_IN * len(tasks)), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _shade_sprint(ax, _sessions(tasks))
    for row, task in enumerate(tasks):
        _draw_task(ax, row, task, colors[task.owner])
    _label_rows(ax, tasks)
    ax.set_xlim(*_date_range(tasks))
    _style_date_axis(ax)
    _add_legend(ax, colors)
    ax.set_title(title, loc="left", pad=12)
    _month_labels(ax)
    fig.tight_layout()
    return fig


def _date_range(tasks: list[Task]) -> tuple[float, float]:
    """The x limits: a few days before the first task, room for the last labels after the last one."""
    first = min(t.start for t in tasks)
    last = max(t.end for t in tasks)
    left = mdates.date2num(first - timedelta(days=4))
    right = mdates.date2num(last + timedelta(days=1)) + max(16.0, (last - first).days * 0.16)
    return left, right


def _shade_sprint(ax, sessions: list[Task]) -> None:
    """Shade the sprint, first session to last, and say how many sessions it has."""
    if not sessions:
        return
    x0 = mdates.date2num(min(t.start for t in sessions))
    x1 = mdates.date2num(max(t.end for t in sessions) + timedelta(days=1))
    ax.axvspan(x0, x1, color="#fff3c4", zorder=0, lw=0)
    ax.text(
        (x0 + x1) / 2,
        -0.62,
        f"sprint: {len(sessions)} sessions",
        ha="center",
        va="center",
        fontsize=9,
        color="#8a6d00",
        style="italic",
    )


def _draw_task(ax, row: int, task: Task, color: str) -> None:
    """One task's bar (a diamond for a milestone) and its owner and dates beside it."""
    start = mdates.date2num(task.start)
    end = mdates.date2num(task.end + timedelta(days=1))  # bars cover the whole last day
    if task.milestone:
        mid = start + 0.5
        ax.scatter([mid], [row], marker="D", s=110, color=MILESTONE, edgecolor="black", linewidth=0.8, zorder=4)
        label_x = mid + 2.0
    else:
        ax.barh(row, end - start, left=start, height=0.6, color=color, edgecolor="black", linewidth=0.5, zorder=3)
        label_x = end + 0.8
    ax.text(
        label_x, row, f"{task.owner} · {_when(task)}", va="center", ha="left", fontsize=8.5, color="#333333", zorder=5
    )


def _label_rows(ax, tasks: list[Task]) -> None:
    """Task names down the left, milestones in bold, the first task at the top."""
    ax.set_yticks(range(len(tasks)), [t.task for t in tasks])
    for label, t in zip(ax.get_yticklabels(), tasks):
        if t.milestone:
            label.set_fontweight("bold")
    ax.set_ylim(len(tasks) - 0.4, -1.0)


def _style_date_axis(ax) -> None:
    """Month boundaries as long ticks, Mondays numbered, light grid lines, no box."""
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter(""))
    ax.xaxis.set_minor_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax.xaxis.set_minor_formatter(mdates.DateFormatter("%d"))
    ax.tick_params(axis="x", which="major", length=22, width=1.0, color="#999999")
    ax.tick_params(axis="x", which="minor", labelsize=7.5, colors="#555555", length=4)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", which="minor", color="#dddddd", linewidth=0.6, zorder=1)
    ax.grid(axis="x", which="major", color="#999999", linewidth=1.0, zorder=1)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _add_legend(ax, colors: dict[str, str]) -> None:
    """The owners' colours, and the milestone diamond."""
    handles = [Patch(facecolor=c, edgecolor="black", linewidth=0.5, label=o) for o, c in colors.items()]
    handles.append(
        Line2D(
            [],
            [],
            marker="D",
            linestyle="none",
            markersize=8,
            markerfacecolor=MILESTONE,
            markeredgecolor="black",
            label="milestone",
        )
    )
    ax.legend(
        handles=handles, loc="upper right", fontsize=9, frameon=True, framealpha=0.95, title="Owner", title_fontsize=9
    )


def write_gantt_png(tasks: list[Task], path: Path, title: str) -> Path:
    """Save the Gantt chart as a PNG, byte-identical for the same tasks and title."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE):
        fig = gantt_figure(tasks, title)
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path
