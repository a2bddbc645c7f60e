"""Geometry and P-SEA metrics of Cα traces against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from protein_rgdm.evaluate.geometry import (
    bond_statistics,
    clash_fraction,
    compare_geometry,
    radius_of_gyration,
    sse_agreement,
    sse_composition,
    sse_labels,
    trace_geometry,
    virtual_bond_lengths,
)


def _line(lengths):
    """Cα along x with the given consecutive distances (Å)."""
    x = np.concatenate([[0.0], np.cumsum(lengths)])
    return np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=1)


def _helix(n, rise=1.5, turn_deg=100.0, radius=2.3):
    """Ideal α-helix Cα trace: rise 1.5 Å and 100° per residue on a 2.3 Å radius."""
    k = np.arange(n)
    phase = np.deg2rad(turn_deg) * k
    return np.stack([radius * np.cos(phase), radius * np.sin(phase), rise * k], axis=1)


def _strand(n, rise=3.3, offset=0.95):
    """Pleated β strand: 3.3 Å rise per residue, Cα alternating ±0.95 Å off the axis (bond 3.81 Å)."""
    k = np.arange(n)
    return np.stack([rise * k, offset * (-1.0) ** k, np.zeros(n)], axis=1)


def test_bond_fraction_and_rms_deviation_by_hand():
    bonds = [3.8, 3.95, 4.5, 3.7, 4.05, 3.62]
    ca = _line(bonds)
    np.testing.assert_allclose(virtual_bond_lengths(ca), bonds, atol=1e-12)
    valid, rms = bond_statistics(virtual_bond_lengths(ca))
    assert valid == pytest.approx(4 / 6)  # 3.8, 3.95, 3.7, 3.62 within 3.8 ± 0.2; 4.5 and 4.05 not
    assert rms == pytest.approx(math.sqrt((0 + 0.15**2 + 0.7**2 + 0.1**2 + 0.25**2 + 0.18**2) / 6), abs=1e-12)


def test_bonds_skip_numbering_gaps():
    ca = _line([3.8, 3.8, 4.5, 3.7])
    lengths = virtual_bond_lengths(ca, np.array([1, 2, 3, 5, 6]))  # 3 -> 5: a break, not a bond
    np.testing.assert_allclose(lengths, [3.8, 3.8, 3.7], atol=1e-12)
    valid, rms = bond_statistics(lengths)
    assert valid == 1.0 and rms == pytest.approx(math.sqrt(0.01 / 3), abs=1e-12)
    assert all(math.isnan(v) for v in bond_statistics(virtual_bond_lengths(ca[:1])))


def test_clash_fraction_by_hand():
    ca = np.array([[0, 0, 0], [10, 0, 0], [1, 0, 0], [20, 0, 0], [0, 2.5, 0], [30, 0, 0]], dtype=float)
    # pairs with j - i >= 3: (0,3) (0,4) (0,5) (1,4) (1,5) (2,5); only (0,4) is closer than 3 Å (2.5).
    # (0,2) at 1 Å and (2,4) at 2.69 Å are only two apart in sequence and do not count.
    assert clash_fraction(ca) == pytest.approx(1 / 6)
    # numbered 1,2,3,10,11,12: nine pairs are >= 3 apart, of which (0,4) and (2,4) clash
    assert clash_fraction(ca, np.array([1, 2, 3, 10, 11, 12])) == pytest.approx(2 / 9)
    assert math.isnan(clash_fraction(ca[:3]))


def test_clash_fraction_equals_the_full_distance_matrix():
    rng = np.random.default_rng(3)
    ca = rng.uniform(0, 40, size=(1300, 3))
    numbers = np.sort(rng.choice(5000, size=1300, replace=False))  # gapped numbering: |i - j| from numbers
    numbers[100] = numbers[99]  # a repeated number (insertion code) is never a pair to count
    d = np.linalg.norm(ca[:, None] - ca[None], axis=-1)
    i, j = np.triu_indices(len(ca), k=1)
    for pos in (np.arange(len(ca)), numbers):
        keep = np.abs(pos[i] - pos[j]) >= 3
        want = float(np.mean(d[i, j][keep] < 3.0))
        assert clash_fraction(ca, pos) == pytest.approx(want, rel=1e-12)
        assert 0 < want < 0.01


def test_radius_of_gyration_of_known_point_sets():
    cube = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float) + [5, -3, 2]
    assert radius_of_gyration(cube) == pytest.approx(math.sqrt(3), abs=1e-12)
    assert radius_of_gyration(np.array([[0.0, 0, 0], [6.0, 0, 0]])) == pytest.approx(3.0)


def test_ideal_helix_is_helix_and_has_ideal_bonds():
    ca = _helix(20)
    geo = trace_geometry(ca)
    chord = math.sqrt((2 * 2.3 * math.sin(math.radians(50))) ** 2 + 1.5**2)  # 3.830 Å
    assert geo.bond_rms_dev == pytest.approx(chord - 3.8, abs=1e-9) and geo.bond_valid == 1.0
    assert geo.clash == 0.0
    labels = sse_labels(ca)
    assert labels.shape == (20,) and (labels == "a").mean() >= 0.8 and "b" not in labels
    assert geo.values()["sse_helix"] == pytest.approx((labels == "a").mean())


def test_pleated_strand_is_strand_and_straight_line_is_coil():
    labels = sse_labels(_strand(12))
    assert (labels == "b").mean() >= 0.75 and "a" not in labels
    assert set(sse_labels(_line([3.8] * 11))) == {"c"}  # a straight rod is neither
    assert set(sse_labels(_helix(5))) == {"c"}  # too short for P-SEA


def test_numbering_gap_breaks_the_helix():
    # two halves of one ideal helix, numbered with a gap: P-SEA must not measure across it
    ca = _helix(16)
    whole = sse_labels(ca)
    split = sse_labels(ca, np.r_[np.arange(1, 9), np.arange(20, 28)])
    assert split.shape == (16,)
    assert (whole == "a").sum() > (split == "a").sum()
    assert split[7] == "c" and split[8] == "c"  # residues at the break have no i+1 / i-1 neighbour


def test_sse_composition_and_agreement_by_hand():
    comp = sse_composition(np.array(["a", "a", "b", "c", ""]))
    assert comp == {"helix": 0.5, "strand": 0.25, "coil": 0.25}
    assert sse_agreement(np.array(["a", "a", "b"]), np.array(["a", "c", "b"])) == pytest.approx(2 / 3)
    assert all(math.isnan(v) for v in sse_composition(np.array([], dtype="<U1")).values())


def test_compare_geometry_uses_matched_residues():
    ref = _helix(20)
    far = np.array([[500.0, 0, 0]])  # an unmatched model residue far away must not enter the ratio
    model = np.concatenate([2.0 * (ref - ref.mean(0)), far])  # the helix doubled in size
    mi, ri = np.arange(20), np.arange(20)
    gm, gr = trace_geometry(model), trace_geometry(ref)
    out = compare_geometry(gm, model, gr, ref, mi, ri)
    assert out["rg_ratio"] == pytest.approx(2.0, abs=1e-9)
    expect = sse_agreement(gm.sse[:20], gr.sse)
    assert out["sse_agreement"] == pytest.approx(expect)
    assert out["ref_sse_helix"] == pytest.approx((gr.sse == "a").mean())
    same = compare_geometry(gr, ref, gr, ref, mi[2:], ri[2:])
    assert same["rg_ratio"] == pytest.approx(1.0) and same["sse_agreement"] == 1.0
    # a model shifted by one residue against a helix-then-line reference disagrees where labels change
    mixed = np.concatenate([_helix(10), _helix(10)[-1] + _line([3.8] * 10)[1:]])
    g = trace_geometry(mixed)
    out = compare_geometry(g, mixed, g, mixed, np.arange(0, 18), np.arange(1, 19))
    assert out["sse_agreement"] == pytest.approx(float(np.mean(g.sse[:18] == g.sse[1:19])))
    assert out["sse_agreement"] < 1.0


def test_json_block_is_plain_and_has_one_label_per_residue():
    geo = trace_geometry(_helix(12)).as_json()
    assert set(geo) == {"bond_valid", "bond_rms_dev", "clash", "rg", "sse_helix", "sse_strand", "sse_coil", "sse"}
    assert len(geo["sse"]) == 12 and set(geo["sse"]) <= set("abc")
    assert trace_geometry(np.zeros((1, 3))).as_json()["bond_valid"] is None  # NaN is not JSON
