"""Deterministic generator for the calibrated synthetic DTI 2022 datasets.

Writes two datasets into ``dti_bench/datasets/`` (or a given folder):

* ``dti2022_synthetic/``: 63 provinces x 8 scored main indicators (values in [0, 1], exactly 4 decimals);
* ``dti2022_synthetic_components/``: the same provinces x 98 component indicators (9 main indicators incl.
  the unscored smart-city indicator), whose within-indicator means reproduce the 8-indicator values.

**Only the published numbers are real** (ranks, five main-indicator profiles, a few DTI/pillar values, the
mean; see ``dti_published/``). Every other value is invented, then forced to agree with those numbers.

Method (8-indicator dataset)
----------------------------
1. *Target DTI curve.*  Each province gets a target DTI ``t`` that follows its published rank: the
   published values are used where they exist (ranks 1-5, Trà Vinh at rank 25), the gaps between
   consecutive ranks are drawn from a seeded log-normal and scaled so the segments 5->25 and 25->63 fit the
   anchors, and the length of the bottom segment is solved so the 63 targets average the published mean
   0.5763. Thanh Hóa and Yên Bái (tied at 15) share one target.
2. *Latent-factor draw.*  One province-level latent "digital maturity" factor ``f_i = t_i - mean(t)`` loads
   on all 8 indicators: ``x_ij = mu_j + lambda_j f_i + e_ij``, ``e_ij ~ N(0, sigma_j^2)`` independent.
   ``mu_j``/``lambda_j``/``sigma_j`` (``INDICATOR_MODEL``) are chosen by hand to look like the five published
   profiles: awareness and institutions high and compressed near the top (institutions capped at 0.9,
   the published maximum), foundation indicators mid-range, society_activity low. The loadings are
   normalised so that ``sum_j w_j lambda_j = 1`` and the means shifted so that ``sum_j w_j mu_j = mean(t)``
   (``w_j = max points / 1000``). The noise is then *conditioned* on ``sum_j w_j e_ij = 0`` (exact Gaussian
   conditioning on a linear constraint), so every drawn province's DTI equals its target before clipping
   to [0, hi_j]. Seed: ``numpy.random.default_rng(20220712)`` (the publication date of DTI 2022).
3. *Re-targeting.*  Bình Dương is the only province with published main-indicator ranks whose values are
   not published; each of its drawn values is moved to the slot its published rank implies among the
   other provinces' values (midpoint between the (R-1)-th and R-th highest), so the projection moves the
   province that carries the rank information rather than its neighbours.
4. *Projection onto the published constraints.*  A mixed-integer LP (``scipy.optimize.milp``, HiGHS) finds
   a 4-decimal dataset close to the draw. Variables: integers ``k_ij`` in units of 1e-4 for the 58
   provinces without published profiles (the five published profiles are constants) and one integer per
   rounded DTI ``r_i`` with ``|1e7*DTI_i - 1e3*r_i| <= 450`` (an integer DTI sum is a multiple of 50, so
   exact halves are excluded and the rounding is unambiguous). Constraints: DTI order with consecutive
   rounded DTIs >= 0.0002 apart; the Thanh Hóa / Yên Bái tie as equal rounded DTIs; the sum of the 63
   rounded DTIs in [63*5763, 63*5763+1] (1e-4 units, so the mean is 0.5763 whether HCM counts as 0.7164
   or 0.7163); Trà Vinh's DTI and rounded pillars; every published pillar rank and main-indicator rank.
   A rank ``R`` of province ``p`` becomes "these ``R-1`` provinces strictly above, all others strictly
   below (ties allowed only with a published value)". Pillar ranks are imposed on the unrounded pillar
   numerators with margins that survive rounding (rounding is monotone: ``x_i >= x_p + 1e-4`` implies
   ``round(x_i) > round(x_p)``; against a fixed rounded value ``R``, ``x >= R + 0.5e-4`` etc.), so they
   need no integer variables. Who is above whom is decided beforehand from an ordering (keeping the
   published values consistent), so the model needs no binaries. This is done in two stages: stage 1
   imposes everything except the pillar ranks, ordering by the draw; stage 2 adds the pillar ranks,
   ordering by the stage-1 solution (the draw's pillar order is too far from the published ranks for
   Hà Nội and Quảng Ngãi). Anti-piling: around each ranked main-indicator value, the 8 nearest free
   provinces on each side keep their order with gaps >= 0.0005, so L1 does not stack them on the
   threshold. Objective: convex piecewise-linear distance to the draw (slopes 1, 2, 4, 8 on deviations
   of 0-0.01, 0.01-0.04, 0.04-0.10, >0.10 per value), L1 near the draw and increasingly expensive for
   large moves. Solution strategy: LP relaxation, then the MILP with every ``k_ij`` boxed to +-0.0005
   around the LP optimum (widened if infeasible), relative MIP gap 1%; no time limit, so the result is
   deterministic for a given scipy/HiGHS version.
5. Every constraint is re-checked in exact integer arithmetic after the solve (printed, and recorded in
   ``meta.yaml`` under ``check_results``).
6. *Attempts* (:func:`build`). Deciding who is above whom from the draw can ask the impossible: Trà Vinh's
   published DTI and three pillars pin its activity indicators (econ activity 0.609), yet a draw may rank it
   among the three free provinces above HCM's econ activity 0.7611 (seed 2 of the review fails so); other
   draws (seeds 0, 3, 7) fail even so re-ordered, on several rank sets together. A draw that
   does not calibrate is therefore re-ordered with the pinned values (:func:`pin_to_published`), then
   replaced by redraws from the derived seeds ``[seed, 1]``, ``[seed, 2]``, ... (``MAX_ATTEMPTS`` in all,
   deterministic). The first attempt is the historical procedure, so seed 20220712 still gives the bundled
   files. The free parameters are :class:`Dti2022Parameters`.

Known infeasibility: with the five published 4-decimal profiles, Hồ Chí Minh's weighted sum is exactly
0.716355, which rounds to 0.7164, not the published 0.7163 (the publisher presumably summed unrounded
indicator values). The profile is kept exactly as published, so its rounded DTI is 0.7164; no rank is
affected, and the mean constraint is met with either value.

Method (components dataset)
---------------------------
Component maxima are not published, so the variant assumes equal maxima within each main indicator
(``max_j / n_j`` points each); a main indicator is then the arithmetic mean of its components. Components
are drawn around the main value on the logit scale, ``logit(c) = logit(x_ij) + d_jm + tau z_ijm``, with a
seeded per-component difficulty ``d_jm`` (centred within indicator) and noise ``z``; they are then put on a
1e-6 grid and repaired in exact integer arithmetic (deficits spread in proportion to head-room, remainders
by largest fraction) so that the sum is exactly ``n_j * x_ij``. The unscored smart-city indicator (3
components) is drawn from the same latent factor but constrains nothing.

Run ``python tools/generate_dti2022_synthetic.py`` (a thin wrapper around :func:`main`) to rewrite the
bundled files; ``--out-dir DIR`` writes them under ``DIR`` instead (used by the reproducibility test).
Needs numpy and scipy only.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.special import expit, logit

from dti_bench.errors import ConfigError, DataError, choices

SEED = 20220712
DISP, GAP, TLIM = False, 1e-2, None    # HiGHS log, relative MIP gap, time limit (None: deterministic)
HERE = Path(__file__).resolve().parents[1] / "datasets"  # the bundled datasets this module writes
PUBLISHED_DIR = HERE / "dti_published"
MAIN_NAME = "dti2022_synthetic"
COMP_NAME = "dti2022_synthetic_components"

INDICATORS = ["awareness", "institutions", "infrastructure", "human_resources", "cybersecurity",
              "gov_activity", "econ_activity", "society_activity"]
MAX_POINTS = np.array([100, 100, 100, 100, 100, 200, 150, 150])
FOUNDATION = slice(0, 5)
PILLARS = ["digital_government", "digital_economy", "digital_society"]
PILLAR_ACTIVITY = [5, 6, 7]            # index of each pillar's activity indicator
PILLAR_DENOM = [700, 650, 650]         # 500 + max of that activity indicator
PUBLISHED_MEAN = 0.5763
UNIT = 10_000                          # 4 decimals

# (base mean, relative loading, noise sd, upper bound) per indicator, on the [0, 1] scale.
INDICATOR_MODEL = {
    "awareness":        (0.80, 1.0, 0.060, 1.0),
    "institutions":     (0.71, 0.8, 0.060, 0.9),
    "infrastructure":   (0.60, 1.1, 0.070, 1.0),
    "human_resources":  (0.50, 1.2, 0.080, 1.0),
    "cybersecurity":    (0.47, 1.0, 0.090, 1.0),
    "gov_activity":     (0.66, 0.9, 0.060, 1.0),
    "econ_activity":    (0.50, 1.3, 0.080, 1.0),
    "society_activity": (0.25, 1.0, 0.070, 1.0),
}
GAP_SIGMA = 0.35                       # log-sd of the gaps between consecutive target DTIs
# convex piecewise-linear distance: (segment width in 1e-4 units, slope); last segment unbounded
COST_SEGMENTS = [(100, 1.0), (300, 2.0), (600, 4.0), (None, 8.0)]
NEIGHBOURHOOD = (5, 20, 100, UNIT)     # boxes (1e-4 units) around the LP optimum, tried in turn
# branch-and-bound nodes per MILP solve: a count, unlike a time limit, stops at the same point on every machine;
# the bundled draw needs 1,020 nodes, some draws would search for hours (seed 26) and are redrawn instead
NODE_LIMIT = 3000
CHAIN_K = 8                            # anti-piling chain length on each side of a ranked province
CHAIN_DELTA = 5                        # minimum gap (1e-4) between neighbours in an anti-piling chain

COMPONENT_COUNTS = {"awareness": 10, "institutions": 11, "infrastructure": 7, "human_resources": 13,
                    "cybersecurity": 12, "smart_city": 3, "gov_activity": 22, "econ_activity": 12,
                    "society_activity": 8}
COMPONENT_ORDER = ["awareness", "institutions", "infrastructure", "human_resources", "cybersecurity",
                   "smart_city", "gov_activity", "econ_activity", "society_activity"]
SMART_CITY_MODEL = (0.45, 1.0, 0.12, 1.0)
COMPONENT_DIFFICULTY_SD = 0.6
COMPONENT_NOISE_SD = 0.5
COMP_UNIT = 1_000_000                  # 6 decimals
MAX_ATTEMPTS = 12                      # draws tried (the seed's own, then derived seeds) before giving up


def add_distance_to_draw(m, kvar, draw) -> np.ndarray:
    """The projection's objective: for every free cell ``k``, ``k - up + dn = round(draw * UNIT)`` with ``up`` and
    ``dn`` split over :data:`COST_SEGMENTS`, a convex piecewise-linear distance to the draw (shared by every
    synthetic year's projection). Returns the draw in units of ``1 / UNIT``, rounded."""
    d = np.rint(draw * UNIT)
    for (i, j), v in kvar.items():
        coefs = {v: 1.0}
        for width, slope in COST_SEGMENTS:
            ub = np.inf if width is None else width
            up = m.var(0, ub, integer=False, cost=slope)
            dn = m.var(0, ub, integer=False, cost=slope)
            coefs[up] = -1.0
            coefs[dn] = 1.0
        m.add((0.0, coefs), d[i, j], d[i, j])            # k - up + dn = draw
    return d


def apply_assignments(values: dict, assignments, names) -> None:
    """Apply ``NAME=VALUE`` assignments to ``values`` in place: ``field.<indicator>`` sets one entry of the list
    ``values[field]`` (in :data:`INDICATORS` order), ``field`` a scalar; a name not in ``names`` or a value that is
    not a number is a one-line ConfigError. Shared by the free parameters of every synthetic year."""
    for text in assignments:
        name, sep, raw = text.partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise ConfigError(f"--parameter {text!r}: expected NAME=VALUE with NAME one of {choices(names)}")
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"parameter {name} = {raw.strip()!r}: expected a number") from None
        field, _, indicator = name.partition(".")
        if indicator:
            values[field][INDICATORS.index(indicator)] = value
        else:
            values[field] = value


