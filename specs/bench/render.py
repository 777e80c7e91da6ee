"""The comparison as tables: Markdown (benchmarks/README.md, the Markdown report), plain text
(the terminal), and an HTML section (the HTML report, with the chart as inline SVG).

Every function reads the JSON-ready result of ``runner.compare`` (or a stored one), so a
stored result renders exactly as a fresh one. A cell shows the median and its ratio to
the baseline (``×0.93``); the spread table shows min–max over the repeats.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

#: Footnote markers: the user's rows, the baseline.
YOURS, BASE = " (yours)", " (baseline)"


def number(value: float | None, unit: str) -> str:
    """``12,345`` for rates, ``0.21`` for milliseconds, ``12.3`` for KiB; ``—`` when not measured."""
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:.2f}"
    if unit == "KiB":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _label(row: Mapping[str, Any], baseline: str) -> str:
    suffix = YOURS if row["origin"] == "user" else BASE if row["name"] == baseline else ""
    return f"{row['name']}{suffix}" + ("" if row.get("concurrent", True) else " †")


def times(ratio: float | None) -> str:
    """A ratio to the baseline: ``×0.93``, ``×47.2``, ``×2,034``; empty when there is none."""
    if ratio is None:
        return ""
    return f"×{ratio:.2f}" if ratio < 10 else f"×{ratio:.1f}" if ratio < 100 else f"×{ratio:,.0f}"


def cell(fig: Mapping[str, Any], unit: str) -> str:
    """The median, and its ratio to the baseline's: ``7,315 ×1.00``."""
    text = number(fig.get("median"), unit)
    return text if fig.get("ratio") is None else f"{text} {times(fig['ratio'])}"


def _spread(fig: Mapping[str, Any], unit: str) -> str:
    if fig.get("min") is None:
        return "—"
    return f"{number(fig['min'], unit)}–{number(fig['max'], unit)}"


def _cpu(fig: Mapping[str, Any]) -> str:
    """Median server CPU / the busiest worker's, in % of one core: ``98/41``."""
    server = sorted(fig.get("server_cpu") or [])
    load = sorted(max(w) for w in fig.get("load_cpu") or [] if w)
    if not server:
        return "—"
    return f"{server[len(server) // 2] * 100:.0f}/{load[len(load) // 2] * 100:.0f}" if load else "—"


def _cpu_per_work(fig: Mapping[str, Any], _unit: str) -> str:
    """Median server CPU microseconds per connection (or line): robust to how much CPU it was given."""
    costs = sorted(cpu / value * 1e6 for value, cpu in zip(fig.get("values") or [], fig.get("server_cpu") or [],
                                                             strict=False) if value and cpu)
    return f"{costs[len(costs) // 2]:,.1f}" if costs else "—"


