"""What each concurrency model costs: every reference server model measured over loopback.

For every model in the reference table (``reference/__init__.py``; a model added there is
measured too), its greeting server and line logger (TCP) are started as the harness starts
targets and loaded by a multi-process load generator (``specs/bench``):

- greeting: connections per second, sequential, and with 100 and 1000 clients in flight;
- line logger: lines per second with 1, 100 and 1000 clients;
- first byte of the greeting: p50 and p99 latency (sequential run);
- memory per idle connection: RSS (and PSS) growth of the server's process tree / clients.

Each figure is the median of ``--repeat`` runs (min and max kept), also as a ratio to the raw
``selectors`` loop. Writes the JSON and the chart (matplotlib: ``pip install -e '.[bench]'``),
prints the Markdown tables, and with ``--readme`` puts them in ``benchmarks/README.md``::

    python benchmarks/compare_models.py --readme              # every model, 3 runs (standard plan)
    python benchmarks/compare_models.py --models selectors,asyncio --repeat 1
    python benchmarks/compare_models.py --from-json docs/model_comparison.json   # redraw only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import uuid
from pathlib import Path

from netconform.specs.bench import chart, render, runner
from netconform.specs.bench.plan import PLANS
from netconform.specs.catalogue import references
from netconform.specs.harness.launch.settings import Settings
from netconform.specs.harness.platform import process_tree

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "benchmarks" / "README.md"
START, END = "<!-- model-comparison:start -->", "<!-- model-comparison:end -->"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--plan", choices=tuple(PLANS), default="standard", help="counts and bounds (standard)")
    parser.add_argument("--repeat", type=int, help="runs per figure (the plan's: 3)")
    parser.add_argument("--seconds", type=float, help="time bound of new work per figure (the plan's: 1 s)")
    parser.add_argument("--workers", type=int, help="load generator processes (the plan's: 2)")
    parser.add_argument("--models", default="", help="only these reference models (comma-separated)")
    parser.add_argument("--json", type=Path, default=ROOT / "docs" / "model_comparison.json", help="result file")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "model_comparison.png", help="chart file")
    parser.add_argument("--readme", action="store_true", help=f"write the tables into {README.name} (between "
                        "its model-comparison markers)")
    parser.add_argument("--from-json", type=Path, help="render a stored result instead of measuring")
    return parser.parse_args(argv)


def measure(args: argparse.Namespace) -> dict[str, object]:
    """Measure the reference models with the plan the options make."""
    plan = PLANS[args.plan]
    changes = {k: v for k, v in (("repeat", args.repeat), ("seconds", args.seconds), ("workers", args.workers))
               if v is not None}
    plan = dataclasses.replace(plan, **changes)  # type: ignore[arg-type]
    process_tree.become_subreaper()  # a forking server's orphans are ours to reap
    rows, left_out = runner.reference_rows(references(), [m for m in args.models.split(",") if m] or None)
    print(f"measuring {len(rows)} models, {plan.repeat} run(s) each", file=sys.stderr)
    return runner.compare(rows, plan, Settings(run_id=f"compare-{uuid.uuid4().hex[:8]}"),
                          progress=lambda line: print(line, file=sys.stderr, flush=True), notes=left_out)


def update_readme(tables: str, result: dict[str, object]) -> None:
    """Replace the text between the markers in benchmarks/README.md with ``tables``."""
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{README}: no {START} ... {END} markers")
    block = f"{START}\n<!-- written by benchmarks/compare_models.py, run started {result['started']} -->\n\n" \
        f"{tables}\n{END}"
    README.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S),
                      encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Measure (or read) the comparison; write the JSON, the chart, the README's tables; print the tables."""
    args = parse_args(argv)
    if args.from_json:
        result = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        result = measure(args)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"result written to {args.json}", file=sys.stderr)
    if chart.available():
        args.chart.parent.mkdir(parents=True, exist_ok=True)
        args.chart.write_bytes(chart.png(result))
        print(f"chart written to {args.chart}", file=sys.stderr)
    else:
        print("no chart: matplotlib is not installed (pip install -e '.[bench]')", file=sys.stderr)
    tables = render.markdown(result)
    if args.readme:
        update_readme(tables, result)
        print(f"tables written to {README}", file=sys.stderr)
    print(tables)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