@dataclass(frozen=True)
class Dti2022Parameters:
    """The free parameters of the synthetic DTI 2022 draw (the published numbers are not free).

    The draw is ``x_ij = mu_j + lambda_j f_i + e_ij`` with ``f_i`` the province's target DTI minus the mean
    target and ``e_ij ~ N(0, sigma_j^2)`` (conditioned on ``sum_j w_j e_ij = 0``); the means ``mu_j`` and the
    upper bounds stay hand-chosen to match the five published profiles (``INDICATOR_MODEL``).

    Parameters
    ----------
    loadings : tuple of 8 floats, each in [0.5, 1.5]
        Relative loading of each indicator (order ``INDICATORS``) on the common factor, before the
        normalisation ``sum_j w_j lambda_j = 1``: the *dispersion of each indicator* across provinces
        (its provincial spread is ``lambda_j`` times the spread of the target DTIs, plus the noise). The
        range keeps every indicator tied to the factor and no loading more than 3 times another.
    noise_sd : tuple of 8 floats, each in [0.02, 0.12]
        Standard deviation ``sigma_j`` of each indicator's idiosyncratic term, on the [0, 1] scale: the
        *within-province unevenness* (how far a province's indicator strays from what its overall level
        predicts). With ``loadings`` it sets the *correlation structure*: with target-DTI variance ``v``,
        ``corr(x_j, x_k) ~ lambda_j lambda_k v / sqrt((lambda_j^2 v + sigma_j^2)(lambda_k^2 v + sigma_k^2))``;
        with ``v`` about 0.007 (the target DTIs' variance), two indicators of relative loading 1 correlate
        about 0.94 at 0.02, 0.64 at 0.06 and 0.31 at 0.12 before the projection: the range spans weak to
        very strong positive correlation between the sub-indicators of a composite index.
    gap_sigma : float in [0.0, 0.7]
        Log-sd of the gaps between consecutive target DTIs (0: evenly spaced between the published
        anchors; 0.7: gaps varying about fourfold within two sd).

    Defaults are the values that made the bundled ``dti2022-synthetic`` (seed 20220712).

    Examples
    --------
    >>> p = Dti2022Parameters().with_overrides(["noise_sd.awareness=0.05", "gap_sigma=0.2"])
    >>> p.noise_sd[0], p.gap_sigma
    (0.05, 0.2)
    >>> Dti2022Parameters(gap_sigma=0.9)
    Traceback (most recent call last):
    ...
    dti_bench.errors.ConfigError: parameter gap_sigma = 0.9: expected a number in [0.0, 0.7]
    """

    loadings: tuple[float, ...] = tuple(INDICATOR_MODEL[c][1] for c in INDICATORS)
    noise_sd: tuple[float, ...] = tuple(INDICATOR_MODEL[c][2] for c in INDICATORS)
    gap_sigma: float = GAP_SIGMA

    #: (low, high) of each parameter (per indicator for the tuples)
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "loadings": (0.5, 1.5), "noise_sd": (0.02, 0.12), "gap_sigma": (0.0, 0.7)}

    def __post_init__(self):
        for name in ("loadings", "noise_sd"):
            values = tuple(getattr(self, name))
            if len(values) != len(INDICATORS):
                raise ConfigError(f"parameter {name}: expected {len(INDICATORS)} values (one per indicator: "
                                  f"{choices(INDICATORS)}), got {len(values)}")
            for c, v in zip(INDICATORS, values):
                self._check(f"{name}.{c}", v, self.RANGES[name])
            object.__setattr__(self, name, tuple(float(v) for v in values))
        self._check("gap_sigma", self.gap_sigma, self.RANGES["gap_sigma"])
        object.__setattr__(self, "gap_sigma", float(self.gap_sigma))

    @staticmethod
    def _check(name, value, bounds):
        lo, hi = bounds
        ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and lo <= value <= hi
        if not ok:
            raise ConfigError(f"parameter {name} = {value}: expected a number in [{lo}, {hi}]")

    @classmethod
    def names(cls):
        """Every name ``with_overrides`` accepts: ``loadings.<indicator>``, ``noise_sd.<indicator>``, ``gap_sigma``."""
        return [f"{n}.{c}" for n in ("loadings", "noise_sd") for c in INDICATORS] + ["gap_sigma"]

    def with_overrides(self, assignments):
        """A copy with ``NAME=VALUE`` assignments applied (names from :meth:`names`), checked."""
        values = {"loadings": list(self.loadings), "noise_sd": list(self.noise_sd), "gap_sigma": self.gap_sigma}
        apply_assignments(values, assignments, self.names())
        return Dti2022Parameters(tuple(values["loadings"]), tuple(values["noise_sd"]), values["gap_sigma"])

    def yaml_lines(self, indent=2):
        pad = " " * indent
        return [f"{pad}loadings: {{{', '.join(f'{c}: {v:g}' for c, v in zip(INDICATORS, self.loadings))}}}",
                f"{pad}noise_sd: {{{', '.join(f'{c}: {v:g}' for c, v in zip(INDICATORS, self.noise_sd))}}}",
                f"{pad}gap_sigma: {self.gap_sigma:g}"]