def ceiling(result: Mapping[str, Any]) -> list[str]:
    """The load generator's own cost per unit of work, and the rate it could drive with a full core per worker.

    Per rate figure: the workers' CPU seconds (together) per connection or line, median over every row and
    run; the ceiling is its workers' count (one per client at most) over that cost, beside the best median
    measured. A ceiling far above the best figure means the generator was not the limit.
    """
    plan = result["plan"]
    out = ["| figure | generator CPU per unit (µs) | generator ceiling (per s) | best median measured (per s) |",
           "|---|---:|---:|---:|"]
    for metric in result["metrics"]:
        if metric["unit"] in ("ms", "KiB"):
            continue
        costs, best = [], 0.0
        for row in result["rows"]:
            fig = row["metrics"].get(metric["key"], {})
            best = max(best, fig.get("median") or 0.0)
            costs += [sum(load) / value * 1e6 for value, load in zip(fig.get("values") or [], fig.get("load_cpu") or [],
                                                                      strict=False) if value and load]
        if not costs:
            continue
        cost = sorted(costs)[len(costs) // 2]
        clients = 1 if metric["key"] == "greet_seq" else int(metric["key"].rpartition("_")[2])
        workers = max(1, min(plan["workers"], clients))
        out.append(f"| {metric['title']} ({metric['unit']}) | {cost:,.1f} | {workers * 1e6 / cost:,.0f} "
                   f"({workers} worker{'s' * (workers != 1)}) | {best:,.0f} |")
    return out


def _table(result: Mapping[str, Any], show: Any, metrics: list[Mapping[str, Any]], unit: str = "") -> list[str]:
    """A row per model, a column per metric: ``show(figure, unit)`` in each cell (``unit``: the header's)."""
    per = {"conn/s": "µs/conn", "lines/s": "µs/line"}
    head = ["model", *(f"{m['title']} ({per.get(m['unit'], m['unit']) if unit == 'per' else unit or m['unit']})"
                       for m in metrics)]
    out = ["| " + " | ".join(head) + " |", "|---" + "|---:" * len(metrics) + "|"]
    for row in result["rows"]:
        cells = [show(row["metrics"].get(m["key"], {}), m["unit"]) for m in metrics]
        out.append("| " + " | ".join([_label(row, result["baseline"]), *cells]) + " |")
    return out


def markdown(result: Mapping[str, Any]) -> str:
    """The medians with ratios, the spread, the CPU figures and the notes, as Markdown."""
    metrics = result["metrics"]
    plan = result["plan"]
    rates = [m for m in metrics if m["unit"] not in ("ms", "KiB")]
    out = [describe(result), "",
           f"Medians of {plan['repeat']} run{'s' * (plan['repeat'] != 1)}, each followed by its ratio to "
           f"`{result['baseline']}` (×1.00). Rates: more is better; ms and KiB: less is better. "
           "† serves one client at a time by design.", "", *_table(result, cell, metrics), "",
           "Spread over the runs (min–max):", "", *_table(result, _spread, metrics), "",
           "CPU during each rate measurement (median, % of one core): the server's whole process tree / the "
           "busiest load generator worker. A server near 100 % (one core) is the bottleneck; a worker near "
           "100 % would make the generator the limit.", "",
           *_table(result, lambda fig, _unit: _cpu(fig), rates, "% / %"), "",
           "Server CPU time per unit of work (median, µs per connection or per line): what the work itself costs "
           "in each model, whatever share of the CPUs the server was given.", "",
           *_table(result, _cpu_per_work, rates, "per"), "",
           "The load generator's ceiling: its workers' CPU per unit of work (median over all rows and runs), and "
           "the rate that cost allows with a full core per worker.", "", *ceiling(result)]
    notes = [*result.get("notes", []), *(f"{row['name']}: {n}" for row in result["rows"] for n in row["notes"])]
    if notes:
        out += ["", "Notes:", "", *(f"- {n}" for n in notes)]
    return "\n".join(out) + "\n"


def terminal(result: Mapping[str, Any]) -> list[str]:
    """The medians with ratios as a plain-text table, one line per row."""
    metrics = result["metrics"]
    head = ["model", *(m["short"] for m in metrics)]
    body = [[_label(row, result["baseline"]), *(cell(row["metrics"].get(m["key"], {}), m["unit"])
                                                  for m in metrics)] for row in result["rows"]]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [head, *body]]
    plan = result["plan"]
    return [*lines, f"medians of {plan['repeat']} run(s), ×ratio to {result['baseline']}; † one client at a "
            f"time by design; {result['seconds']:g} s in all",
            *result.get("notes", []), *(f"{row['name']}: {n}" for row in result["rows"] for n in row["notes"])]


def html_section(result: Mapping[str, Any], svg: str | None) -> str:
    """The comparison as an HTML section for the report: the chart (inline SVG) and the table."""
    metrics = result["metrics"]
    e = html.escape
    out = ['<section id="model-comparison">', "<h2>Model comparison</h2>",
           f"<p>{e(describe(result))}</p>", "<p>Measured with <code>--compare-models</code>: such a run measures "
           "and judges nothing, so the conformance matrix above is empty. Your rows come first; each figure is "
           "followed by its ratio to the baseline.</p>"]
    out.append(svg if svg else "<p>(No chart: matplotlib is not installed; <code>pip install "
               "'netconform[bench]'</code>.)</p>")
    out += ['<table class="comparison">', "<thead><tr><th>model</th>",
            *(f"<th>{e(m['title'])} ({e(m['unit'])})</th>" for m in metrics), "</tr></thead>", "<tbody>"]
    for row in result["rows"]:
        cells = "".join(f"<td>{e(cell(row['metrics'].get(m['key'], {}), m['unit']))}</td>" for m in metrics)
        out.append(f'<tr data-origin="{e(row["origin"])}"><th>{e(_label(row, result["baseline"]))}</th>{cells}</tr>')
    out += ["</tbody>", "</table>"]
    notes = [*result.get("notes", []), *(f"{row['name']}: {n}" for row in result["rows"] for n in row["notes"])]
    out += ["<ul>", *(f"<li>{e(n)}</li>" for n in notes), "</ul>"] if notes else []
    out.append("</section>")
    return "\n".join(out)


def describe(result: Mapping[str, Any]) -> str:
    """One sentence: the counts, the bounds, the repeats and the machine."""
    p, m = result["plan"], result["machine"]
    return (f"Medians of {p['repeat']} run(s), ×ratio to {result['baseline']}. Greeting: at most {p['greet_count']:,} "
            f"connections per figure; lines: at most {p['line_count']:,} per figure; {p['idle_clients']:,} idle "
            f"clients; new work for {p['seconds']:g} s, work in flight for {p['timeout']:g} s more; "
            f"{p['workers']} load generator processes. {m['cpus']} CPUs, {m['system']} {m['kernel']}, "
            f"{m['implementation']} {m['python']}; run started {result['started']}, took {result['seconds']:g} s"
            + (", load average {:.1f} at its start and {:.1f} at its end.".format(*result["load_average"])
               if result.get("load_average") else "."))
