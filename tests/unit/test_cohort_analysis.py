"""Funnel, sole exclusions, Shapley, threshold curves and amendments on hand-made code matrices."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pytest

from trialkit.cohort import analysis as A
from trialkit.criteria.rules import FactRule, RangeRule


@dataclass
class Crit:
    id: str
    kind: str
    rules: list = field(default_factory=list)
    text: str = ""


@dataclass
class RS:
    criteria: list


def test_hand_made_matrix_known_verdicts():
    ids = ["I1", "I2", "E1"]
    codes = np.array([
        [1, 1, 1],     # eligible
        [1, 0, 1],     # needs review
        [-1, 1, 1],    # fails I1 only
        [-1, -1, 1],   # fails I1 and I2
        [0, -1, -1],   # fails I2 and E1 (unknown I1)
        [1, 1, -1],    # fails E1 only
    ], dtype=np.int8)
    s = A.summarize(codes, ids)
    assert (s.n, s.eligible, s.needs_review, s.ineligible) == (6, 1, 1, 4)
    assert [f["remaining"] for f in s.funnel] == [4, 3, 2]
    assert s.funnel[-1]["remaining"] == s.eligible + s.needs_review
    assert [f["eligible_so_far"] for f in s.funnel] == [3, 2, 1]
    assert s.sole_exclusions == {"I1": 1, "I2": 0, "E1": 1}
    assert s.shapley == pytest.approx({"I1": 1.5, "I2": 1.0, "E1": 1.5})
    assert sum(s.shapley.values()) == pytest.approx(s.ineligible)
    res = A.patient_results(codes, ids)
    assert list(res["status"]) == ["eligible", "needs_review", "ineligible", "ineligible", "ineligible", "ineligible"]
    assert list(res["failed"]) == ["", "", "I1", "I1;I2", "I2;E1", "E1"]
    assert list(res["unknown"]) == ["", "I2", "", "", "I1", ""]


def _brute_shapley(codes):
    """Shapley values of v(S) = #patients failing some criterion in S, by enumerating coalitions."""
    from math import factorial
    k = codes.shape[1]
    fails = codes == -1

    def v(S):
        return int(fails[:, list(S)].any(axis=1).sum()) if S else 0
    out = np.zeros(k)
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            for S in combinations(others, size):
                w = factorial(size) * factorial(k - size - 1) / factorial(k)
                out[j] += w * (v(S + (j,)) - v(S))
    return out


def test_random_matrices_invariants():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n, k = int(rng.integers(1, 200)), int(rng.integers(1, 6))
        codes = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=(n, k), p=[0.15, 0.25, 0.6])
        ids = [f"C{i}" for i in range(k)]
        s = A.summarize(codes, ids)
        assert s.eligible + s.needs_review + s.ineligible == n
        rem = [f["remaining"] for f in s.funnel]
        assert all(a >= b for a, b in zip([n] + rem, rem)), "the funnel never rises"
        assert rem[-1] == s.eligible + s.needs_review
        for f in s.funnel:
            assert f["eligible_so_far"] + f["review_so_far"] == f["remaining"]
        assert sum(s.shapley.values()) == pytest.approx(s.ineligible)
        assert np.allclose([s.shapley[i] for i in ids], _brute_shapley(codes))
        for i in ids:
            assert s.sole_exclusions[i] <= s.shapley[i] + 1e-9 <= s.failing[i] + 1e-9


def _setup(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    bmi = rng.normal(24, 4, n)
    bmi[rng.random(n) < 0.3] = np.nan
    hb = rng.normal(125, 15, n)
    hb[rng.random(n) < 0.4] = np.nan
    preg = rng.choice(np.array([-1, 0, 1], dtype=np.int8), n)
    rs = RS([
        Crit("I1", "inclusion", [RangeRule(field="bmi", minimum=18, maximum=27)]),
        Crit("I2", "inclusion", [FactRule(field="consent")]),
        Crit("E1", "exclusion", [RangeRule(field="hemoglobin", maximum=100, maximum_inclusive=False),
                                 FactRule(field="pregnant")]),
    ])
    values = {"bmi": bmi, "hemoglobin": hb}
    rule_codes = [[A._range_codes(bmi, 18, True, 27, True)],
                  [rng.choice(np.array([0, 1], dtype=np.int8), n)],
                  [A._range_codes(hb, None, True, 100, False), preg]]
    codes = np.column_stack([A.combine(c.kind, rc, n) for c, rc in zip(rs.criteria, rule_codes)])
    m = A.CodeMatrix(["I1", "I2", "E1"], ["inclusion", "inclusion", "exclusion"], codes, rule_codes)
    return rs, m, values


def test_bounds_and_curves_match_recomputation():
    rs, m, values = _setup()
    w = A.WhatIf(rs, m, values)
    assert [b.key for b in w.bounds] == ["bmi.min", "bmi.max", "hemoglobin.max"]
    for key in w.by_key:
        lo, hi, step = w.slider_range(key)
        ts = np.linspace(lo, hi, 41)
        curve = w.curve(key, ts, {"bmi.min": 17} if key != "bmi.min" else {})
        for t, e, ne in zip(ts, curve["eligible"], curve["not_excluded"]):
            o = {key: t}
            if key != "bmi.min":
                o["bmi.min"] = 17
            if key.startswith("bmi") and o.get("bmi.min", 18) > o.get("bmi.max", 27):
                continue
            s = w.summary(o)
            assert (e, ne) == (s.eligible, s.eligible + s.needs_review), (key, t)


def test_relaxing_never_excludes_more():
    rs, m, values = _setup()
    w = A.WhatIf(rs, m, values)
    prev = None
    for t in np.arange(27, 40, 0.5):  # widening BMI max
        s = w.summary({"bmi.max": t})
        if prev is not None:
            assert s.ineligible <= prev.ineligible
            assert s.eligible >= prev.eligible
        prev = s
    lows = w.curve("hemoglobin.max", np.arange(60, 130, 1.0))  # a lower exclusion cut-off relaxes it
    assert np.all(np.diff(lows["not_excluded"]) <= 0)


def test_amendment_lines():
    rs, m, values = _setup()
    w = A.WhatIf(rs, m, values)
    lines = w.amendment_lines({"bmi.max": 30, "hemoglobin.max": 90})
    assert len(lines) == 3
    text = lines[0].text()
    assert text.startswith("BMI ≤ 27 → ≤ 30 kg/m² (I1): +")
    assert "eligible" in text and "%" in text
    assert lines[0].eligible_delta == w.summary({"bmi.max": 30}).eligible - w.base.eligible
    assert lines[1].text().startswith("Haemoglobin < 100 → < 90 ×10⁹/L".replace(" ×10⁹/L", " g/L"))
    assert w.amendment_lines({"bmi.max": 27}) == []
