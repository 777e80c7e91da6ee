"""Where a verdict's time goes: each spec's duration for one program, and what it waits for.

Runs ``pytest --impl ROLE=COMMAND --durations=0`` (from a temporary folder outside the
checkout, as a student does) and prints one row per spec: its requirement, its time (the
sum over its parametrizations: deliveries, reset points), and what that time is spent
waiting for. The whole process's wall time and pytest's own session time are printed
too: their difference is the start-up (interpreter, imports, plug-in, collection).

    .venv/bin/python benchmarks/spec_profile.py greeting-server \
        'python3 -m netconform.reference.threading.greeting_server --port {port}'
    .venv/bin/python benchmarks/spec_profile.py logger-server 'python2 fixtures/book/select_server.py' --markdown

Relative paths in COMMAND are taken from the checkout (the command runs from there).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What each spec's time is spent on, when the program is correct (see SPEC.md, "Waiting windows").
WAITS = {
    "test_greeting_is_exact": "the target's start (listening), then one greeting and its close",
    "test_greeting_arrives_without_client_sending": "one greeting",
    "test_connection_is_closed_after_greeting": "one greeting and its close",
    "test_close_is_orderly": "one greeting and its close",
    "test_keeps_serving_sequential_clients": "200 clients, one after another, each greeted and closed",
    "test_logs_connection_with_client_address": "a connection, then its log line",
    "test_survives_clients_that_do_not_just_read": "12 examples (Hypothesis): a misbehaving client, then a greeting",
    "test_survives_clients_that_reset": ("12 examples: resetting clients (they stay 0-10 ms or until greeted: the "
                                         "scenario), then a greeting"),
    "test_greets_simultaneous_clients": "50 clients connected at once (paced for a short accept queue), all greeted",
    "test_any_interleaving_of_clients_is_greeted": "10 interleavings of up to 10 steps (Hypothesis stateful)",
    "test_leaves_no_zombie_children": "21 visits (shared with RES-2: the first to run makes them), then zombies "
                                      "counted until none (2 s at most)",
    "test_releases_file_descriptors": "the same 21 visits (see RES-1), then descriptors counted until back to the "
                                      "baseline (2 s at most)",
    "test_does_not_spin_while_idle": "the 0.05 s measuring window (a requirement about a span of time)",
    "test_connection_is_logged_with_client_address": "the target's start, a connection and its log line",
    "test_data_is_printed_verbatim": "12 examples: a message, then its log line",
    "test_log_lines_appear_as_they_happen": "a connection's log line while the client stays",
    "test_log_uses_the_books_wording": "a visit's log lines",
    "test_invalid_utf8_does_not_stop_the_server": "invalid bytes, then another client's log line",
    "test_clean_close_is_logged_once": "a close, then its disconnection line",
    "test_data_before_half_close_is_logged_before_disconnection": "data and a half-close, then two log lines",
    "test_reset_is_survived_and_logged": "a reset, its disconnection line, then another client's line",
    "test_many_clients_leaving_at_once_are_each_logged_once": "20 clients closing at once, 20 disconnection lines",
    "test_idle_client_does_not_block_others": "a second client's lines while a first one idles",
    "test_many_simultaneous_clients_are_all_logged_intact": "200 clients connected at once, 200 log lines",
    "test_complete_lines_are_printed_once": "examples of lines delivered whole, byte by byte and split (2 ms apart)",
    "test_only_crlf_ends_a_line": "two deliveries and their disconnection lines",
    "test_lines_are_printed_as_sent": "one delivery and its disconnection line",
    "test_unterminated_last_line_is_never_printed": "12 examples: a delivery and its disconnection line",
    "test_lines_of_simultaneous_clients_are_never_mixed": "3 clients' interleaved 7-byte segments (2 ms apart)",
    "test_overlong_line_drops_only_that_connection": "a 16 KiB line, the drop, then another client's line",
    "test_prints_the_greeting": "the client's run against the suite's greeting server",
    "test_exits_with_status_zero": "the client's run",
    "test_prints_a_fragmented_greeting_whole": "12 examples: a run, each fragment sent once the client read the last",
    "test_refused_connection_is_reported": "the client's run against a refused port",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role")
    parser.add_argument("command")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    command = " ".join(str(ROOT / tok) if (ROOT / tok).is_file() else tok for tok in args.command.split())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PATH"] = f"{args.venv / 'bin'}{os.pathsep}{env['PATH']}"
    with tempfile.TemporaryDirectory(prefix="netconform-profile-") as where:
        cmd = [str(args.venv / "bin" / "pytest"), "--impl", f"{args.role}:target={command}", "-p", "no:randomly",
               "-q", "--durations=0", "--durations-min=0"]
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=where, env=env, capture_output=True, text=True, check=False)
        wall = time.monotonic() - start
    per_spec: dict[str, float] = defaultdict(float)
    for line in proc.stdout.splitlines():
        m = re.match(r"([0-9.]+)s (call|setup|teardown)\s+\S+::(\w+)\[", line)
        if m:
            per_spec[m.group(3)] += float(m.group(1))
    session = re.search(r" in ([0-9.]+)s", proc.stdout.splitlines()[-1] if proc.stdout else "")
    verdict = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    rows = sorted(per_spec.items(), key=lambda kv: -kv[1])
    if args.markdown:
        print("| spec | time | what it waits for |\n|---|---|---|")
        for name, secs in rows:
            print(f"| `{name}` | {secs:.2f} s | {WAITS.get(name, '')} |")
    else:
        for name, secs in rows:
            print(f"{secs:6.2f} s  {name:60} {WAITS.get(name, '')}")
    print(f"\nspecs {sum(per_spec.values()):.2f} s; pytest session {session.group(1) if session else '?'} s; "
          f"whole process {wall:.2f} s (start-up and collection: the rest). {verdict}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
