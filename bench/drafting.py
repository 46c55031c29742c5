"""How well the drafting finds thresholds, on an annotated development set of real criterion lines.

    python bench/drafting.py [--data bench/data/drafting_dev.jsonl] [--show-misses]

Each line of the set (``bench/data/drafting_dev.jsonl``) is a criterion as a real ClinicalTrials.gov record
words it (``nct_id``, ``id``, ``kind``, ``text``; the records are in ``shared/ctgov/`` and ``data/trials/``)
with the thresholds a careful reader would encode (``thresholds``: field, minimum, maximum, inclusivity, in
the field's canonical unit; ``<analyte>_x_uln`` for multiples of the upper limit of normal). Lines without
thresholds are there to catch rules drafted from nothing.

Measures (strict: field, side, value within 1 % and inclusivity must all agree):

* recall: annotated bounds reproduced by some drafted rule;
* precision: drafted range rules (everything ``rules draft`` reports, alternatives included) whose every
  bound is annotated;
* coverage: lines with thresholds that get at least one correct rule;
* crashes: lines on which the drafting raised inside (the public functions catch it and fall back to
  judgment; this counts it all the same);

and the time to draft a long criterion (linear-time check): an 80 KB criterion against the baseline of the
set itself, medians of 5 runs, as a ratio per KB.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trialkit.criteria import extract  # noqa: E402

HERE = Path(__file__).resolve().parent


def bounds(r) -> set[tuple]:
    out = set()
    if r.get("minimum") is not None:
        out.add((r["field"], "min", float(r["minimum"]), bool(r.get("minimum_inclusive", True))))
    if r.get("maximum") is not None:
        out.add((r["field"], "max", float(r["maximum"]), bool(r.get("maximum_inclusive", True))))
    return out


def same(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and a[1] == b[1] and a[3] == b[3] and abs(a[2] - b[2]) <= 0.01 * max(abs(a[2]), abs(b[2]), 1e-9)


def score(lines: list[dict], show: bool = False) -> dict:
    gold_n = found_n = drafted = right = covered = with_gold = crashes = 0
    for line in lines:
        try:
            ths = extract._draft_thresholds(line["text"][:extract.MAX_CHARS], line["kind"])
        except Exception as exc:  # noqa: BLE001 - counted, that is the point
            crashes += 1
            ths = []
            if show:
                print(f"CRASH {line['nct_id']} {line['id']}: {exc!r}")
        got = [t.rule.model_dump() for t in ths]
        gold = set().union(*[bounds(g) for g in line["thresholds"]]) if line["thresholds"] else set()
        got_bounds = [bounds(r) for r in got]
        all_got = set().union(*got_bounds) if got_bounds else set()
        hit = {g for g in gold if any(same(g, x) for x in all_got)}
        gold_n += len(gold)
        found_n += len(hit)
        ok_rules = [gb for gb in got_bounds if gb and all(any(same(x, g) for g in gold) for x in gb)]
        drafted += len(got_bounds)
        right += len(ok_rules)
        if gold:
            with_gold += 1
            covered += bool(ok_rules)
        if show and (hit != gold or len(ok_rules) != len(got_bounds)):
            print(f"{line['nct_id']} {line['id']} [{line['kind']}] {line['text'][:90]!r}")
            print(f"    missed: {sorted(gold - hit)}")
            print(f"    wrong:  {[sorted(gb) for gb in got_bounds if gb not in ok_rules]}")
    return {"lines": len(lines), "annotated_bounds": gold_n, "recall": found_n / gold_n if gold_n else 1.0,
            "precision": right / drafted if drafted else 1.0, "coverage": covered / with_gold if with_gold else 1.0,
            "drafted_rules": drafted, "crashes": crashes}


def timing(lines: list[dict]) -> dict:
    from trialkit.models import EligibilityCriterion

    def run(text: str) -> float:
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            extract.draft_rules(EligibilityCriterion(id="I1", kind="inclusion", text=text))
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    base_text = " ".join(line["text"] for line in lines)[:4000]
    long_text = (base_text + " ") * (80_000 // (len(base_text) + 1) + 1)
    long_text = long_text[:80_000]
    base = run(base_text[:4000])
    big = run(long_text)
    return {"baseline_4kb_s": base, "criterion_80kb_s": big, "ratio_80kb_vs_4kb": big / base if base else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(HERE / "data" / "drafting_dev.jsonl"))
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args(argv)
    lines = [json.loads(x) for x in Path(args.data).read_text(encoding="utf-8").splitlines() if x.strip()]
    s = score(lines, args.show_misses)
    print(f"drafting on {s['lines']} annotated lines ({s['annotated_bounds']} bounds): recall {s['recall']:.3f}, "
          f"precision {s['precision']:.3f} ({s['drafted_rules']} rules), coverage {s['coverage']:.3f}, "
          f"crashes {s['crashes']}")
    t = timing(lines)
    print(f"time (median of 5): 4 KB {t['baseline_4kb_s'] * 1000:.1f} ms, 80 KB criterion "
          f"{t['criterion_80kb_s'] * 1000:.1f} ms (ratio {t['ratio_80kb_vs_4kb']:.2f}; the cap of "
          f"{extract.MAX_CHARS} characters bounds it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
