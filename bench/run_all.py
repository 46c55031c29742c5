"""Every benchmark in one command, each a ratio against a baseline measured in the same run.

    python bench/run_all.py [--quick]

Runs, one after the other (never in parallel, so they do not disturb each other):
  * bench/whatif_rerun.py - what-if page rerun vs an empty one-slider Streamlit app
  * bench/cohort_1m.py    - the 1M-patient cohort vs a plain numpy floor
  * bench/page_load.py    - every page's load in Chromium vs an empty Streamlit app (median over the pages)
  * bench/slider_gesture.py - What-if Age slider key press -> finished page vs a one-slider app
and prints each script's own output, then a table of the ratios (smaller is better; 1.0 = as fast as the
baseline). A script that takes ``--json`` reports its ratio on a JSON line ``{"bench": ..., "ratio": ...}``;
otherwise the last ``ratio ... <number>`` line of its output is taken (the figure its author says to quote
comes last). ``--quick`` passes ``--repeats 3`` to the scripts that take it. Exit 1 if a benchmark failed.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ("whatif_rerun.py", "what-if rerun / empty one-slider app"),
    ("cohort_1m.py", "1M-patient cohort / plain numpy floor"),
    ("page_load.py", "page load, median over every page / empty Streamlit app"),
    ("slider_gesture.py", "What-if Age slider key press / one-slider app"),
    ("enrollment_sites.py", "site table for 1,148 sites / one mask per site"),
]
_RATIO = re.compile(r"ratio[^0-9\n]*?([0-9]+(?:\.[0-9]+)?)", re.I)


def ratio_from(output: str) -> float | None:
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{") and '"ratio"' in line:
            try:
                return float(json.loads(line)["ratio"])
            except (ValueError, KeyError, TypeError):
                pass
    found = _RATIO.findall(output)
    return float(found[-1]) if found else None


def run(script: str, quick: bool) -> tuple[float | None, float, str]:
    path = HERE / script
    if not path.exists():
        return None, 0.0, f"{script} is missing"
    source = path.read_text(encoding="utf-8")
    cmd = [sys.executable, str(path)]
    if re.search(r"""add_argument\(\s*["']--json""", source):
        cmd.append("--json")
    if quick and re.search(r"""add_argument\(\s*["']--repeats""", source):
        cmd += ["--repeats", "3"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
    took = time.perf_counter() - t0
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stdout.write(proc.stderr[-2000:])
        return None, took, f"exit {proc.returncode}"
    r = ratio_from(proc.stdout)
    return r, took, "" if r is not None else "no ratio in its output"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run every trialkit benchmark and print the ratios.")
    ap.add_argument("--quick", action="store_true", help="fewer repeats (asks each script for --repeats 3)")
    a = ap.parse_args(argv)
    rows = []
    for script, label in BENCHES:
        print(f"\n=== {script}: {label}", flush=True)
        rows.append((label, *run(script, a.quick)))
    print("\n=== ratios (median vs baseline measured in the same run; smaller is better)")
    failed = 0
    for label, ratio, took, problem in rows:
        if ratio is None:
            failed += 1
            print(f"  {label:44s}   FAILED: {problem}")
        else:
            print(f"  {label:44s} {ratio:7.2f}x   ({took:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