DEFAULT_PARAMETERS = Dti2022Parameters()


class CalibrationError(DataError):
    """No draw could be projected onto the published constraints; the message names the unmet one."""

# --------------------------------------------------------------------------------------------- input
def load_published():
    """Published 2022 table joined to provinces.csv, in published rank order (CSV order)."""
    with open(PUBLISHED_DIR / "provinces.csv", encoding="utf-8", newline="") as fh:
        prov = {r["gso_code"]: r for r in csv.DictReader(fh)}
    with open(PUBLISHED_DIR / "dti_provincial_2022.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        p = prov[r["gso_code"]]
        out.append({**r, "slug": p["slug"], "region_code": p["region_code"], "rank": int(r["rank"])})
    ranks = [r["rank"] for r in out]
    if ranks != sorted(ranks) or len(out) != 63:
        raise ValueError("dti_provincial_2022.csv must list the 63 provinces in rank order")
    return out


def _num(s):
    return None if s is None or s.strip() == "" else float(s)


def _int(s):
    return None if s is None or s.strip() == "" else int(s)


# ------------------------------------------------------------------------------------ exact helpers
def dti_units(k):
    """1e7 * DTI for integer values k (units 1e-4); works on (..., 8) arrays."""
    return np.asarray(k, dtype=np.int64) @ MAX_POINTS


def pillar_numerators(k):
    """(..., 3) integer numerators N with pillar = N / (denom * 1e4)."""
    k = np.asarray(k, dtype=np.int64)
    f = 100 * k[..., FOUNDATION].sum(axis=-1)
    return np.stack([f + 200 * k[..., 5], f + 150 * k[..., 6], f + 150 * k[..., 7]], axis=-1)


def round_div(num, den):
    """Round num/den to the nearest integer, halves away from zero (num >= 0)."""
    num = np.asarray(num, dtype=np.int64)
    return (2 * num + den) // (2 * den)


def rounded_dti(k):
    return round_div(dti_units(k), 1000)            # units of 1e-4


def rounded_pillars(k):
    n = pillar_numerators(k)
    return np.stack([round_div(n[..., q], PILLAR_DENOM[q]) for q in range(3)], axis=-1)


def rank_min(values):
    """Ranks, 1 = largest, ties get the minimum rank."""
    v = np.asarray(values)
    return np.array([1 + int((v > x).sum()) for x in v])


# ---------------------------------------------------------------------------------- step 1: targets
def target_dti(rng, positions_tie, fixed_dti, gap_sigma=GAP_SIGMA):
    """Target DTI (float) per rank position 0..62."""
    n = 63
    t = np.full(n, np.nan)
    for pos, val in fixed_dti.items():
        t[pos] = val
    top, tv = 4, 24                                       # positions of Cần Thơ (rank 5) and Trà Vinh
    # segment top -> tv: gaps scaled to the span
    g1 = np.exp(gap_sigma * rng.standard_normal(tv - top))
    tie_a, tie_b = positions_tie
    g1[tie_b - top - 1] = 0.0                            # gap closing the tie
    t[top:tv + 1] = t[top] - (t[top] - t[tv]) * np.concatenate([[0.0], np.cumsum(g1) / g1.sum()])
    # bottom segment tv -> 62: shape from gaps, span solved for the published mean
    g2 = np.exp(gap_sigma * rng.standard_normal(n - 1 - tv))
    shape = np.cumsum(g2) / g2.sum()                     # positions tv+1 .. 62
    known = t[: tv + 1].sum()
    span = (len(shape) * t[tv] - (PUBLISHED_MEAN * n - known)) / shape.sum()
    t[tv + 1:] = t[tv] - span * shape
    return t


# ------------------------------------------------------------------------------------- step 2: draw
def latent_draw(rng, t, free, parameters=None):
    """Draw x (63 x 8, floats) from the conditioned latent-factor model for the `free` rows."""
    parameters = DEFAULT_PARAMETERS if parameters is None else parameters
    base = np.array([INDICATOR_MODEL[c][0] for c in INDICATORS])
    load = np.array(parameters.loadings, dtype=float)
    sd = np.array(parameters.noise_sd, dtype=float)
    hi = np.array([INDICATOR_MODEL[c][3] for c in INDICATORS])
    w = MAX_POINTS / 1000.0
    lam = load / (w @ load)
    mean_t = t[free].mean()
    mu = base + (mean_t - w @ base)
    f = t - mean_t
    e = rng.standard_normal((63, 8)) * sd
    # condition the noise on sum_j w_j e_ij = 0
    cw = sd ** 2 * w
    e = e - np.outer(e @ w, cw) / (w @ cw)
    x = mu + np.outer(f, lam) + e
    x = np.clip(x, 0.0, hi)
    return x, {"mu": mu, "lambda": lam, "sigma": sd, "hi": hi}


# ------------------------------------------------------------------------------- step 3: rank sets
def above_sets(keys, fixed, constraints):
    """For rank constraints [(p, R)] on one quantity choose who is strictly above each p.

    keys: ordering key per province (published value where fixed, else the draw's value);
    fixed: {i: exact value} for provinces whose value of this quantity is fixed.
    Returns {p: sorted list of provinces strictly above p}.
    """
    cons = sorted(constraints, key=lambda c: c[1])
    if len({R for _, R in cons}) != len(cons):
        raise ValueError("tied rank constraints on one quantity are not supported")
    cset = {p for p, _ in cons}
    pool = sorted((i for i in range(len(keys)) if i not in cset), key=lambda i: (-keys[i], i))
    placed, out = [], {}
    for p, R in cons:
        need = R - 1 - len(placed)
        if p in fixed:
            mand = [i for i in pool if i in fixed and fixed[i] > fixed[p]]
            forb = {i for i in pool if i in fixed and fixed[i] <= fixed[p]}
        else:
            mand, forb = [], set()
        if need < len(mand) or need < 0:
            raise ValueError(f"rank {R} of province {p}: infeasible with the published values")
        rest = [i for i in pool if i not in forb and i not in mand][: need - len(mand)]
        if len(rest) < need - len(mand):
            raise ValueError(f"rank {R} of province {p}: not enough candidates")
        chosen = set(mand) | set(rest)
        placed += [i for i in pool if i in chosen]
        pool = [i for i in pool if i not in chosen]
        out[p] = sorted(placed)
        placed.append(p)
    return out


def retarget(draw, published_k, pub_ranks):
    """Move a free province's drawn value of a ranked main indicator to its published rank position.

    The new value is the midpoint between the (R-1)-th and R-th highest values of the other provinces
    (published values where known, else drawn), or their maximum for R = 1; so the projection moves the
    province that carries the rank information instead of piling other provinces onto its value.
    """
    x = draw.copy()
    for j, c in enumerate(INDICATORS):
        for p, R in sorted(pub_ranks[c], key=lambda pr: pr[1]):
            if p in published_k:
                continue
            others = np.array([published_k[i][j] / UNIT if i in published_k else x[i, j]
                               for i in range(len(x)) if i != p])
            v = np.sort(others)[::-1]
            x[p, j] = v[0] if R == 1 else 0.5 * (v[R - 2] + v[R - 1])
    return x


def pin_to_published(rows, draw):
    """The draw with the values that the published numbers pin down put in place of the drawn ones.

    A free province with a published DTI and all three published pillars (Trà Vinh) has its activity
    indicators and its foundation sum fixed by four linear equations (pillar q: ``F + a_q x_q = P_q d_q``;
    DTI: ``F + sum_q a_q x_q = 1000 D``, with ``F`` the foundation points, ``a_q`` the activity maxima and
    ``d_q`` the pillar denominators), so ``F = (sum_q P_q d_q - 1000 D) / 2`` and ``x_q = (P_q d_q - F) / a_q``;
    its foundation values are shifted by a common amount to sum to ``F / 100``. The projection cannot move
    such a province far from these values, so deciding who is above whom from its *drawn* values can
    demand the impossible: a draw that puts Trà Vinh among the top three in econ activity asks for
    econ activity > 0.7611 (HCM's published value, rank 4), while its published figures pin it at 0.609,
    which made the stage-1 LP infeasible (seeds 0, 2, 3, 7 among others). Only the ordering uses these
    values; the distance in the objective stays measured to the draw. Values are clipped to [0, 1].
    """
    x = draw.copy()
    for i, r in enumerate(rows):
        dti = _num(r["dti_score"])
        pil = [_num(r[f"{p}_score"]) for p in PILLARS]
        if dti is None or any(v is None for v in pil) or all(_num(r[f"{c}_score"]) is not None for c in INDICATORS):
            continue
        foundation = (sum(v * d for v, d in zip(pil, PILLAR_DENOM)) - 1000 * dti) / 2
        for q, j in enumerate(PILLAR_ACTIVITY):
            x[i, j] = (pil[q] * PILLAR_DENOM[q] - foundation) / MAX_POINTS[j]
        x[i, FOUNDATION] += (foundation / 100 - x[i, FOUNDATION].sum()) / 5
    return np.clip(x, 0.0, 1.0)


# ------------------------------------------------------------------------------------ step 3: MILP
@contextlib.contextmanager
def _quiet_stdout(active):
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class _Model:
    def __init__(self):
        self.n = 0
        self.lb, self.ub, self.integ, self.cost = [], [], [], []
        self.rows, self.rlo, self.rhi = [], [], []

    def var(self, lb, ub, integer=True, cost=0.0):
        self.lb.append(lb)
        self.ub.append(ub)
        self.integ.append(1 if integer else 0)
        self.cost.append(cost)
        self.n += 1
        return self.n - 1

    def add(self, expr, lo, hi):
        """expr: (const, {var: coef}); adds lo <= expr <= hi."""
        const, coefs = expr
        coefs = {v: c for v, c in coefs.items() if c != 0}
        if not coefs:
            if not (lo - 1e-9 <= const <= hi + 1e-9):
                raise ValueError(f"constant constraint violated: {lo} <= {const} <= {hi}")
            return
        self.rows.append(coefs)
        self.rlo.append(lo - const)
        self.rhi.append(hi - const)

    def solve(self, kvars=(), lp_only=False):
        """LP relaxation first; then the MILP with the `kvars` boxed to +-NEIGHBOURHOOD around the LP
        optimum (the full MILP finds its first integer point only after minutes; the box keeps it to
        seconds). The box is widened if the restricted problem is infeasible."""
        data, ri, ci = [], [], []
        for r, coefs in enumerate(self.rows):
            for v, c in coefs.items():
                ri.append(r)
                ci.append(v)
                data.append(c)
        a = sparse.csr_array((data, (ri, ci)), shape=(len(self.rows), self.n))
        cons = LinearConstraint(a, np.array(self.rlo), np.array(self.rhi))
        lb, ub = np.array(self.lb, float), np.array(self.ub, float)
        c = np.array(self.cost)
        lp = milp(c=c, integrality=np.zeros(self.n), bounds=Bounds(lb, ub), constraints=cons)
        if lp.x is None:
            raise RuntimeError(f"LP relaxation failed: {lp.status} {lp.message}")
        if lp_only:
            return lp
        kv = np.array(sorted(kvars), dtype=int)
        opts = {"disp": DISP, "mip_rel_gap": GAP, "node_limit": NODE_LIMIT}
        if TLIM is not None:
            opts["time_limit"] = TLIM
        for width in NEIGHBOURHOOD:
            lb2, ub2 = lb.copy(), ub.copy()
            if len(kv):
                lb2[kv] = np.maximum(lb[kv], np.floor(lp.x[kv]) - width)
                ub2[kv] = np.minimum(ub[kv], np.ceil(lp.x[kv]) + width)
            with _quiet_stdout(not DISP):   # HiGHS prints debug lines straight to fd 1
                res = milp(c=c, integrality=np.array(self.integ), bounds=Bounds(lb2, ub2), constraints=cons,
                           options=opts)
            if res.x is not None:
                res.lp_bound = lp.fun
                return res
        raise RuntimeError(f"MILP failed: {res.status} {res.message}")


def _sub(a, b):
    c = dict(a[1])
    for v, x in b[1].items():
        c[v] = c.get(v, 0) - x
    return (a[0] - b[0], c)


def _pillar_compare(m, npil, rpfix, q, i, p, gap, above):
    """Constrain rounded pillar q: round(x_i) >= round(x_p) + 1 if `above`, else
    round(x_i) <= round(x_p) + gap (gap 0 or -1); x = N / denom in units of 1e-4."""
    den = PILLAR_DENOM[q]
    ri, rp_ = rpfix.get((i, q)), rpfix.get((p, q))
    ni, np_ = npil[i, q], npil[p, q]
    if ri is not None and rp_ is not None:
        ok = ri >= rp_ + 1 if above else ri <= rp_ + gap
        if not ok:
            raise ValueError(f"published pillar values contradict a published rank ({PILLARS[q]})")
    elif above:
        if rp_ is not None:       # round(x_i) >= R_p + 1  <=>  x_i >= R_p + 0.5
            m.add(ni, den * rp_ + den / 2, np.inf)
        elif ri is not None:      # round(x_p) <= R_i - 1  <=>  x_p < R_i - 0.5
            m.add(np_, -np.inf, den * ri - den / 2 - 1)
        else:                     # x_i >= x_p + 1 is sufficient
            m.add(_sub(ni, np_), den, np.inf)
    else:
        if rp_ is not None:       # round(x_i) <= R_p + gap  <=>  x_i < R_p + gap + 0.5
            m.add(ni, -np.inf, den * (rp_ + gap) + den / 2 - 1)
        elif ri is not None:      # round(x_p) >= R_i - gap  <=>  x_p >= R_i - gap - 0.5
            m.add(np_, den * (ri - gap) - den / 2, np.inf)
        else:                     # x_i <= x_p + gap is sufficient
            m.add(_sub(ni, np_), -np.inf, gap * den)


def project(rows, draw, published_k, fixed_pillars, pub_ranks, order_k=None, lp_only=False):
    """Solve the MILP. Returns k (63 x 8 int), the chosen rank sets and the solver result.

    order_k: integer dataset whose ordering decides who is above each ranked province (default: the draw).
    """
    n = 63
    m = _Model()
    fixed_rows = set(published_k)
    kvar = {}
    for i in range(n):
        if i in fixed_rows:
            continue
        for j in range(8):
            kvar[i, j] = m.var(0, UNIT)

    def kexpr(i, j):
        if i in fixed_rows:
            return (float(published_k[i][j]), {})
        return (0.0, {kvar[i, j]: 1.0})

    # objective: convex piecewise-linear distance to the draw
    d = add_distance_to_draw(m, kvar, draw)

    # rounded DTI (units 1e-4): one integer per province, |1e7*DTI - 1e3*r| <= 450 (no exact halves).
    # Pillars need no integers: their numerators N (pillar = N / (denom * 1e4)) are linear in k and the
    # rank constraints below are written so that they hold after rounding (rounding is monotone).
    rd, npil, rpfix = {}, {}, {}
    for i in range(n):
        if i in fixed_rows:
            k = np.array(published_k[i])
            rd[i] = (float(rounded_dti(k)), {})
            nv, pv = pillar_numerators(k), rounded_pillars(k)
            for q in range(3):
                npil[i, q] = (float(nv[q]), {})
                rpfix[i, q] = int(pv[q])
            continue
        r = m.var(0, UNIT)
        rd[i] = (0.0, {r: 1.0})
        dexpr = (0.0, {kvar[i, j]: float(MAX_POINTS[j]) for j in range(8)})
        m.add(_sub(dexpr, (0.0, {r: 1000.0})), -450, 450)
        for q in range(3):
            coefs = {kvar[i, j]: 100.0 for j in range(5)}
            act = PILLAR_ACTIVITY[q]
            coefs[kvar[i, act]] = coefs.get(kvar[i, act], 0) + float(MAX_POINTS[act])
            npil[i, q] = (0.0, coefs)
            if (i, q) in fixed_pillars:                   # published rounded pillar value (Trà Vinh)
                rpfix[i, q] = fixed_pillars[i, q]
                den = PILLAR_DENOM[q]
                m.add(npil[i, q], den * fixed_pillars[i, q] - den // 2 + 1, den * fixed_pillars[i, q] + den // 2 - 1)

    # published DTI values beyond the fixed profiles (Trà Vinh)
    for i, row in enumerate(rows):
        v = _num(row["dti_score"])
        if v is not None and i not in fixed_rows:
            target = int(round(v * UNIT))
            m.add(rd[i], target, target)

    # DTI order: consecutive published ranks, >= 2 units apart, equal for ties
    for i in range(n - 1):
        diff = _sub(rd[i], rd[i + 1])
        if rows[i]["rank"] == rows[i + 1]["rank"]:
            m.add(diff, 0, 0)
        else:
            m.add(diff, 2, np.inf)

    # mean of rounded DTIs: sum in [63*5763, 63*5763+1] so that it holds with HCM at 0.7163 or 0.7164
    total = (0.0, {})
    for i in range(n):
        total = (total[0] + rd[i][0], {**total[1], **rd[i][1]})
    target = int(round(PUBLISHED_MEAN * UNIT)) * n
    m.add(total, target, target + 1)

    # rank constraints: pillars on rounded values, main indicators on 4-decimal values
    draw_k = (d if order_k is None else np.asarray(order_k, float)).copy()
    for i in fixed_rows:
        draw_k[i] = published_k[i]
    draw_rp = rounded_pillars(draw_k.astype(np.int64))
    chosen = {}
    for qname, cons in pub_ranks.items():
        if not cons:
            continue
        if qname in PILLARS:
            q = PILLARS.index(qname)
            fixed = {i: float(v) for (i, qq), v in rpfix.items() if qq == q}
            keys = np.array([fixed.get(i, draw_rp[i, q]) for i in range(n)], float)
        else:
            j = INDICATORS.index(qname)
            fixed = {i: float(published_k[i][j]) for i in fixed_rows}
            keys = np.array([fixed.get(i, draw_k[i, j]) for i in range(n)], float)
            expr = {i: kexpr(i, j) for i in range(n)}
        sets = above_sets(keys, fixed, cons)
        chosen[qname] = sets
        for p, above in sets.items():
            above = set(above)
            for i in range(n):
                if i == p:
                    continue
                # i strictly above p; otherwise strictly below, unless i's value is published (ties allowed)
                gap = 1 if i in above else (0 if i in fixed else -1)
                if qname in PILLARS:
                    _pillar_compare(m, npil, rpfix, q, i, p, gap, i in above)
                elif i in above:
                    m.add(_sub(expr[i], expr[p]), 1, np.inf)
                else:
                    m.add(_sub(expr[i], expr[p]), -np.inf, gap)
            # anti-piling: the CHAIN_K nearest free provinces on either side of p keep their order with
            # gaps >= CHAIN_DELTA, so the projection cannot stack them on p's value
            if qname in PILLARS:
                continue
            cset = {c for c, _ in cons}
            free_sorted = [i for i in np.argsort(-keys, kind="stable") if i not in fixed and i not in cset]
            tail = [i for i in free_sorted if i in above][-CHAIN_K:]
            head = [i for i in free_sorted if i not in above][:CHAIN_K]
            chain = tail + [p] + head
            for a, b in zip(chain, chain[1:]):
                m.add(_sub(expr[a], expr[b]), CHAIN_DELTA, np.inf)

    res = m.solve(kvar.values(), lp_only=lp_only)
    if lp_only:
        return None, chosen, res
    x = res.x
    k = np.zeros((n, 8), dtype=np.int64)
    for i in range(n):
        for j in range(8):
            k[i, j] = published_k[i][j] if i in fixed_rows else int(round(x[kvar[i, j]]))
    return k, chosen, res


# -------------------------------------------------------------------------------------- checks
def check_main(rows, k, published_k):
    """Re-check every constraint in exact integer arithmetic. Returns a list of (name, ok, detail)."""
    out = []
    n = 63
    rd = rounded_dti(k)
    rp = rounded_pillars(k)
    pub_rank = np.array([r["rank"] for r in rows])
    out.append(("DTI ranks (ties=min) equal published", bool((rank_min(rd) == pub_rank).all()), ""))
    diffs = -np.diff(rd)
    tie = [i for i in range(n - 1) if pub_rank[i] == pub_rank[i + 1]]
    out.append(("tie Thanh Hóa/Yên Bái equal, all other consecutive gaps >= 2e-4",
                bool(all(diffs[i] == 0 for i in tie) and all(diffs[i] >= 2 for i in range(n - 1) if i not in tie)),
                f"min gap {int(min(diffs[i] for i in range(n - 1) if i not in tie))}e-4"))
    for i in published_k:
        name = rows[i]["province_ascii"]
        out.append((f"{name}: 8 main-indicator values = published", bool((k[i] == published_k[i]).all()), ""))
        pub = int(round(float(rows[i]["dti_score"]) * UNIT))
        note = "" if rd[i] == pub else (f"INFEASIBLE with the published profile: exact sum {dti_units(k[i]) / 1e7:.6f} "
                                         f"rounds to {rd[i] / UNIT:.4f}")
        out.append((f"{name}: rounded DTI = published {pub / UNIT:.4f}", bool(rd[i] == pub), note))
    for i, r in enumerate(rows):
        for q, pname in enumerate(PILLARS):
            v = _num(r[f"{pname}_score"])
            if v is not None:
                out.append((f"{r['province_ascii']} {pname} = {v:.4f}", int(rp[i, q]) == int(round(v * UNIT)), ""))
        v = _num(r["dti_score"])
        if v is not None and i not in published_k:
            out.append((f"{r['province_ascii']} DTI = {v:.4f}", int(rd[i]) == int(round(v * UNIT)), ""))
    nr = 0
    bad = []
    # every published pillar rank, then every published main-indicator rank, province by province
    columns = [(pname, rp[:, q]) for q, pname in enumerate(PILLARS)] + [(c, k[:, j]) for j, c in enumerate(INDICATORS)]
    ranked = {code: rank_min(values) for code, values in columns}
    for i, r in enumerate(rows):
        for code, _ in columns:
            R = _int(r[f"{code}_rank"])
            if R is not None:
                nr += 1
                got = int(ranked[code][i])
                if got != R:
                    bad.append(f"{r['province_ascii']} {code} {got}!={R}")
    out.append((f"all {nr} published pillar/main-indicator ranks", not bad, "; ".join(bad)))
    s_comp = int(rd.sum())
    hcm = next(i for i, r in enumerate(rows) if r["province_ascii"] == "Ho Chi Minh")
    s_pub = s_comp - int(rd[hcm]) + int(round(float(rows[hcm]["dti_score"]) * UNIT))
    ok = all(abs(s / n - PUBLISHED_MEAN * UNIT) < 0.5 for s in (s_comp, s_pub))
    out.append(("mean rounded DTI = 0.5763", ok,
                f"{s_comp / n / UNIT:.6f} (with HCM as published: {s_pub / n / UNIT:.6f})"))
    out.append(("values in [0,1]", bool(((k >= 0) & (k <= UNIT)).all()), ""))
    return out


# ------------------------------------------------------------------------------------ components
def make_components(rng, k, t, free, parameters=None):
    """Component values (63 x 98, integers in units of 1e-6) and the smart-city main values."""
    parameters = DEFAULT_PARAMETERS if parameters is None else parameters
    n = 63
    mu, load, sd, hi = SMART_CITY_MODEL
    mean_t = t[free].mean()
    w = MAX_POINTS / 1000.0
    lam = load / (w @ np.array(parameters.loadings, dtype=float))
    smart = np.clip(mu + lam * (t - mean_t) + sd * rng.standard_normal(n), 0.0, hi)
    smart_k = np.rint(smart * UNIT).astype(np.int64)
    main = {c: k[:, j] for j, c in enumerate(INDICATORS)}
    main["smart_city"] = smart_k
    cols, blocks = [], []
    for c in COMPONENT_ORDER:
        nc = COMPONENT_COUNTS[c]
        cols += [f"{c}_{m + 1:02d}" for m in range(nc)]
        diff = rng.normal(0.0, COMPONENT_DIFFICULTY_SD, nc)
        diff -= diff.mean()
        z = rng.standard_normal((n, nc))
        block = np.zeros((n, nc), dtype=np.int64)
        for i in range(n):
            target = int(main[c][i]) * (COMP_UNIT // UNIT) * nc
            x = main[c][i] / UNIT
            if main[c][i] in (0, UNIT):
                block[i] = main[c][i] * (COMP_UNIT // UNIT)
                continue
            raw = expit(logit(x) + diff + COMPONENT_NOISE_SD * z[i])
            block[i] = _repair(np.rint(raw * COMP_UNIT).astype(np.int64), target)
        blocks.append(block)
    comp = np.concatenate(blocks, axis=1)
    return cols, comp, smart_k


def _repair(c, target):
    """Integers in [0, COMP_UNIT] summing exactly to target, moved in proportion to head-room."""
    c = np.clip(c, 0, COMP_UNIT).astype(np.int64)
    delta = target - int(c.sum())
    if delta == 0:
        return c
    room = (COMP_UNIT - c) if delta > 0 else c.copy()
    share = abs(delta) * room / room.sum()
    add = np.floor(share).astype(np.int64)
    rem = abs(delta) - int(add.sum())
    frac = share - add
    order = sorted(range(len(c)), key=lambda m: (-frac[m], m))
    for m in order:
        if rem == 0:
            break
        if add[m] < room[m]:
            add[m] += 1
            rem -= 1
    c = c + np.sign(delta) * add
    assert int(c.sum()) == target and c.min() >= 0 and c.max() <= COMP_UNIT
    return c


# ---------------------------------------------------------------------------------------- output
def _csv_text(header, records):
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(header)
    wr.writerows(records)
    return buf.getvalue()


def _yaml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _corr_block(corr, names, indent):
    pad = " " * indent
    lines = [f"{pad}columns: [{', '.join(names)}]", f"{pad}rows:"]
    for a, row in zip(names, corr):
        lines.append(f"{pad}  {a}: [{', '.join(f'{v:.3f}' for v in row)}]")
    return lines


SOURCES_USED = {
    "S01": "dti.gov.vn xep-hang-2022: 63-province ranks incl. the Thanh Hóa/Yên Bái tie; 8 main-indicator values and DTI of ranks 1-5",
    "S02": "travinh.gov.vn: Trà Vinh DTI 0.6077 and pillars 0.6683 (29) / 0.6647 (27) / 0.5991 (26)",
    "S03": "VietNamNet: Quảng Ninh pillars 0.7804 (4) / 0.7187 (9) / 0.6864 (2)",
    "S04": "kinhdoanhvatiepthi.vn: Đà Nẵng pillar ranks 1/1/1, HCM 3/3/4, Hà Nội 40/18/30",
    "S05": "doanhnghiephoinhap.vn: Quảng Ngãi pillar ranks 17/17/15",
    "S06": "baobinhduong.vn: Bình Dương ranks on the 8 main indicators",
    "S07": "mic.gov.vn: HCM ranks institutions 1, infrastructure 1, digital-government activity 2, digital-economy activity 4",
    "S13": "VietNamNet (republished): mean provincial DTI 2022 = 0.5763",
    "S53": "sggp.org.vn: HCM main-indicator ranks (same as S07)",
}


def meta_main(corr, params, checks, seed=SEED, generator="tools/generate_dti2022_synthetic.py", extra=()):
    """meta.yaml of the 8-indicator dataset; ``extra`` lines follow ``decimals`` (the bundled file has none)."""
    off = corr[np.triu_indices(8, 1)]
    lines = [
        "name: dti2022-synthetic",
        "synthetic: true",
        'title: "Synthetic Vietnam provincial DTI 2022: 63 provinces x 8 main indicators, calibrated to published figures"',
        "description: >-",
        "  SYNTHETIC DATA. Not the official DTI 2022 main-indicator table, which is not published in full.",
        "  Real (published, see dti_published/ and sources.md): the 63-province DTI ranking including the",
        "  Thanh Hóa / Yên Bái tie at 15, the 8 main-indicator values of the top five (Đà Nẵng, Hồ Chí Minh,",
        "  Quảng Ninh, Thừa Thiên Huế, Cần Thơ; used exactly), the DTI and pillar values of Trà Vinh and",
        "  Quảng Ninh, the published pillar ranks (Đà Nẵng, HCM, Quảng Ninh, Trà Vinh, Hà Nội, Quảng Ngãi) and",
        "  main-indicator ranks (Bình Dương, all 8; HCM, 4), and the national mean 0.5763. Invented: every",
        "  other value (58 provinces x 8 indicators), drawn from a one-factor latent model with a fixed seed",
        "  and then moved as little as possible (mixed-integer LP) until all the published numbers above are",
        "  reproduced under the official aggregation (DTI = sum of max points x value / 1000; pillar =",
        "  (foundation points + own activity points) / (500 + activity max)), rounding to 4 decimals and",
        "  ranking with ties = min. Use it to exercise methods, never as evidence about a real province.",
        "  Known deviation: HCM's published profile sums to 0.716355, which rounds to 0.7164, not the published",
        "  0.7163; the profile is kept exactly and the rank is unaffected.",
        "framework: dti-provincial-2022",
        "unit_column: uCode",
        "name_column: uName",
        "group_columns: [region]",
        f"seed: {seed}",
        f"generator: {generator}",
        "decimals: 4",
        *extra,
        "correlation_structure:",
        "  model: >-",
        "    One latent province factor f_i (the province's target DTI minus the mean target; targets follow the",
        "    published rank, with seeded log-normal gaps between consecutive ranks, anchored on the published",
        "    values and the published mean) loads on every indicator: x_ij = mu_j + lambda_j f_i + e_ij,",
        "    e_ij ~ N(0, sigma_j^2), with the noise conditioned on sum_j w_j e_ij = 0 so each drawn DTI equals",
        "    its target; then clipped to [0, upper] and projected onto the published constraints by a two-stage",
        "    MILP (scipy/HiGHS) minimising a convex piecewise-linear distance to the draw (see the generator's",
        "    docstring). The matrix below is computed on the final 4-decimal values, all 63 provinces.",
        "  how_chosen: >-",
        "    Hand-chosen, not estimated (no full 2022 indicator table is public): means and spreads imitate the",
        "    five published profiles (awareness and institutions high and compressed near the top, institutions",
        "    capped at 0.9, the published maximum; infrastructure, human resources, cybersecurity and econ",
        "    activity mid-range with wider spread; society activity low); one common factor with loadings of",
        "    similar size and noise sd 0.06-0.09 gives the positive, moderately strong correlations typical of",
        "    the sub-indicators of a composite index. Loadings normalised to sum_j w_j lambda_j = 1 (w_j = max",
        "    points / 1000) and means shifted so that sum_j w_j mu_j = mean target DTI. Bình Dương's drawn",
        "    values are moved to the slots implied by its published indicator ranks before the projection.",
        "  parameters:",
    ]
    for j, c in enumerate(INDICATORS):
        lines.append(f"    {c}: {{mu: {params['mu'][j]:.4f}, lambda: {params['lambda'][j]:.4f}, "
                     f"sigma: {params['sigma'][j]:.3f}, upper: {params['hi'][j]:.1f}}}")
    lines += [
        "  result_pearson_63_provinces:",
        f"    mean_pairwise: {off.mean():.3f}",
        f"    min_pairwise: {off.min():.3f}",
        f"    max_pairwise: {off.max():.3f}",
    ]
    lines += _corr_block(corr, INDICATORS, 4)
    lines += ["calibration_targets:"]
    targets = [
        ("DTI ranks of all 63 provinces, ties = min on 4-decimal DTI, incl. Thanh Hóa = Yên Bái = 15; consecutive rounded DTIs >= 0.0002 apart otherwise", ["S01"]),
        ("8 main-indicator values of Đà Nẵng, Hồ Chí Minh, Quảng Ninh, Thừa Thiên Huế, Cần Thơ used exactly; rounded DTIs 0.8002, 0.7164 (published 0.7163, see description), 0.7024, 0.6975, 0.6924", ["S01"]),
        ("Quảng Ninh pillars 0.7804 / 0.7187 / 0.6864 and pillar ranks 4 / 9 / 2", ["S03"]),
        ("Trà Vinh DTI 0.6077, pillars 0.6683 / 0.6647 / 0.5991, pillar ranks 29 / 27 / 26", ["S02"]),
        ("Pillar ranks Đà Nẵng 1/1/1, Hồ Chí Minh 3/3/4, Hà Nội 40/18/30", ["S04"]),
        ("Pillar ranks Quảng Ngãi 17/17/15", ["S05"]),
        ("Bình Dương main-indicator ranks 1/16/9/9/41/6/62/24 (awareness tied at 1.0000 with Đà Nẵng)", ["S06"]),
        ("Hồ Chí Minh main-indicator ranks institutions 1, infrastructure 1, gov activity 2, econ activity 4", ["S07", "S53"]),
        ("Mean of the 63 rounded DTIs = 0.5763 (to 4 decimals)", ["S13"]),
    ]
    for text, src in targets:
        lines.append(f"  - {{target: {_yaml_str(text)}, sources: [{', '.join(src)}]}}")
    lines.append("check_results:")
    for name, ok, detail in checks:
        lines.append(f"  - {{check: {_yaml_str(name)}, ok: {'true' if ok else 'false'}"
                     + (f", detail: {_yaml_str(detail)}" if detail else "") + "}")
    lines.append("sources:")
    for sid, text in SOURCES_USED.items():
        lines.append(f"  - {{id: {sid}, used_for: {_yaml_str(text)}}}")
    lines.append("source_list: dti_bench/datasets/dti_published/sources.md")
    return "\n".join(lines) + "\n"


def meta_components(corr_mean):
    counts = ", ".join(f"{c}: {COMPONENT_COUNTS[c]}" for c in COMPONENT_ORDER)
    lines = [
        "name: dti2022-synthetic-components",
        "synthetic: true",
        'title: "Synthetic Vietnam provincial DTI 2022: 63 provinces x 98 component indicators"',
        "description: >-",
        "  SYNTHETIC DATA, derived from dti2022-synthetic (same seed). Real: only the structure published in",
        "  Decision 922/QĐ-BTTTT (9 main indicators, 98 component indicators, their counts and the main",
        "  indicators' maximum points) and, through dti2022-synthetic, the calibration targets listed there.",
        "  Invented: every component value. Component values are shares (0-1) of the component's maximum",
        "  points, at most 6 decimals. ASSUMPTION: the per-component maximum points are not published, so all",
        "  components of a main indicator are given equal maxima (max_j / n_j); each scored main indicator of",
        "  dti2022-synthetic is then exactly the arithmetic mean of its components (to 1e-9). smart_city (3",
        "  components) is unscored in the DTI (max 0 points) and its values are invented from the same latent",
        "  factor; they enter no DTI or pillar value.",
        "framework: dti-provincial-2022-components",
        "unit_column: uCode",
        "name_column: uName",
        "group_columns: [region]",
        f"seed: {SEED}",
        "generator: tools/generate_dti2022_synthetic.py",
        "decimals: 6",
        "derived_from: dti2022-synthetic",
        f"component_counts: {{{counts}}}",
        "component_total: 98",
        "component_codes: \"<main indicator>_<two-digit number>, e.g. awareness_01 ... awareness_10\"",
        "equal_maxima_assumption: true",
        "correlation_structure:",
        "  model: >-",
        "    Components drawn around their main indicator on the logit scale, logit(c) = logit(x_ij) + d_jm +",
        "    tau z_ijm, with a seeded per-component difficulty d_jm ~ N(0, 0.6^2) centred within each main",
        "    indicator and noise tau = 0.5, z ~ N(0, 1); then repaired on the 1e-6 grid so the mean equals the",
        "    main value exactly (deficits spread in proportion to head-room inside [0, 1]). Between-indicator",
        "    correlation is inherited from dti2022-synthetic.",
        f"  mean_within_indicator_component_correlation: {corr_mean:.3f}",
        "calibration_targets:",
        "  - {target: \"mean of each scored main indicator's components = dti2022-synthetic value (|diff| < 1e-9)\", sources: [S01, S02, S03, S04, S05, S06, S07, S13, S53]}",
        "  - {target: \"component counts 10/11/7/13/12/3/22/12/8 = 98 (Decision 922/QĐ-BTTTT, Table I.1)\", sources: [S45, S46]}",
        "sources:",
    ]
    for sid, text in SOURCES_USED.items():
        lines.append(f"  - {{id: {sid}, used_for: {_yaml_str(text)}}}")
    lines += [
        "  - {id: S45, used_for: \"922/QĐ-BTTTT Appendix I Table I.1: component counts and maximum points\"}",
        "  - {id: S46, used_for: \"922/QĐ-BTTTT: 9 main, 98 component indicators, 1,000 points\"}",
        "source_list: dti_bench/datasets/dti_published/sources.md",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------- main
def _rank_label(rows, qname, cons):
    return f"{qname} ranks (" + ", ".join(f"{rows[p]['province_ascii']} {R}" for p, R in cons) + ")"


def _unmet_constraint(rows, draw, published_k, fixed_pillars, ranks, order_k, candidates):
    """Name the first rank constraint group (among `candidates`) whose removal makes an infeasible stage
    feasible (LP relaxation only), so the error says which published ranks this draw cannot meet."""
    for qname, cons in ranks.items():
        if not cons or qname not in candidates:
            continue
        trial = {q: ([] if q == qname else c) for q, c in ranks.items()}
        try:
            project(rows, draw, published_k, fixed_pillars, trial, order_k=order_k, lp_only=True)
        except (RuntimeError, ValueError):
            continue
        return _rank_label(rows, qname, cons)
    return "the DTI order, published values and mean together"


def _calibrate(rows, draw, published_k, fixed_pillars, pub_ranks, pinned):
    """Project one draw (two stages). Returns (k, res) or raises CalibrationError naming the unmet constraint.

    pinned: decide stage 1's who-is-above-whom from :func:`pin_to_published` values instead of the draw.
    """
    # stage 1: DTI, value and main-indicator-rank constraints; stage 2: add the pillar ranks, deciding who
    # is above whom from the stage-1 solution (the draw's pillar order is too far from feasible)
    stage1 = {q: (c if q in INDICATORS else []) for q, c in pub_ranks.items()}
    order1 = np.rint(pin_to_published(rows, draw) * UNIT) if pinned else None
    try:
        k1, _, _ = project(rows, draw, published_k, fixed_pillars, stage1, order_k=order1)
    except (RuntimeError, ValueError) as err:
        what = _unmet_constraint(rows, draw, published_k, fixed_pillars, stage1, order1, INDICATORS)
        raise CalibrationError(f"stage 1 infeasible: {what} ({str(err)[:60]})") from None
    try:
        k, _, res = project(rows, draw, published_k, fixed_pillars, pub_ranks, order_k=k1)
    except (RuntimeError, ValueError) as err:
        what = _unmet_constraint(rows, draw, published_k, fixed_pillars, pub_ranks, k1, PILLARS)
        raise CalibrationError(f"stage 2 infeasible: {what} ({str(err)[:60]})") from None
    checks = check_main(rows, k, published_k)
    failed = [name for name, ok, detail in checks if not ok and not detail.startswith("INFEASIBLE")]
    if failed:
        raise CalibrationError(f"check failed after the solve: {failed[0]}")
    return k, res, checks


def build(seed=SEED, parameters=None, max_attempts=MAX_ATTEMPTS):
    """Draw and calibrate one synthetic DTI 2022 dataset; deterministic for (seed, parameters).

    Attempts, in order, until one calibrates (every check of :func:`check_main` holds):

    1. the draw of ``default_rng(seed)``, ordered by the draw (the historical procedure: the bundled
       dataset is its first attempt);
    2. the same draw, ordered with the published numbers' pinned values (:func:`pin_to_published`): the
       repair for draws that rank Trà Vinh where its published DTI and pillars cannot reach;
    3. redraws from the derived seeds ``default_rng([seed, a])``, a = 1, 2, ..., ordered as in 2,
       up to ``max_attempts`` attempts in all.

    Returns a dict with rows, k (63 x 8 int, 1e-4 units), draw, params, checks, comp_cols, comp, res and
    ``attempt`` (1-based), ``draw_seed`` (the seed or ``[seed, a]``) and ``ordering`` (``draw`` or
    ``pinned``); raises :class:`CalibrationError` naming the last unmet constraint if none calibrates.
    """
    parameters = DEFAULT_PARAMETERS if parameters is None else parameters
    rows = load_published()
    n = len(rows)
    published_k = {}
    for i, r in enumerate(rows):
        vals = [_num(r[f"{c}_score"]) for c in INDICATORS]
        if all(v is not None for v in vals):
            published_k[i] = [int(round(v * UNIT)) for v in vals]
    fixed_dti = {i: int(rounded_dti(np.array(k))) / UNIT for i, k in published_k.items()}
    for i, r in enumerate(rows):
        v = _num(r["dti_score"])
        if v is not None and i not in published_k:
            fixed_dti[i] = v
    tie = [i for i in range(n - 1) if rows[i]["rank"] == rows[i + 1]["rank"]]
    assert len(tie) == 1 and sorted(fixed_dti) == [0, 1, 2, 3, 4, 24]
    free = np.array([i not in published_k for i in range(n)])

    fixed_pillars = {}
    pub_ranks = {q: [] for q in PILLARS + INDICATORS}
    for i, r in enumerate(rows):
        for q, pname in enumerate(PILLARS):
            v = _num(r[f"{pname}_score"])
            if v is not None and i not in published_k:
                fixed_pillars[i, q] = int(round(v * UNIT))
            R = _int(r[f"{pname}_rank"])
            if R is not None:
                pub_ranks[pname].append((i, R))
        for c in INDICATORS:
            R = _int(r[f"{c}_rank"])
            if R is not None:
                pub_ranks[c].append((i, R))

    plan = [(seed, False), (seed, True)] + [([seed, a], True) for a in range(1, max_attempts - 1)]
    last = None
    for attempt, (draw_seed, pinned) in enumerate(plan[:max_attempts], start=1):
        rng = np.random.default_rng(draw_seed)
        t = target_dti(rng, (tie[0], tie[0] + 1), fixed_dti, parameters.gap_sigma)
        draw, params = latent_draw(rng, t, free, parameters)
        draw = retarget(draw, published_k, pub_ranks)
        try:
            k, res, checks = _calibrate(rows, draw, published_k, fixed_pillars, pub_ranks, pinned)
        except CalibrationError as err:
            last = err
            continue
        # the rng continues from the draw, so the components of the first attempts are the historical ones
        comp_cols, comp, smart_k = make_components(rng, k, t, free, parameters)
        return {"rows": rows, "k": k, "draw": draw, "params": params, "checks": checks, "comp_cols": comp_cols,
                "comp": comp, "res": res, "attempt": attempt, "draw_seed": draw_seed,
                "ordering": "pinned" if pinned else "draw"}
    raise CalibrationError(f"seed {seed}: no draw calibrated in {min(max_attempts, len(plan))} attempts; "
                           f"the last: {last}")


def synthesise(out, seed=SEED, parameters=None, max_attempts=MAX_ATTEMPTS):
    """Draw, calibrate and write one synthetic DTI 2022 dataset to the new folder ``out``.

    Writes ``data.csv`` (63 provinces x 8 main indicators, 4 decimals), ``meta.yaml`` (``synthetic: true``,
    the seed, the parameters, the attempt that calibrated and every check) and ``calibration.csv`` (columns
    ``check, ok, detail``: every published constraint re-checked in exact integer arithmetic). The files
    are written into a temporary sibling folder that is then renamed to ``out``, so ``out`` either holds
    the whole dataset or does not exist; an existing non-empty ``out`` is refused. The default seed and
    parameters give the bundled ``dti2022-synthetic`` values (``data.csv`` byte-identical).

    Parameters
    ----------
    out : path-like
        The folder to create (its parent is created if needed); must not exist or be empty.
    seed : int
        Seed of the first draw (non-negative); redraws use ``[seed, a]`` (see :func:`build`).
    parameters : Dti2022Parameters, optional
        The free parameters (default: :data:`DEFAULT_PARAMETERS`).
    max_attempts : int
        Attempts before giving up with :class:`CalibrationError`.

    Returns
    -------
    dict
        The :func:`build` result plus ``out`` (the folder written).

    Raises
    ------
    ConfigError
        ``out`` exists and is not an empty folder, or the seed is negative.
    CalibrationError
        No attempt calibrated; the message names the unmet constraint.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "draw"
    >>> result = synthesise(folder, seed=20220712)              # doctest: +SKIP
    >>> sorted(p.name for p in folder.iterdir())                # doctest: +SKIP
    ['calibration.csv', 'data.csv', 'meta.yaml']
    >>> synthesise(pathlib.Path(tempfile.mkdtemp()).parent)     # an existing non-empty folder
    Traceback (most recent call last):
    ...
    dti_bench.errors.ConfigError: --out ...: exists and is not empty; name a new folder
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out}: exists and is not empty; name a new folder")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"--seed {seed}: expected a non-negative whole number")
    parameters = DEFAULT_PARAMETERS if parameters is None else parameters
    result = build(int(seed), parameters, max_attempts)
    rows, k, checks = result["rows"], result["k"], result["checks"]
    ident = [(r["slug"], r["province"], r["region_code"]) for r in rows]
    data = _csv_text(["uCode", "uName", "region"] + INDICATORS,
                     [list(idr) + [f"{v / UNIT:.4f}" for v in k[i]] for i, idr in enumerate(ident)])
    draw_seed = result["draw_seed"]
    extra = ["generator_parameters:", *parameters.yaml_lines(2),
             f"attempt: {result['attempt']}",
             f"draw_seed: {draw_seed if isinstance(draw_seed, int) else '[' + ', '.join(map(str, draw_seed)) + ']'}",
             f"ordering: {result['ordering']}",
             "calibration_report: calibration.csv"]
    meta = meta_main(np.corrcoef(k / UNIT, rowvar=False), result["params"], checks, seed=int(seed),
                     generator="dti_bench.synthesis.dti2022 (dti-bench synthesise --year 2022)", extra=extra)
    report = _csv_text(["check", "ok", "detail"], [[name, "true" if ok else "false", detail]
                                                    for name, ok, detail in checks])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        for name, text in (("data.csv", data), ("meta.yaml", meta), ("calibration.csv", report)):
            (tmp / name).write_text(text, encoding="utf-8", newline="")
        if out.exists():          # an empty folder: rename cannot replace it on every platform
            out.rmdir()
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {**result, "out": out}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path, default=HERE, help="directory to write the two dataset folders into")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = build()
    rows, k, draw, params, checks, comp_cols, comp, res = (out[key] for key in (
        "rows", "k", "draw", "params", "checks", "comp_cols", "comp", "res"))

    # exact check of the components against the main values (scored indicators)
    start = 0
    for c in COMPONENT_ORDER:
        nc = COMPONENT_COUNTS[c]
        if c in INDICATORS:
            j = INDICATORS.index(c)
            assert (comp[:, start:start + nc].sum(axis=1) == k[:, j] * (COMP_UNIT // UNIT) * nc).all()
        start += nc
    assert comp.shape[1] == 98

    x = k / UNIT
    corr = np.corrcoef(x, rowvar=False)
    # mean within-indicator correlation of components (descriptive)
    within, start = [], 0
    for c in COMPONENT_ORDER:
        nc = COMPONENT_COUNTS[c]
        cc = np.corrcoef(comp[:, start:start + nc], rowvar=False)
        within.append(cc[np.triu_indices(nc, 1)].mean())
        start += nc

    ident = [(r["slug"], r["province"], r["region_code"]) for r in rows]
    main_csv = _csv_text(["uCode", "uName", "region"] + INDICATORS,
                         [list(idr) + [f"{v / UNIT:.4f}" for v in k[i]] for i, idr in enumerate(ident)])
    comp_csv = _csv_text(["uCode", "uName", "region"] + comp_cols,
                         [list(idr) + [f"{v / COMP_UNIT:.6f}" for v in comp[i]] for i, idr in enumerate(ident)])
    for sub, data, meta in ((MAIN_NAME, main_csv, meta_main(corr, params, checks)),
                            (COMP_NAME, comp_csv, meta_components(float(np.mean(within))))):
        d = args.out_dir / sub
        d.mkdir(parents=True, exist_ok=True)
        (d / "data.csv").write_text(data, encoding="utf-8", newline="")
        (d / "meta.yaml").write_text(meta, encoding="utf-8", newline="")

    elapsed = time.perf_counter() - t0
    print("constraint checks:")
    for name, ok, detail in checks:
        tag = "ok" if ok else ("INFEASIBLE" if detail.startswith("INFEASIBLE") else "FAIL")
        print(f"  [{tag}] {name}" + (f"  ({detail.removeprefix('INFEASIBLE ')})" if detail else ""))
    dev = np.abs(k - np.rint(draw * UNIT))[[i for i in range(63) if i >= 5]] / UNIT
    print(f"MILP: status {res.status}, objective {res.fun:.0f}; mean |change| vs draw {dev.mean():.4f}, "
          f"max {dev.max():.4f}")
    print("Pearson correlation of the 8 indicators (63 provinces):")
    print("  " + " ".join(f"{c[:6]:>7}" for c in INDICATORS))
    for c, row in zip(INDICATORS, corr):
        print(f"  {c[:6]:>6} " + " ".join(f"{v:7.3f}" for v in row))
    print(f"  mean pairwise {corr[np.triu_indices(8, 1)].mean():.3f}")
    print(f"components: {comp.shape[1]} columns; mean within-indicator correlation {np.mean(within):.3f}")
    print(f"wrote {args.out_dir / MAIN_NAME} and {args.out_dir / COMP_NAME} in {elapsed:.1f} s")
    failed = [name for name, ok, detail in checks if not ok and not detail.startswith("INFEASIBLE")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
