"""A seeded, reproducible simulated reference cohort, vectorised with numpy (a million patients in about a
second).

Every field has its own random stream derived from (seed, field name), so the same seed gives the same
cohort, and adding a field to the rules does not change the values of the others. Age is always drawn
(other fields depend on it, and the page compares age distributions).

Joint structure (see :mod:`trialkit.cohort.params` for every number and its source):

* age ~ normal truncated to [age.min, age.max], whole years;
* BMI log-normal, rising with age; cycle length normal around a mean that falls with age, plus a share
  of irregular/long cycles;
* a latent ovarian reserve ``z`` ~ N(0, 1) shared by AFC (gamma–Poisson, mean falling with age, higher
  with ``z``) and day 2–4 FSH (log-normal, rising with age, lower with ``z``): low AFC goes with high FSH;
* frozen good-quality blastocysts Poisson, fewer with age and with low reserve;
* haemoglobin and platelets normal, drawn from one blood count (missing together);
* HPV types among HPV-positive women: ≥1 high-risk type with probability ``hpv.any_high_risk`` (type mix
  weighted by the published Chinese prevalences), otherwise low-risk types only; a second type with
  probability ``hpv.multiple``;
* yes/no facts at stated prevalences; missing values completely at random at per-field rates.

Fields with no stated distribution are not invented: they stay missing (= unknown for everyone) and are
listed in :attr:`SimulatedCohort.not_simulated`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from trialkit.i18n import N_
from trialkit.cohort.params import FACT_DEFAULTS, NOT_SIMULATED_NOTES, WINDOW_DEFAULTS, validate_params
from trialkit.errors import TrialkitError
from trialkit.message import Message

MAX_N = 2_000_000

#: High-risk HPV types (the 15 types of NCT06610773's note) and relative weights of type-specific
#: prevalence among Chinese women (J Cytol 2022;39(4):137: 16 2.6%, 52 2.4%, 58 1.7%, 18 0.9%, 33 0.8%;
#: the other ten types: assumption 0.5% each).
HR_TYPES = ("16", "18", "31", "33", "35", "39", "45", "51", "52", "53", "56", "58", "59", "66", "68")
HR_WEIGHTS = {"16": 2.6, "52": 2.4, "58": 1.7, "18": 0.9, "33": 0.8}
#: Low-risk types on common 24-type panels (assumption: equal weights).
LR_TYPES = ("6", "11", "42", "43", "44", "81")

NUMERIC_FIELDS = ("age", "bmi", "cycle_length", "afc", "fsh", "good_blastocysts", "ovarian_cyst_size",
                  "fibroid_size", "hemoglobin", "platelets", "sexual_history_years", "regular_cycle_months",
                  *WINDOW_DEFAULTS)
FACT_FIELDS = tuple(FACT_DEFAULTS)


@dataclass
class SimulatedCohort:
    frame: pd.DataFrame
    n: int
    seed: int
    params: dict[str, float]
    simulated: list[str] = field(default_factory=list)
    #: Fields the rules use that have no stated distribution: missing (unknown) for everyone.
    not_simulated: list[str] = field(default_factory=list)
    #: Why a field is not simulated, where there is a reason beyond "no stated distribution".
    notes: dict[str, str] = field(default_factory=dict)
    label: str = "Simulated cohort"


def _rng(seed: int, name: str) -> np.random.Generator:
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(seed) >> 32, h])


def _missing(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    if rate > 0:
        values = values.astype(np.float64, copy=True)
        values[rng.random(values.shape[0]) < rate] = np.nan
    return values


def _truncnorm(rng, n, mean, sd, lo, hi) -> np.ndarray:
    a, b = ndtr((lo - mean) / sd), ndtr((hi - mean) / sd)
    u = a + (b - a) * rng.random(n)
    return np.clip(mean + sd * ndtri(np.clip(u, 1e-12, 1 - 1e-12)), lo, hi)


def _hpv_strings(rng, n, p) -> pd.Series:
    hr_w = np.array([HR_WEIGHTS.get(t, 0.5) for t in HR_TYPES])
    hr_w = hr_w / hr_w.sum()
    types = HR_TYPES + LR_TYPES
    k_hr = len(HR_TYPES)
    has_hr = rng.random(n) < p["hpv.any_high_risk"]
    first = np.where(has_hr, rng.choice(k_hr, n, p=hr_w), k_hr + rng.integers(0, len(LR_TYPES), n))
    second_any = rng.random(n) < p["hpv.multiple"]
    # the second type: any type for women with a high-risk one; low-risk only for the others
    all_w = np.concatenate([hr_w * 0.8, np.full(len(LR_TYPES), 0.2 / len(LR_TYPES))])
    second = np.where(has_hr, rng.choice(len(types), n, p=all_w), k_hr + rng.integers(0, len(LR_TYPES), n))
    second = np.where(second_any & (second != first), second, -1)
    # encode each (first, second) pair; build a string per distinct pair and map back
    lo, hi = np.minimum(first, np.where(second < 0, first, second)), np.maximum(first, second)
    code = lo * 64 + np.where(second < 0, 63, hi)
    uniq, inv = np.unique(code, return_inverse=True)
    labels = []
    for c in uniq:
        a, b = divmod(int(c), 64)
        pair = [types[a]] if b == 63 else [types[a], types[b]]
        labels.append(";".join(sorted(pair, key=int)))
    return pd.Series(pd.Categorical.from_codes(inv, categories=labels))


def simulate(fields, n: int, seed: int, params: dict[str, float] | None = None) -> SimulatedCohort:
    """Simulate ``n`` patients with values for ``fields`` (candidate field names, canonical units)."""
    n = int(n)
    if n < 1 or n > MAX_N:
        raise TrialkitError(Message("cohort size must be between 1 and {max}, got {n}", max=f"{MAX_N:,}", n=n))
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TrialkitError(Message("seed must be a non-negative whole number, got {seed!r}", seed=seed))
    p = validate_params(params or {})
    wanted = list(dict.fromkeys(["age", *fields]))
    miss = {f: p.get(f"missing.{f}", 0.0) for f in wanted}
    cols: dict[str, object] = {}

    age_true = np.floor(_truncnorm(_rng(seed, "age"), n, p["age.mean"], p["age.sd"], p["age.min"],
                                   p["age.max"] + 0.999))
    age_true = np.minimum(age_true, p["age.max"])
    z = _rng(seed, "reserve").standard_normal(n)  # latent ovarian reserve
    link = p["reserve.link"]

    for f in wanted:
        rng = _rng(seed, f)
        if f == "age":
            v = age_true
        elif f == "sex":
            female = rng.random(n) < p["sex.female"]
            codes = np.where(female, 0, 1).astype(np.int8)
            codes[rng.random(n) < miss[f]] = -1
            cols[f] = pd.Categorical.from_codes(codes, categories=["female", "male"])
            continue
        elif f == "bmi":
            mean = p["bmi.mean"] + p["bmi.per_year"] * (age_true - 30)
            s2 = np.log1p((p["bmi.sd"] / mean) ** 2)
            v = np.round(np.exp(np.log(mean) - s2 / 2 + np.sqrt(s2) * rng.standard_normal(n)), 1)
        elif f == "cycle_length":
            mean = p["cycle_length.mean"] + p["cycle_length.per_year"] * (age_true - 33)
            regular = np.rint(mean + p["cycle_length.sd"] * rng.standard_normal(n))
            irregular = rng.integers(36, 61, n)
            v = np.clip(np.where(rng.random(n) < p["cycle_length.irregular"], irregular, regular), 15, 90)
        elif f == "afc":
            mean = np.maximum(p["afc.at30"] + p["afc.per_year"] * (age_true - 30), 0.5)
            mean = mean * np.exp(0.35 * link * z - (0.35 * link) ** 2 / 2)
            shape = 1.0 / max(p["afc.cv"], 1e-3) ** 2
            v = rng.poisson(rng.gamma(shape, mean / shape)).astype(np.float64)
        elif f == "fsh":
            med = p["fsh.median_at30"] * np.exp(p["fsh.growth_per_year"] * (age_true - 30))
            sd = p["fsh.log_sd"]
            eps = link * 0.8 * (-z) + np.sqrt(max(1 - (link * 0.8) ** 2, 0)) * rng.standard_normal(n)
            v = np.round(med * np.exp(sd * eps), 1)
        elif f == "good_blastocysts":
            mean = np.maximum(p["good_blastocysts.at30"] + p["good_blastocysts.per_year"] * (age_true - 30), 0.05)
            v = rng.poisson(mean * np.exp(0.3 * link * z - (0.3 * link) ** 2 / 2)).astype(np.float64)
        elif f == "ovarian_cyst_size":
            has = rng.random(n) < p["ovarian_cyst.prevalence"]
            v = np.where(has, np.round(p["ovarian_cyst.median"] * np.exp(0.4 * rng.standard_normal(n))), 0.0)
        elif f == "fibroid_size":
            has = rng.random(n) < p["fibroid.prevalence"]
            v = np.where(has, np.round(p["fibroid.median"] * np.exp(0.5 * rng.standard_normal(n))), 0.0)
        elif f in ("hemoglobin", "platelets"):
            if f == "hemoglobin":
                v = np.round(p["hemoglobin.mean"] + p["hemoglobin.sd"] * rng.standard_normal(n))
            else:
                v = np.round(np.maximum(p["platelets.mean"] + p["platelets.sd"] * rng.standard_normal(n), 5))
            # one blood count: both missing together (drawn from a shared stream)
            blood_missing = _rng(seed, "blood_count_done").random(n) < max(miss.get("hemoglobin", 0),
                                                                            miss.get("platelets", 0))
            v = v.astype(np.float64)
            v[blood_missing] = np.nan
            cols[f] = v
            continue
        elif f in WINDOW_DEFAULTS:
            had = rng.random(n) < p[f"{f}.ever"]
            v = np.where(had, np.round(rng.random(n) * p[f"{f}.spread"], 1), np.inf)
        elif f == "sexual_history_years":
            debut = np.clip(p["sexual_debut.mean"] + 3 * rng.standard_normal(n), 12, None)
            v = np.round(np.maximum(age_true - debut, 0), 1)
        elif f == "regular_cycle_months":
            short = rng.random(n) < p["regular_cycle.short_share"]
            v = np.round(np.where(short, rng.random(n) * 12, 12 + rng.random(n) * 108))
        elif f in FACT_FIELDS:
            prev = p[f"{f}.prevalence"]
            yes = rng.random(n) < prev
            mask = rng.random(n) < miss[f]
            cols[f] = pd.arrays.BooleanArray(yes, mask)
            continue
        elif f == "hpv_types":
            s = _hpv_strings(rng, n, p)
            if miss[f] > 0:
                s = s.where(rng.random(n) >= miss[f])
            cols[f] = s.values
            continue
        else:
            continue
        cols[f] = _missing(np.asarray(v, dtype=np.float64), miss.get(f, 0.0), rng)

    simulated = [f for f in wanted if f in cols]
    not_simulated = [f for f in wanted if f not in cols]
    frame = pd.DataFrame(cols, index=pd.RangeIndex(n, name="patient"))
    # the true age stays available for comparisons even when age goes missing
    return SimulatedCohort(frame=frame, n=n, seed=int(seed), params=p, simulated=simulated,
                           not_simulated=not_simulated,
                           notes={f: NOT_SIMULATED_NOTES.get(f, N_("no stated distribution: unknown for everyone"))
                                  for f in not_simulated})
