"""The comparison as a chart (matplotlib, an optional dependency: ``pip install 'netconform[bench]'``).

One small horizontal bar chart per figure, a bar per row at its median, a line from min to
max over the repeats; the baseline's bar is dark, a user's row is orange. :func:`png`
gives the image for ``docs/``; :func:`svg` the same chart as inline SVG for the HTML
report, stripped of everything that would point outside the page (no XML prolog, no
namespace URLs, no metadata), so the report stays one file that fetches nothing.
"""

from __future__ import annotations

import importlib.util
import io
import math
import re
from collections.abc import Mapping
from typing import Any

from .render import number, times

USER_COLOUR, BASE_COLOUR, OTHER_COLOUR = "#e8772e", "#2b4c7e", "#8fa9d3"
#: A figure whose largest median is this many times its smallest is drawn on a log scale.
LOG_SPAN = 30


def available() -> bool:
    """Is matplotlib installed?"""
    return importlib.util.find_spec("matplotlib") is not None


def _figure(result: Mapping[str, Any]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import NullFormatter

    metrics = result["metrics"]
    rows = list(reversed(result["rows"]))  # the first row on top
    cols = 2
    lines = math.ceil(len(metrics) / cols)
    fig, axes = pyplot.subplots(lines, cols, figsize=(11, 0.26 * len(rows) * lines + 1.2 * lines), squeeze=False)
    names = [r["name"] + (" (yours)" if r["origin"] == "user" else "") for r in rows]
    for ax, metric in zip(axes.flat, metrics, strict=False):
        figs = [r["metrics"].get(metric["key"], {}) for r in rows]
        medians = [f.get("median") or 0.0 for f in figs]
        low = [max(0.0, (f.get("median") or 0.0) - (f.get("min") or 0.0)) for f in figs]
        high = [max(0.0, (f.get("max") or 0.0) - (f.get("median") or 0.0)) for f in figs]
        colours = [USER_COLOUR if r["origin"] == "user" else BASE_COLOUR if r["name"] == result["baseline"]
                   else OTHER_COLOUR for r in rows]
        ax.barh(range(len(rows)), medians, xerr=[low, high], color=colours, error_kw={"elinewidth": 0.8})
        ax.set_yticks(range(len(rows)), names, fontsize=8)
        better = "more" if metric["higher_is_better"] else "less"
        positive = [m for m in medians if m > 0]
        log = bool(positive) and max(positive) / min(positive) > LOG_SPAN
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
        if positive:
            ax.set_xlim(right=max(positive) * (6 if log else 1.45))  # room for the labels
        ax.set_title(f"{metric['title']} ({metric['unit']}, {better} is better{', log scale' * log})", fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        for y, fig_ in enumerate(figs):
            median = fig_.get("median")
            if median is None or (log and median <= 0):
                ax.text(0.01, y, "not measured" if median is None else f"{median:.3g}", va="center", fontsize=7,
                        color="#777", transform=ax.get_yaxis_transform())
            else:
                end = max(median, fig_.get("max") or median)  # after the min-max line
                ax.text(end, y, f" {number(median, metric['unit'])} {times(fig_.get('ratio'))}", va="center",
                        fontsize=6.5)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    plan = result["plan"]
    fig.suptitle(f"netconform: concurrency models compared (medians of {plan['repeat']} run(s); bars: min-max)",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))  # room for the title
    return fig


def png(result: Mapping[str, Any]) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib import pyplot

    fig = _figure(result)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    pyplot.close(fig)
    return buf.getvalue()


def svg(result: Mapping[str, Any]) -> str:
    """The chart as an inline ``<svg>`` element that names no URL."""
    import matplotlib
    from matplotlib import pyplot

    fig = _figure(result)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "netconform"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    pyplot.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg width="100%"', text, count=1)  # scales with the page
    return text.replace("xlink:href", "href")
