"""Maths of the building blocks: Kabsch, the TM-score search parameters, lDDT, matching."""

from __future__ import annotations

import numpy as np
import pytest

from protein_rgdm.errors import InputError
from protein_rgdm.evaluate.lddt import lddt_ca
from protein_rgdm.evaluate.matching import match_by_numbering, match_by_sequence, match_explicit
from protein_rgdm.evaluate.metrics import score_matched
from protein_rgdm.evaluate.superpose import kabsch, rmsd_after_superposition
from protein_rgdm.evaluate.tmsearch import d0_final, d0_search_final, search_parameters, seed_lengths


def _random_rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] *= -1
    return q


def _chain(rng, n):
    steps = rng.normal(size=(n, 3))
    steps *= 3.8 / np.linalg.norm(steps, axis=1, keepdims=True)
    return np.cumsum(steps, axis=0)


def test_kabsch_recovers_a_rigid_motion():
    rng = np.random.default_rng(0)
    y = _chain(rng, 40)
    rot = _random_rotation(rng)
    x = (y - 5.0) @ rot.T + np.array([10.0, -3.0, 7.0])  # x = R (y - 5) + t
    r, t = kabsch(x, y)
    assert np.isclose(np.linalg.det(r), 1.0)
    np.testing.assert_allclose(r, rot.T, atol=1e-10)
    np.testing.assert_allclose(x @ r.T + t, y, atol=1e-9)
    assert rmsd_after_superposition(x, y) == pytest.approx(0.0, abs=1e-6)


def test_kabsch_is_proper_for_a_mirror_image():
    rng = np.random.default_rng(1)
    y = _chain(rng, 30)
    x = y * np.array([-1.0, 1.0, 1.0])  # best improper fit is exact; the proper one is not
    r, _ = kabsch(x, y)
    assert np.isclose(np.linalg.det(r), 1.0)
    assert rmsd_after_superposition(x, y) > 0.1


def test_rmsd_matches_centred_svd_formula():
    rng = np.random.default_rng(2)
    x, y = _chain(rng, 25), _chain(rng, 25)
    xc, yc = x - x.mean(0), y - y.mean(0)
    s = np.linalg.svd(xc.T @ yc, compute_uv=False)
    sign = np.sign(np.linalg.det(xc.T @ yc))
    e = (xc**2).sum() + (yc**2).sum() - 2 * (s[0] + s[1] + sign * s[2])
    assert rmsd_after_superposition(x, y) == pytest.approx(np.sqrt(e / 25), rel=1e-9)


def test_tm_score_parameters_follow_the_program():
    assert d0_final(90) == pytest.approx(1.24 * 75 ** (1 / 3) - 1.8)
    assert d0_final(20) == 0.5 and d0_final(5) == 0.5
    assert d0_search_final(90) == 4.5 and d0_search_final(2000) == 8.0
    assert search_parameters(300, 250) == pytest.approx(1.24 * 235 ** (1 / 3) - 1.0)
    assert seed_lengths(90) == [90, 45, 22, 11, 5, 4]
    assert seed_lengths(300) == [300, 150, 75, 37, 18, 4]
    assert seed_lengths(10) == [10, 5, 4]
    assert seed_lengths(3) == [3]


def test_identical_structures_score_perfectly():
    rng = np.random.default_rng(3)
    y = _chain(rng, 60)
    x = y @ _random_rotation(rng).T + 4.0
    idx = np.arange(60)
    s = score_matched(x, y, idx, idx)
    assert s.tm == pytest.approx(1.0) and s.gdt_ts == 1.0 and s.gdt_ha == 1.0 and s.lddt == 1.0
    assert s.rmsd == pytest.approx(0.0, abs=1e-6)


def test_tm_score_finds_the_rigid_core_and_is_normalised_by_reference():
    rng = np.random.default_rng(4)
    y = _chain(rng, 80)
    x = y.copy()
    x[40:] += np.array([30.0, 0.0, 0.0])  # second half displaced far away
    idx = np.arange(80)
    s = score_matched(x, y, idx, idx)
    # The first half superposes exactly: at least 40/80 of a perfect score, GDT counts 40 pairs.
    assert 0.5 <= s.tm < 0.6
    assert s.gdt_ha >= 0.5
    half = score_matched(x[:40], y, idx[:40], idx[:40])  # only half matched, still / 80
    assert half.tm == pytest.approx(0.5, abs=1e-6) and half.n_matched == 40


def test_lddt_counts_pairs_within_radius_and_uncovered_residues():
    y = np.array([[0.0, 0, 0], [3.8, 0, 0], [7.6, 0, 0], [30.0, 0, 0]])
    assert lddt_ca(y, y) == 1.0
    x = y.copy()
    x[2, 0] += 1.5  # pairs (0,2),(1,2) off by 1.5 Å: preserved at 2 and 4 Å only
    # scored pairs (ordered): (0,1),(1,0),(0,2),(2,0),(1,2),(2,1); residue 3 is beyond 15 Å
    assert lddt_ca(x, y) == pytest.approx((2 * 4 + 4 * 2) / (4 * 6))
    x[2] = np.nan  # residue 2 not covered by the model
    assert lddt_ca(x, y) == pytest.approx(2 * 4 / (4 * 6))


def test_sequence_matching_handles_missing_residues_and_substitutions():
    model = "MKTAYIAKQRQISFVKSHFSRQ"
    ref = "TAYIAKQISFVKSHF"  # two residues (RQ) unobserved, ends trimmed
    m = match_by_sequence(model, ref)
    assert m.identity == 1.0 and len(m) == len(ref)
    assert "".join(model[i] for i in m.model_index) == ref
    mutant = match_by_sequence(model, ref.replace("Y", "W"))
    assert len(mutant) == len(ref) and mutant.identity == pytest.approx(14 / 15)


def test_numbering_and_explicit_matching():
    m = match_by_numbering(np.array([1, 2, 3, 4]), np.array([3, 4, 5]), "ACDE", "DEF")
    assert m.model_index.tolist() == [2, 3] and m.reference_index.tolist() == [0, 1] and m.identity == 1.0
    e = match_explicit([(1, 10), (2, 11)], np.array([1, 2]), np.array([10, 11]), "AC", "AC")
    assert e.model_index.tolist() == [0, 1]
    with pytest.raises(InputError, match="reference residue 12"):
        match_explicit([(1, 12)], np.array([1, 2]), np.array([10, 11]), "AC", "AC")
