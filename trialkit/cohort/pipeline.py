"""One path from a trial and a cohort (simulated or a CSV) to the evaluation and summary, shared by the
command line, the page and the benchmark."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.cohort.analysis import CodeMatrix, CohortSummary, WhatIf, patient_results, summarize
from trialkit.cohort.io import CohortFile, read_cohort_csv
from trialkit.cohort.params import default_params, population_for
from trialkit.cohort.simulate import SimulatedCohort, simulate
from trialkit.criteria.evaluate import evaluate_frame
from trialkit.criteria.ruleset import apply_overrides, load_ruleset

SIMULATED_LABEL = "Simulated cohort"


@dataclass
class Cohort:
    """A cohort ready for evaluation: the frame, ids, and what it is (shown on every screen and file)."""

    frame: pd.DataFrame
    patient_ids: np.ndarray | None
    label: str  # "Simulated cohort" or "Uploaded cohort (file.csv)"
    simulated: bool
    #: fields the rules use that nobody in this cohort has (unknown for everyone), with why
    missing_fields: dict[str, str] = field(default_factory=dict)
    provenance: str = ""

    @property
    def n(self) -> int:
        return len(self.frame)


def simulated_cohort(ruleset, n: int, seed: int, params: dict | None = None, population: str | None = None) -> Cohort:
    fields = ruleset.fields_used()
    pop = population or population_for(fields).key
    p = default_params(pop) if params is None else params
    sim: SimulatedCohort = simulate(fields, n, seed, p)
    return Cohort(sim.frame, None, SIMULATED_LABEL, True, dict(sim.notes),
                  f"{SIMULATED_LABEL}: {n:,} patients, seed {seed}, population '{pop}'")


def file_cohort(ruleset, data: bytes | str, *, source: str = "upload", max_bytes: int | None = None) -> Cohort:
    cf: CohortFile = read_cohort_csv(data, source=source, max_bytes=max_bytes)
    missing = {f: "not a column of the file: unknown for everyone" for f in ruleset.fields_used()
               if f not in cf.frame.columns}
    name = source.rsplit("/", 1)[-1]
    return Cohort(cf.frame, cf.patient_ids, f"Uploaded cohort ({name})", False, missing,
                  f"{name}, {cf.n:,} rows, sha256 {cf.sha256[:12]}")


def evaluate(ruleset, cohort: Cohort) -> CodeMatrix:
    return CodeMatrix.from_evaluation(evaluate_frame(ruleset, cohort.frame))


@dataclass
class CohortRun:
    ruleset: object
    cohort: Cohort
    matrix: CodeMatrix
    summary: CohortSummary

    def results(self) -> pd.DataFrame:
        return patient_results(self.matrix.codes, self.matrix.criterion_ids, self.cohort.frame,
                               self.cohort.patient_ids)

    def what_if(self) -> WhatIf:
        return WhatIf(self.ruleset, self.matrix, self.cohort.frame)


def run(trial, cohort_source, overrides: dict[str, float] | None = None) -> CohortRun:
    """``cohort_source``: ("simulate", n, seed[, params]) or ("file", path_or_bytes[, source name])."""
    ruleset = load_ruleset(trial)
    if overrides:
        ruleset = apply_overrides(ruleset, overrides)
    kind, *args = cohort_source
    if kind == "simulate":
        cohort = simulated_cohort(ruleset, *args)
    else:
        data = args[0]
        cohort = file_cohort(ruleset, data, source=args[1] if len(args) > 1 else
                             (data if isinstance(data, str) else "upload"))
    matrix = evaluate(ruleset, cohort)
    return CohortRun(ruleset, cohort, matrix, summarize(matrix.codes, matrix.criterion_ids))
