"""The one Kleene core and the weighted-pattern analysis the database path uses (issue 14 items 1-2)."""
import numpy as np
import pytest

from trialkit.cohort.analysis import patterns, summarize
from trialkit.criteria import kleene


def test_kleene_truth_tables():
    vals = np.array([1, 0, -1], dtype=np.int8)
    a, b = np.meshgrid(vals, vals)
    a, b = a.ravel(), b.ravel()
    # strong Kleene: false AND unknown = false, true OR unknown = true, unknown AND true = unknown
    assert kleene.and_([a, b]).tolist() == [min(x, y) for x, y in zip(a.tolist(), b.tolist())]
    assert kleene.and_([np.int8(-1), np.int8(0)]) == -1
    assert kleene.or_([np.int8(1), np.int8(0)]) == 1
    assert kleene.and_([np.int8(0), np.int8(1)]) == 0
    assert kleene.not_(vals).tolist() == [-1, 0, 1]
    # exclusion: any condition true -> fail; all false -> pass; else unknown
    assert kleene.criterion_array("exclusion", [np.array([-1, -1, 0, 1], np.int8),
                                                np.array([-1, 0, 0, -1], np.int8)], 4).tolist() == [1, 0, 0, -1]
    assert kleene.criterion_array("inclusion", [], 3).tolist() == [0, 0, 0]


def test_weighted_patterns_give_the_same_summary():
    rng = np.random.default_rng(3)
    codes = rng.choice(np.array([1, 0, -1], np.int8), size=(5000, 7), p=[0.8, 0.1, 0.1])
    ids = [f"C{j}" for j in range(7)]
    uniq, w = patterns(codes)
    assert uniq.shape[0] < codes.shape[0] and int(w.sum()) == 5000
    a, b = summarize(codes, ids), summarize(uniq, ids, w)
    assert (a.n, a.eligible, a.needs_review, a.ineligible) == (b.n, b.eligible, b.needs_review, b.ineligible)
    assert a.funnel == b.funnel and a.sole_exclusions == b.sole_exclusions
    assert a.failing == b.failing and a.unknown == b.unknown
    for c in ids:
        assert a.shapley[c] == pytest.approx(b.shapley[c], abs=1e-9)
    assert sum(b.shapley.values()) == pytest.approx(b.ineligible)
