"""An OMOP cohort in one scan: the database groups persons by their code pattern (one row per distinct
pattern, at most thousands), and the shared analysis (:func:`trialkit.cohort.analysis.summarize` with
weights) gives the status counts, funnel, sole exclusions and exact Shapley shares. Only small aggregates
leave the database; ``--out`` streams one row per person on request."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trialkit.cohort.analysis import (CohortSummary, bound_targets, curve_from_prep, numeric_bounds,
                                      patient_results, summarize, weighted_curve_prep)
from trialkit.omop.compile import (PersonValues, bound_histogram_query, pattern_query, person_codes_query,
                                   person_values)
from trialkit.omop.source import OmopSource, open_source
from trialkit.criteria.fields import field_message
from trialkit.disclosure import Count
from trialkit.i18n import N_  # progress words: the page says them in its language
from trialkit.message import Message, word


@dataclass
class OmopScan:
    ruleset: object
    source: OmopSource
    index_date: dt.date
    values: PersonValues
    patterns: np.ndarray  # int8 (m, k): distinct code rows
    weights: np.ndarray  # int64 (m,): persons per pattern
    summary: CohortSummary
    #: persons with no value, per mapped field the rules use
    unknown_values: dict[str, int] = field(default_factory=dict)
    assumed: dict[str, bool] | None = None
    synthetic: bool = False
    _curves: dict = field(default_factory=dict, repr=False)

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.ruleset.criteria]

    @property
    def label(self) -> str:
        from trialkit.omop.synthetic import SYNTHETIC_LABEL

        if self.synthetic:  # trialkit's own generated database: its file name, not the server's folders
            name = self.source.label.removeprefix("duckdb:///").replace("\\", "/").rsplit("/", 1)[-1]
            return Message("{synthetic}: {source}", synthetic=word(SYNTHETIC_LABEL), source=name)
        return Message("OMOP CDM: {source}", source=self.source.label)

    def notes(self, *, suppress: bool = False) -> list[str]:
        """An honest list of what was unknown, for how many persons, and why. With ``suppress`` (demo mode)
        counts from 1 to 4 read "<5", as every count on a demo screen does (:mod:`trialkit.disclosure`)."""
        def show(k: int) -> str:
            return str(Count(k, suppress=suppress))

        out = [field_message(f, why) for f, why in {**self.values.unmapped, **self.values.unresolved}.items()]
        for f, k in self.unknown_values.items():
            if k:
                out.append(field_message(f, Message("no usable value for {k} of {n} persons (unknown)", k=show(k),
                                                    n=show(self.summary.n))))
        for f, concept, ucum, records in self.values.unconvertible:
            out.append(field_message(f, Message("{n} record(s) of concept {concept} with unit {unit} cannot be "
                                                "converted: unknown when it is the latest value", n=show(records),
                                                concept=concept, unit=ucum or Message("(none)"))))
        return out

    def curve(self, key: str, thresholds, overrides: dict[str, float] | None = None) -> dict[str, np.ndarray]:
        """Eligible and not-excluded counts as bound ``key`` takes each threshold (the other ``overrides`` in
        force): one grouped histogram query the first time a (key, overrides) is touched, then numpy only."""
        prep = self.curve_prep(key, overrides)
        b = self.bounds[key]
        return curve_from_prep(prep, b.side, b.inclusive, thresholds)

    @property
    def bounds(self) -> dict:
        return {b.key: b for b in numeric_bounds(self.ruleset)}

    def curve_prep(self, key: str, overrides: dict[str, float] | None = None) -> dict:
        from trialkit.criteria.ruleset import apply_overrides

        others = tuple(sorted((k, float(v)) for k, v in (overrides or {}).items() if k != key and k in self.bounds))
        ck = (key, others)
        if ck not in self._curves:
            rs = apply_overrides(self.ruleset, dict(others)) if others else self.ruleset
            h = bound_histogram_query(rs, self.values, key, bound_targets(rs, key), self.assumed).to_pandas()
            self._curves[ck] = weighted_curve_prep(h["x"].to_numpy(dtype=np.float64, na_value=np.nan),
                                                   h["s_true"].to_numpy(), h["s_false"].to_numpy(),
                                                   h["s_unknown"].to_numpy(), h["n"].to_numpy())
        return self._curves[ck]

    def results(self) -> pd.DataFrame:
        """One row per person (contracts §6 ``--out``)."""
        df = person_codes_query(self.ruleset, self.values, self.assumed).to_pandas()
        k = len(self.ruleset.criteria)
        codes = df[[f"c{j}" for j in range(k)]].to_numpy(dtype=np.int8).reshape(len(df), k)
        return patient_results(codes, self.criterion_ids, df[self.values.fields], df["person_id"].to_numpy())


def _is_synthetic(src: OmopSource) -> bool:
    from trialkit.omop.synthetic import SYNTHETIC_LABEL

    if not src.has_table("cdm_source"):
        return False
    try:
        names = src.table("cdm_source").select("cdm_source_name").to_pandas()["cdm_source_name"]
        return bool((names == SYNTHETIC_LABEL).any())
    except Exception:  # noqa: BLE001
        return False


def scan(ruleset, source: str | OmopSource, *, cdm_schema: str | None = None,
         index_date: dt.date | None = None, assume_judgment: str | None = None, progress=None) -> OmopScan:
    """``progress(step, total, text)`` is called before each database query."""
    from trialkit.cohort.pipeline import SCREENING_VISIT_FACTS, _favourable_facts
    from trialkit.criteria.judgment import check_assume, favourable_answers

    say = progress or (lambda *a: None)
    say(0, 3, N_("opening the database"))
    src = source if isinstance(source, OmopSource) else open_source(source, cdm_schema)
    index_date = index_date or dt.date.today()
    fields = list(ruleset.fields_used())
    say(1, 3, N_("resolving concepts and units"))
    pv = person_values(src, fields, index_date)
    assumed = None
    if check_assume(assume_judgment) == "favourable":
        assumed = {**favourable_answers(ruleset), **_favourable_facts(ruleset, set(pv.fields))}
    del SCREENING_VISIT_FACTS
    say(2, 3, N_("grouping persons by criteria pattern"))
    k = len(ruleset.criteria)
    grouped = pattern_query(ruleset, pv, assumed).to_pandas()  # also counts unknown values per pattern
    pats = grouped[[f"c{j}" for j in range(k)]].to_numpy(dtype=np.int8).reshape(len(grouped), k)
    w = grouped["n"].to_numpy(dtype=np.int64)
    unknown = {f: int(grouped[f"u_{f}"].sum()) for f in pv.fields}
    say(3, 4, N_("summarising"))
    ids = [c.id for c in ruleset.criteria]
    return OmopScan(ruleset, src, index_date, pv, pats, w, summarize(pats, ids, w), unknown, assumed,
                    _is_synthetic(src))
