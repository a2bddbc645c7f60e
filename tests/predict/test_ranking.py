import shutil
import subprocess

import numpy as np
import pytest

from protein_rgdm.evaluate.metrics import score_matched, tm_score
from protein_rgdm.predict.ranking import ensemble_consistency, rank_descending, tied_ranks
from protein_rgdm.structure.write import write_ca_pdb


def _chain(rng, L):
    steps = rng.normal(size=(L, 3))
    return np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), axis=0)


def _rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def test_tm_is_one_for_rigid_copies_and_lower_for_perturbed():
    rng = np.random.default_rng(0)
    x = _chain(rng, 60)
    assert tm_score(x, x @ _rotation(rng) + 7.0) == pytest.approx(1.0, abs=1e-9)
    y = x + rng.normal(size=x.shape) * 3.0
    assert 0.1 < tm_score(x, y) < 0.9


@pytest.mark.skipif(shutil.which("TMscore") is None, reason="TMscore binary (Debian tm-align) not installed")
def test_tm_matches_tmscore_program(tmp_path):
    rng = np.random.default_rng(3)
    x = _chain(rng, 80)
    y = x.copy()
    y[40:] = y[40:] @ _rotation(rng) + rng.normal(size=(40, 3))  # a hinge motion: local search matters
    seq = "A" * 80
    write_ca_pdb(tmp_path / "m.pdb", y, seq)
    write_ca_pdb(tmp_path / "r.pdb", x, seq)
    out = subprocess.run(["TMscore", str(tmp_path / "m.pdb"), str(tmp_path / "r.pdb")], capture_output=True, text=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("TM-score    ="))
    assert tm_score(y, x) == pytest.approx(float(line.split()[2]), abs=2e-3)


def test_consistency_ranks_the_outlier_last():
    rng = np.random.default_rng(1)
    x = _chain(rng, 50)
    samples = np.stack([x + rng.normal(size=x.shape) * 0.5 for _ in range(3)] + [_chain(rng, 50)])
    scores = ensemble_consistency(samples)
    assert scores.shape == (4,) and np.argmin(scores) == 3
    assert list(rank_descending(scores))[3] == 4
    assert np.isnan(ensemble_consistency(samples[:1])).all()


def test_rank_descending_ties_and_nan():
    assert list(rank_descending(np.array([0.2, np.nan, 0.5, 0.5]))) == [3, 4, 1, 2]


def test_two_samples_always_tie_and_ties_are_marked():
    rng = np.random.default_rng(2)
    x = _chain(rng, 40)
    pair = np.stack([x + rng.normal(size=x.shape) * 0.5, _chain(rng, 40)])
    scores = ensemble_consistency(pair)
    assert scores[0] == scores[1]  # both are TM(x_0, x_1): nothing to rank by
    assert tied_ranks(scores).tolist() == [True, True] and rank_descending(scores).tolist() == [1, 2]
    three = ensemble_consistency(np.concatenate([pair, pair[:1] + rng.normal(size=(1, 40, 3))]))
    assert tied_ranks(three).tolist() == [False, False, False]
    assert tied_ranks(np.array([0.5, 0.7, 0.5, np.nan, np.nan])).tolist() == [True, False, True, False, False]
    assert tied_ranks(np.array([np.nan])).tolist() == [False]


def _hinge(rng, x, start):
    """x with residues ``start:`` turned as a rigid body and jiggled by 1 Å: a two-domain motion."""
    y = x.copy()
    y[start:] = y[start:] @ _rotation(rng) + rng.normal(size=(len(x) - start, 3))
    return y


def test_ranking_scores_pairs_with_the_evaluators_tm_score():
    # the ranking's pair TM is the evaluator's TM-score (score_matched with residue i ↔ i), to rounding
    rng = np.random.default_rng(4)
    x = _chain(rng, 70)
    samples = np.stack([x + rng.normal(size=x.shape), _hinge(rng, x, 30), _hinge(rng, x, 45), _chain(rng, 70)])
    idx = np.arange(70)
    pair = np.array([[score_matched(a, b, idx, idx).tm for b in samples] for a in samples])
    assert np.all(np.diag(pair) > 1.0 - 1e-12)
    expected = (pair.sum(1) - np.diag(pair)) / 3
    assert np.allclose(ensemble_consistency(samples), expected, rtol=0, atol=1e-12)
    assert np.allclose(ensemble_consistency(samples[:2]), pair[0, 1], rtol=0, atol=1e-12)


def test_tm_score_is_symmetric():
    # scoring each sample pair once relies on TM(x, y) = TM(y, x) for traces of the same residues
    rng = np.random.default_rng(5)
    for L, start in ((25, 12), (60, 20), (150, 90)):
        x = _chain(rng, L)
        y = _hinge(rng, x, start)
        assert tm_score(x, y) == pytest.approx(tm_score(y, x), abs=1e-9)
        assert 0.0 < tm_score(x, y) < 1.0


def test_tm_score_needs_matched_traces():
    with pytest.raises(ValueError, match="matched traces"):
        tm_score(np.zeros((5, 3)), np.zeros((6, 3)))
    with pytest.raises(ValueError, match="matched traces"):
        tm_score(np.zeros((0, 3)), np.zeros((0, 3)))
