"""One path from a trial and a cohort (simulated or a CSV) to the evaluation and summary, shared by the
command line, the page and the benchmark.

``assume_judgment="favourable"`` answers every clinician's-judgment question the way that lets the patient
in (:func:`trialkit.criteria.judgment.favourable_answers`): an *optimistic upper bound* on who could be
eligible, labelled :data:`~trialkit.criteria.judgment.FAVOURABLE_LABEL` wherever it shows. The default
(``None``) leaves every judgment unknown, as the protocol must.

Decision: the same bound also assumes **informed consent** given when the cohort has no consent column
(:data:`SCREENING_VISIT_FACTS`). Consent, like the clinician's judgment, is settled at the screening visit,
after pre-screening, so no pre-screening cohort has it (the simulated one never does, see
``trialkit.cohort.params.NOT_SIMULATED_NOTES``); both seed trials put it in the same criterion as a judgment
question (NCT07176143 I1, NCT06610773 I5), so without it nobody could ever come out eligible. The label
says so (:func:`assumption_text`). A cohort column for it (a CSV's ``informed_consent``) always wins."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.cohort.analysis import CodeMatrix, CohortSummary, WhatIf, patient_results, summarize
from trialkit.cohort.io import CohortFile, CohortFileError, error_words, read_cohort_csv
from trialkit.cohort.params import POPULATIONS, default_params, population_for
from trialkit.cohort.simulate import SimulatedCohort, simulate
from trialkit.criteria.evaluate import evaluate_frame
from trialkit.criteria.fields import FIELDS
from trialkit.criteria.judgment import FAVOURABLE_LABEL, check_assume, favourable_answers, is_judgment_key, resolve_key
from trialkit.errors import TrialkitError
from trialkit.message import Message, coded, word
from trialkit.criteria.rules import FactRule
from trialkit.criteria.ruleset import apply_overrides, load_ruleset

SIMULATED_LABEL = "Simulated cohort"
#: yes/no fields only the screening visit settles; the optimistic upper bound assumes them favourable when
#: the cohort has no column for them (see the module docstring).
SCREENING_VISIT_FACTS = ("informed_consent",)


@dataclass
class Cohort:
    """A cohort ready for evaluation: the frame, ids, and what it is (shown on every screen and file)."""

    frame: pd.DataFrame
    patient_ids: np.ndarray | None
    #: "Simulated cohort" or "Uploaded cohort (file.csv)"; like :attr:`provenance`, a
    #: :class:`~trialkit.message.Message`: English in files and on the command line, ``said()`` on pages
    label: str
    simulated: bool
    #: fields the rules use that nobody in this cohort has (unknown for everyone), with why (a Message)
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
    provenance = Message("Simulated cohort: {n} patients, seed {seed}, population '{population}'", n=f"{n:,}",
                         seed=seed, population=coded(pop, POPULATIONS[pop].label))
    return Cohort(sim.frame, None, Message(SIMULATED_LABEL), True, {f: word(w) for f, w in sim.notes.items()},
                  provenance)


def file_cohort(ruleset, data: bytes | str, *, source: str = "upload", max_bytes: int | None = None) -> Cohort:
    cf: CohortFile = read_cohort_csv(data, source=source, max_bytes=max_bytes)
    _check_judgment_columns(ruleset, cf, source)
    missing = {f: Message("not a column of the file: unknown for everyone") for f in ruleset.fields_used()
               if f not in cf.frame.columns}
    name = source.rsplit("/", 1)[-1]
    provenance = Message("{name}, {n} rows, sha256 {sha}", name=name, n=f"{cf.n:,}", sha=cf.sha256[:12])
    return Cohort(cf.frame, cf.patient_ids, Message("Uploaded cohort ({name})", name=name), False, missing,
                  provenance)


def _favourable_facts(ruleset, columns) -> dict[str, bool]:
    """:data:`SCREENING_VISIT_FACTS` the rules read and the cohort lacks, each with its favourable answer
    (what an inclusion's fact rule expects; the opposite of what an exclusion's fact rule excludes)."""
    out: dict[str, bool] = {}
    for c in ruleset.criteria:
        for r in c.rules:
            if isinstance(r, FactRule) and r.field in SCREENING_VISIT_FACTS and r.field not in columns:
                out.setdefault(r.field, r.expected if c.kind == "inclusion" else not r.expected)
    return out


def assumed_answers(ruleset, cohort: Cohort, assume_judgment: str | None) -> dict[str, bool] | None:
    """The answers every patient gets where the cohort says nothing: None (the default: unknown stays
    unknown) or, for ``"favourable"``, every judgment question favourable plus the screening-visit facts."""
    if check_assume(assume_judgment) != "favourable":
        return None
    return {**favourable_answers(ruleset), **_favourable_facts(ruleset, set(cohort.frame.columns))}


def assumption_text(ruleset, cohort: Cohort, assume_judgment: str | None) -> Message | None:
    """What to print beside every count made under the assumption (None without one)."""
    if check_assume(assume_judgment) != "favourable":
        return None
    facts = _favourable_facts(ruleset, set(cohort.frame.columns))
    if not facts:
        return Message(FAVOURABLE_LABEL)
    return Message("{label}; {facts} (settled at the screening visit, not in this cohort) assumed too",
                   label=Message(FAVOURABLE_LABEL), facts=[coded(FIELDS[f].label.lower(), FIELDS[f].label, "field")
                                                           for f in facts])


def _check_judgment_columns(ruleset, cf: CohortFile, source: str) -> None:
    """``judgment.<ID>`` columns must name a criterion of this trial with a judgment rule; spelled as the
    engine spells it (``judgment.e17`` -> ``judgment.E17``)."""
    problems, renames = [], {}
    for col in cf.frame.columns:
        if is_judgment_key(col):
            try:
                key = resolve_key(col, ruleset)
            except TrialkitError as exc:
                problems.append(Message("row 1: {problem}", problem=error_words(exc)))
                continue
            if key != col:
                if key in cf.frame.columns or key in renames.values():
                    problems.append(Message("row 1: {column}: the same column as {key}", column=col, key=key))
                renames[col] = key
    if problems:
        raise CohortFileError(problems, source=source)
    if renames:
        cf.frame = cf.frame.rename(columns=renames)


def evaluate(ruleset, cohort: Cohort, assume_judgment: str | None = None) -> CodeMatrix:
    return CodeMatrix.from_evaluation(evaluate_frame(ruleset, cohort.frame,
                                                     assumed=assumed_answers(ruleset, cohort, assume_judgment)))


@dataclass
class CohortRun:
    ruleset: object
    cohort: Cohort
    matrix: CodeMatrix
    summary: CohortSummary
    #: None, or "favourable" (every clinician's judgment assumed favourable: an optimistic upper bound)
    assume_judgment: str | None = None

    @property
    def assumed(self) -> dict[str, bool] | None:
        """The answers given to every patient under the assumption (judgment keys and yes/no fields)."""
        return assumed_answers(self.ruleset, self.cohort, self.assume_judgment)

    @property
    def assumption(self) -> str | None:
        """The label of the optimistic upper bound (starting with :data:`FAVOURABLE_LABEL`), or None."""
        return assumption_text(self.ruleset, self.cohort, self.assume_judgment)

    def results(self) -> pd.DataFrame:
        table = patient_results(self.matrix.codes, self.matrix.criterion_ids, self.cohort.frame,
                                self.cohort.patient_ids)
        if self.assumption:
            table.insert(0, "assumption", self.assumption)
        return table

    def what_if(self) -> WhatIf:
        return WhatIf(self.ruleset, self.matrix, self.cohort.frame)


def run(trial, cohort_source, overrides: dict[str, float] | None = None,
        assume_judgment: str | None = None) -> CohortRun:
    """``cohort_source``: ("simulate", n, seed[, params]), ("file", path_or_bytes[, source name]) or
    ("fhir", path[, index_date]).
    ``assume_judgment``: None (judgments unknown) or "favourable" (optimistic upper bound)."""
    assume_judgment = check_assume(assume_judgment)
    ruleset = load_ruleset(trial)
    if overrides:
        ruleset = apply_overrides(ruleset, overrides)
    kind, *args = cohort_source
    if kind == "simulate":
        cohort = simulated_cohort(ruleset, *args)
    elif kind == "fhir":  # ("fhir", path[, index_date[, lookback_days]]): trialkit/fhir/cohort.py
        from trialkit.fhir.cohort import fhir_cohort
        cohort = fhir_cohort(ruleset, *args)
    else:
        data = args[0]
        cohort = file_cohort(ruleset, data, source=args[1] if len(args) > 1 else
                             (data if isinstance(data, str) else "upload"))
    matrix = evaluate(ruleset, cohort, assume_judgment)
    return CohortRun(ruleset, cohort, matrix, summarize(matrix.codes, matrix.criterion_ids), assume_judgment)
