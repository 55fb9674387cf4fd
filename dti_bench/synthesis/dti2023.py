"""Synthetic DTI 2023, drawn jointly with a 2022 dataset: each province's 2022 -> 2023 change is part of the draw.

**Only the published numbers are real** (``dti_published/dti_provincial_2023.csv``, sources S13-S20 of
``sources.md``): the ordered top twelve and Quảng Ngãi's 21st place; Đà Nẵng's DTI 0.8340, its pillar ranks 1/1/1,
its eight main-indicator ranks and its econ-activity 0.7262 and society-activity 0.5881; Bình Dương 0.7411 with
pillar ranks 7/31/11; Hải Phòng's pillars 0.7684 / 0.7793 / 0.7383 ranked 28 / 9 / 10; Thanh Hóa's pillar ranks
9/8/8, Quảng Ngãi's 12/13/14, Hồ Chí Minh 2nd on every pillar; the national mean 0.6783, 63/63 provinces at 0.5 or
above, 34/63 above the mean; and the pillar means 0.7240 / 0.6817 / 0.6783. Every other value is invented, then
forced to agree with those numbers. The 2022 ranks of all 63 provinces are published, so every published
2022 -> 2023 rank change (Hải Phòng 14 -> 8, Hà Nội 24 -> 6, Bình Dương 19 -> 7, Quảng Ngãi 26 -> 21, Thanh Hóa
15 -> 11, ...) holds as soon as the 2022 dataset reproduces the 2022 ranks and this one the 2023 ranks.

The digital-society pillar mean
-------------------------------
S19 reports the 2023 XHS mean as 0.6783, exactly the DTI mean, which may be a copying error. It is **calibrated
to**, because the published numbers support it: (a) with the other three means it implies, through the official
pillar formula, a plausible split of the mean (foundation indicators 0.7125 on average, government activity
0.7528, economy activity 0.5790, society activity 0.5643: :func:`implied_means`); (b) it matches its own stated
growth (+18.2 %) from a 2022 XHS mean of 0.5739, which with the 2022 DTI mean 0.5763 implies a 2022 society
activity near 0.27, as the 2022 synthetic data have (0.2575); (c) the other three means alone already force the
society-activity mean above 0.44 (econ activity cannot average more than Đà Nẵng's 0.7262, 6th), so dropping it
would change little. Its consequence is that society activity converges strongly (mean 0.26 -> 0.56 while Đà
Nẵng, 2nd, goes 0.52 -> 0.59), which the default persistence of society activity (0.1, below) reflects; and
society activity is squeezed into a narrow band below Đà Nẵng's 0.5881 (one province above it), so the strongest
provinces are held down to it and society activity correlates weakly or negatively with the foundation indicators
(bundled draw: -0.24 with awareness).

Model
-----
Given a calibrated 2022 dataset ``x22`` (63 x 8; the bundled ``dti2022-synthetic`` or any 2022 member), with
``w_j = max points / 1000`` and ``mu22_j`` the 2022 indicator means:

1. *Means.*  The 2023 indicator means ``mu23_j`` follow from the published DTI and pillar means
   (:func:`implied_means`): the foundation indicators share their implied total by a common shift of their 2022
   means; each activity indicator takes its implied mean.
2. *Persistence.*  A province keeps a share ``rho_j`` of its 2022 deviation from the mean on each indicator:
   ``p_i = sum_j w_j rho_j (x22_ij - mu22_j)`` is the persistent part of its 2023 DTI deviation.
3. *Target DTI 2023.*  A latent ``y_i = m23 + p_i + s_g z_i`` (``s_g`` = ``growth_sd``, ``z ~ N(0, 1)``: the
   province's own growth beyond persistence) orders the provinces whose 2023 rank is not published into the
   places the published ranks leave free; the published provinces take their published places. The sorted latent
   values give the shape of the 2023 DTI curve, mapped piecewise-linearly onto the anchors: place 1 = 0.8340,
   place 7 = 0.7411, places 34 / 35 just above / below the mean 0.6783, and the bottom segment's length solved so
   the 63 targets ``t`` average 0.6783 (kept at 0.5 or above).
4. *Indicators.*  ``x23_ij = mu23_j + rho_j (x22_ij - mu22_j) + lambda_j u_i + e_ij`` with ``u_i = t_i - m23 -
   p_i`` the province's growth surprise (what its target needs beyond persistence: Hà Nội's rise 24 -> 6 is a
   large ``u``), spread over the indicators by loadings ``lambda_j`` (normalised to ``sum_j w_j lambda_j = 1``)
   and ``e_ij ~ N(0, sigma_j^2)`` conditioned on ``sum_j w_j e_ij = 0``: so each drawn DTI equals its target
   before clipping to ``[0, upper_j]`` (the 2022 upper bounds: institutions 0.9, the published 2022 maximum).
   Đà Nẵng's two published activity values replace its drawn ones.
5. *Projection* onto the published 2023 constraints by a mixed-integer LP (``scipy.optimize.milp``, HiGHS) in the
   manner of :mod:`dti_bench.synthesis.dti2022` (same variables in 1e-4 units, rounded DTIs as integers with exact
   halves excluded, convex piecewise-linear distance to the draw, a deterministic node limit). Solved as: the LP
   with every inequality tightened by margins that survive rounding (1e-4 on values, 3e-4 on rounded DTIs, exact
   targets aimed at their centres), rounded to 4 decimals, then the exact MILP with every value boxed to +-2e-4
   (then +-10e-4) around that point: about a second, where the MILP's own search around the plain LP optimum takes
   up to a minute; the plain MILP is the last resort. Constraints: the published places (consecutive published
   places strictly descending; a free province strictly between the published places around its own); 34 provinces
   at 0.6784 or above and the other 29 at 0.6782 or below (so they are above / below the mean however it rounds);
   every rounded DTI at 0.5 or above; the sum of rounded DTIs such that their mean rounds to 0.6783; each pillar's
   unrounded mean within 0.25e-4 of its published mean (so the mean of the rounded pillars rounds to it: the 63
   rounding errors average far less than 0.25e-4; re-checked exactly); Đà Nẵng's and Bình Dương's DTIs, Hải Phòng's
   pillars, every published pillar and main-indicator rank (who is above whom decided beforehand, as for 2022: stage
   1 by the draw without pillar ranks, stage 2 adds them ordered by the stage-1 solution, here stage 1's LP
   relaxation).
6. Every constraint is re-checked in exact integer arithmetic after the solve (:func:`check_2023`), including the
   published 2022 -> 2023 rank changes against the 2022 dataset the draw was conditioned on.
7. *Attempts* (:func:`build_2023`): the draw of ``default_rng([seed, 2023])``, then redraws from
   ``default_rng([seed, 2023, a])``, a = 1, 2, ..., up to ``MAX_ATTEMPTS``; the free parameters are
   :class:`Dti2023Parameters`.

The pair (:func:`build_pair`): ``seed`` draws the 2022 member (:func:`dti_bench.synthesis.dti2022.build`) and
then its 2023 year. The default seed 20220712 gives the bundled ``dti2022-synthetic`` and ``dti2023-synthetic``.
An ensemble of 2023 members is ``[build_2023(member_2022_k, seed_k, parameters_k) for k ...]``.
:func:`write_bundled` rewrites the bundled ``dti2023_synthetic/`` files (byte for byte, a tested fact); the
panel ``dti_synthetic_2022_2023/`` is a ``meta.yaml`` naming the two bundled years.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from dti_bench.errors import ConfigError, DataError, choices
from dti_bench.synthesis import dti2022 as base
from dti_bench.synthesis.dti2022 import (CHAIN_DELTA, CHAIN_K, FOUNDATION, INDICATOR_MODEL,
                                         INDICATORS, MAX_POINTS, PILLAR_ACTIVITY, PILLAR_DENOM, PILLARS, UNIT,
                                         CalibrationError, _Model, _csv_text, add_distance_to_draw, apply_assignments, _int, _num, _sub,
                                         _yaml_str, above_sets, pillar_numerators, rank_min, rounded_dti,
                                         rounded_pillars)

SEED = base.SEED                       # one seed draws the pair; the default gives the bundled pair
YEAR = 2023
MAIN_NAME = "dti2023_synthetic"
PANEL_NAME = "dti_synthetic_2022_2023"
PUBLISHED_MEAN = 0.6783                # S13, S16
#: published 2023 pillar means (S19); the digital-society one equals the DTI mean (see the module docstring)
PILLAR_MEANS = (0.7240, 0.6817, 0.6783)
AT_LEAST = 0.5                         # S13: 63/63 provinces at 0.5 or above
ABOVE_MEAN = 34                        # S13: 34/63 above the mean
PILLAR_MEAN_TOLERANCE = 0.25           # 1e-4 units: the unrounded pillar means' distance from the published ones
MEAN_TOP_GAP = 0.001                   # targets at places 34 / 35 sit this far above / below the mean
MAX_ATTEMPTS = 12
UPPER = np.array([INDICATOR_MODEL[c][3] for c in INDICATORS])


def implied_means(dti_mean=PUBLISHED_MEAN, pillar_means=PILLAR_MEANS):
    """The mean foundation points and activity-indicator means that the published DTI and pillar means imply.

    With ``F`` the foundation points (``100 x`` the sum of the five foundation indicators) and ``a_q`` the activity
    maxima, the pillar and DTI formulas are linear, so their means satisfy ``P_q d_q = F + a_q g_q`` (``d_q`` the
    pillar denominators 700 / 650 / 650) and ``1000 D = F + sum_q a_q g_q``; hence ``F = (sum_q P_q d_q - 1000 D) /
    2`` and ``g_q = (P_q d_q - F) / a_q``.

    Returns
    -------
    tuple
        (mean foundation points ``F``, array of the three activity means ``g_q``).

    Examples
    --------
    >>> f, g = implied_means()
    >>> round(f, 4), [round(float(v), 5) for v in g]
    (356.25, [0.75275, 0.57903, 0.5643])
    """
    s = sum(p * d for p, d in zip(pillar_means, PILLAR_DENOM))
    foundation = (s - 1000 * dti_mean) / 2
    act = np.array([(p * d - foundation) / MAX_POINTS[j]
                    for p, d, j in zip(pillar_means, PILLAR_DENOM, PILLAR_ACTIVITY)])
    return foundation, act


# -------------------------------------------------------------------------------------- parameters
#: 2023 persistence of each indicator's 2022 deviation: 0.7 by default; econ and society activity from Đà Nẵng,
#: the one province whose values are published in both years: (0.7262 - 0.5790) / (0.7836 - 0.5287) = 0.58 and
#: (0.5881 - 0.5643) / (0.5197 - 0.2575) = 0.09 (2022 means of the bundled draw; implied 2023 means)
DEFAULT_PERSISTENCE = (0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6, 0.1)


@dataclass(frozen=True)
class Dti2023Parameters:
    """The free parameters of the 2023 draw given a 2022 dataset (the published numbers are not free).

    The draw is ``x23_ij = mu23_j + rho_j (x22_ij - mu22_j) + lambda_j u_i + e_ij`` (module docstring).

    Parameters
    ----------
    persistence : tuple of 8 floats, each in [0.0, 1.0]
        ``rho_j``: the share of a province's 2022 deviation from the mean that it keeps in 2023 on each indicator
        (order ``INDICATORS``). 1: the 2022 spread persists unchanged; 0: the 2023 values forget 2022 (then only the
        growth terms order the provinces). Defaults 0.7, except econ activity 0.6 and society activity 0.1, close
        to what Đà Nẵng's published values in both years imply (0.58 and 0.09): the DTI mean rose 0.102 while Đà
        Nẵng's rose 0.034, so the provinces converged.
    growth_sd : float in [0.0, 0.08]
        ``s_g``: sd of a province's own DTI growth beyond persistence (the latent that orders the provinces whose
        2023 rank is not published). 0: their 2023 order is their persistent 2022 order; 0.08: about the spread of
        the bundled 2022 DTIs themselves (sd 0.084), so the 2022 order is largely reshuffled. Default 0.03 (the
        published provinces moved 4-18 places).
    change_loadings : tuple of 8 floats, each in [0.5, 1.5]
        Relative loading ``lambda_j`` of each indicator on a province's growth surprise ``u_i`` (normalised so that
        ``sum_j w_j lambda_j = 1``): how a rise is spread over the indicators. Same range and defaults as the 2022
        loadings.
    change_noise_sd : tuple of 8 floats, each in [0.01, 0.10]
        ``sigma_j``: sd of each indicator's own 2022 -> 2023 change beyond the province's (within-province
        unevenness of the change). Default 0.04 (two-thirds of the 2022 within-province noise, 0.06-0.09: a change
        over one year is less uneven than a level).

    Examples
    --------
    >>> p = Dti2023Parameters().with_overrides(["persistence.society_activity=0.2", "growth_sd=0.05"])
    >>> p.persistence[7], p.growth_sd
    (0.2, 0.05)
    >>> Dti2023Parameters(growth_sd=0.1)
    Traceback (most recent call last):
    ...
    dti_bench.errors.ConfigError: parameter growth_sd = 0.1: expected a number in [0.0, 0.08]
    """

    persistence: tuple[float, ...] = DEFAULT_PERSISTENCE
    growth_sd: float = 0.03
    change_loadings: tuple[float, ...] = tuple(INDICATOR_MODEL[c][1] for c in INDICATORS)
    change_noise_sd: tuple[float, ...] = (0.04,) * 8

    #: (low, high) of each parameter (per indicator for the tuples)
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "persistence": (0.0, 1.0), "growth_sd": (0.0, 0.08), "change_loadings": (0.5, 1.5),
        "change_noise_sd": (0.01, 0.10)}
    TUPLES: ClassVar[tuple[str, ...]] = ("persistence", "change_loadings", "change_noise_sd")

    def __post_init__(self):
        for name in self.TUPLES:
            values = tuple(getattr(self, name))
            if len(values) != len(INDICATORS):
                raise ConfigError(f"parameter {name}: expected {len(INDICATORS)} values (one per indicator: "
                                  f"{choices(INDICATORS)}), got {len(values)}")
            for c, v in zip(INDICATORS, values):
                base.Dti2022Parameters._check(f"{name}.{c}", v, self.RANGES[name])
            object.__setattr__(self, name, tuple(float(v) for v in values))
        base.Dti2022Parameters._check("growth_sd", self.growth_sd, self.RANGES["growth_sd"])
        object.__setattr__(self, "growth_sd", float(self.growth_sd))

    @classmethod
    def names(cls):
        """Every name ``with_overrides`` accepts: ``<tuple parameter>.<indicator>`` and ``growth_sd``."""
        return [f"{n}.{c}" for n in cls.TUPLES for c in INDICATORS] + ["growth_sd"]

    def with_overrides(self, assignments):
        """A copy with ``NAME=VALUE`` assignments applied (names from :meth:`names`), checked."""
        values: dict[str, Any] = {n: list(getattr(self, n)) for n in self.TUPLES}
        values["growth_sd"] = self.growth_sd
        apply_assignments(values, assignments, self.names())
        return Dti2023Parameters(**{n: (tuple(v) if isinstance(v, list) else v) for n, v in values.items()})

    def yaml_lines(self, indent=2):
        pad = " " * indent
        lines = [f"{pad}{n}: {{{', '.join(f'{c}: {v:g}' for c, v in zip(INDICATORS, getattr(self, n)))}}}"
                 for n in self.TUPLES]
        return lines + [f"{pad}growth_sd: {self.growth_sd:g}"]


DEFAULT_PARAMETERS = Dti2023Parameters()


def split_overrides(assignments):
    """``--parameter`` assignments split into the 2022 draw's and the 2023 draw's (their names are disjoint).

    Examples
    --------
    >>> split_overrides(["gap_sigma=0.2", "growth_sd=0.05"])
    (['gap_sigma=0.2'], ['growth_sd=0.05'])
    """
    names22 = set(base.Dti2022Parameters.names())
    names23 = set(Dti2023Parameters.names())
    a22, a23 = [], []
    for text in assignments:
        name = text.partition("=")[0].strip()
        if name in names22:
            a22.append(text)
        elif name in names23:
            a23.append(text)
        else:
            raise ConfigError(f"--parameter {text!r}: expected NAME=VALUE with NAME one of "
                              f"{choices(sorted(names22) + sorted(names23))}")
    return a22, a23


# --------------------------------------------------------------------------------------------- input
def load_published_2023(rows22):
    """The published 2023 constraints, indexed by the 2022 row order (``rows22`` from ``dti2022.load_published``).

    Returns a dict: ``rank`` {i: R}; ``dti`` {i: 1e-4 units}; ``pillar_values`` {(i, q): 1e-4 units};
    ``ranks`` {pillar or indicator: [(i, R)]}; ``values`` {(i, j): 1e-4 units} (main-indicator values);
    ``names`` {i: ASCII name}.
    """
    position = {r["gso_code"]: i for i, r in enumerate(rows22)}
    with open(base.PUBLISHED_DIR / "dti_provincial_2023.csv", encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    out: dict[str, Any] = {"rank": {}, "dti": {}, "pillar_values": {}, "values": {}, "names": {},
                           "ranks": {q: [] for q in PILLARS + INDICATORS}}
    for r in table:
        i = position[r["gso_code"]]
        out["names"][i] = r["province_ascii"]
        out["rank"][i] = int(r["rank"])
        if _num(r["dti_score"]) is not None:
            out["dti"][i] = int(round(float(r["dti_score"]) * UNIT))
        for q, p in enumerate(PILLARS):
            if _num(r[f"{p}_score"]) is not None:
                out["pillar_values"][i, q] = int(round(float(r[f"{p}_score"]) * UNIT))
        for code in PILLARS + INDICATORS:
            R = _int(r[f"{code}_rank"])
            if R is not None:
                out["ranks"][code].append((i, R))
        for j, c in enumerate(INDICATORS):
            if _num(r[f"{c}_score"]) is not None:
                out["values"][i, j] = int(round(float(r[f"{c}_score"]) * UNIT))
    ranks = sorted(out["rank"].values())
    if len(set(ranks)) != len(ranks):
        raise ValueError("dti_provincial_2023.csv: tied published ranks are not supported")
    return out


def as_k2022(data_2022, rows22):
    """A 2022 dataset as a 63 x 8 integer array (1e-4 units) in the published 2022 row order.

    ``data_2022``: such an array already, or a table with ``uCode`` and the 8 indicator columns (a ``data.csv`` of
    ``dti2022-synthetic`` or of ``dti-bench synthesise --year 2022``, read with pandas; any row order).
    """
    if isinstance(data_2022, np.ndarray):
        k = np.asarray(data_2022, dtype=np.int64)
        if k.shape != (len(rows22), len(INDICATORS)):
            raise DataError(f"2022 data: expected a {len(rows22)} x {len(INDICATORS)} array, got {k.shape}")
        return k
    table = data_2022.set_index("uCode")
    missing = [r["slug"] for r in rows22 if r["slug"] not in table.index]
    if missing or any(c not in table.columns for c in INDICATORS):
        what = f"province {missing[0]!r}" if missing else f"column {next(c for c in INDICATORS if c not in table)!r}"
        raise DataError(f"2022 data: no {what}; expected the 63 provinces' uCode and columns {choices(INDICATORS)}")
    values = table.loc[[r["slug"] for r in rows22], INDICATORS].astype(float).to_numpy()
    return np.rint(values * UNIT).astype(np.int64)


# ------------------------------------------------------------------------------------------- draw
def target_curve(sorted_latent, fixed_places, n=63, mean=PUBLISHED_MEAN, above=ABOVE_MEAN, floor=AT_LEAST):
    """2023 target DTI of each place 1..n from the sorted latent values: piecewise-linear between the anchors
    (published DTIs at their places, the mean boundary between places ``above`` and ``above + 1``), the bottom
    segment's slope solved so the targets average ``mean`` (kept at ``floor`` + 0.002 or above)."""
    s = np.asarray(sorted_latent, dtype=float)
    knots = sorted(fixed_places.items()) + [(above, mean + MEAN_TOP_GAP), (above + 1, mean - MEAN_TOP_GAP)]
    v = np.full(n, np.nan)
    for place, value in knots:
        v[place - 1] = value
    for (pa, va), (pb, vb) in zip(knots, knots[1:]):
        a, b = pa - 1, pb - 1
        span = s[a] - s[b]
        frac = (s[a] - s[a:b + 1]) / span if span > 0 else np.linspace(0, 1, b - a + 1)
        v[a:b + 1] = va - (va - vb) * frac
    first = knots[0][0] - 1
    if first > 0:   # places above the first anchor: same slope as the first segment
        v[:first] = v[first] + (s[:first] - s[first]) * max(0.0, (v[first] - v[knots[1][0] - 1]) /
                                                              max(s[first] - s[knots[1][0] - 1], 1e-9))
    b0 = above                                     # index of place above + 1
    drop = s[b0] - s[b0:]
    need = v[b0] * (n - b0) - (mean * n - v[:b0].sum())      # total the bottom places must lose
    slope = need / drop.sum() if drop.sum() > 0 else 0.0
    slope = min(max(slope, 0.0), (v[b0] - floor - 0.002) / max(drop[-1], 1e-9))
    v[b0:] = v[b0] - slope * drop
    return v


def draw_2023(rng, k22, pub, parameters):
    """One 2023 draw given the 2022 integer data: (x23 floats 63 x 8, places {i: place}, targets, details)."""
    n = len(k22)
    x22 = k22 / UNIT
    w = MAX_POINTS / 1000.0
    rho = np.array(parameters.persistence)
    mu22 = x22.mean(axis=0)
    foundation, act = implied_means()
    mu23 = mu22.copy()
    mu23[FOUNDATION] += (foundation / 100 - mu22[FOUNDATION].sum()) / 5
    mu23[PILLAR_ACTIVITY] = act
    mu23[FOUNDATION] += (PUBLISHED_MEAN - w @ mu23) / (w[FOUNDATION].sum())     # exact published DTI mean
    persistent = (x22 - mu22) * rho                                             # (63, 8)
    p = persistent @ w
    latent = PUBLISHED_MEAN + p + parameters.growth_sd * rng.standard_normal(n)
    # places: published ranks as published; the others by latent, into the places left free
    fixed = pub["rank"]
    free = sorted((i for i in range(n) if i not in fixed), key=lambda i: (-latent[i], i))
    open_places = [r for r in range(1, n + 1) if r not in set(fixed.values())]
    places = {**fixed, **dict(zip(free, open_places))}
    sorted_latent = np.sort(latent)[::-1]
    anchors = {fixed[i]: v / UNIT for i, v in pub["dti"].items()}
    curve = target_curve(sorted_latent, anchors, n)
    t = np.array([curve[places[i] - 1] for i in range(n)])
    u = t - PUBLISHED_MEAN - p
    load = np.array(parameters.change_loadings)
    lam = load / (w @ load)
    sd = np.array(parameters.change_noise_sd)
    e = rng.standard_normal((n, 8)) * sd
    cw = sd ** 2 * w
    e = e - np.outer(e @ w, cw) / (w @ cw)
    x = mu23 + persistent + np.outer(u, lam) + e
    x = np.clip(x, 0.0, UPPER)
    for (i, j), v in pub["values"].items():
        x[i, j] = v / UNIT
    return x, places, t, {"mu22": mu22, "mu23": mu23, "rho": rho, "lambda": lam, "sigma": sd}


# ------------------------------------------------------------------------------------------- MILP
def _compare_pillar(m, npil, rpfix, q, i, p, gap, above, margin):
    """:func:`dti_bench.synthesis.dti2022._pillar_compare` with every inequality tightened by ``margin`` pillar
    units (1e-4), so that it survives rounding an LP solution's values to 4 decimals."""
    den, extra = PILLAR_DENOM[q], margin * PILLAR_DENOM[q]
    ri, rp_ = rpfix.get((i, q)), rpfix.get((p, q))
    ni, np_ = npil[i, q], npil[p, q]
    if ri is not None and rp_ is not None:
        if not (ri >= rp_ + 1 if above else ri <= rp_ + gap):
            raise ValueError(f"published pillar values contradict a published rank ({PILLARS[q]})")
    elif above:
        if rp_ is not None:
            m.add(ni, den * rp_ + den / 2 + extra, np.inf)
        elif ri is not None:
            m.add(np_, -np.inf, den * ri - den / 2 - 1 - extra)
        else:
            m.add(_sub(ni, np_), den + extra, np.inf)
    else:
        if rp_ is not None:
            m.add(ni, -np.inf, den * (rp_ + gap) + den / 2 - 1 - extra)
        elif ri is not None:
            m.add(np_, den * (ri - gap) - den / 2 + extra, np.inf)
        else:
            m.add(_sub(ni, np_), -np.inf, gap * den - extra)


def _solve(m, lp_only):
    """One HiGHS call on the model as built (its variable bounds are the box): the LP relaxation, or the MILP."""
    data, ri, ci = [], [], []
    for r, coefs in enumerate(m.rows):
        for v, c in coefs.items():
            ri.append(r)
            ci.append(v)
            data.append(c)
    a = sparse.csr_array((data, (ri, ci)), shape=(len(m.rows), m.n))
    cons = LinearConstraint(a, np.array(m.rlo), np.array(m.rhi))
    bounds = Bounds(np.array(m.lb, float), np.array(m.ub, float))
    integrality = np.zeros(m.n) if lp_only else np.array(m.integ)
    opts = {"disp": False} if lp_only else {"disp": False, "mip_rel_gap": base.GAP, "node_limit": base.NODE_LIMIT}
    with base._quiet_stdout(not lp_only):
        res = milp(c=np.array(m.cost), integrality=integrality, bounds=bounds, constraints=cons, options=opts)
    if res.x is None:
        raise RuntimeError(f"{'LP' if lp_only else 'MILP'} failed: {res.status} {res.message}")
    return res


def project_2023(draw, pub, places, order_k=None, stages=("indicators", "pillars"), lp_only=False, margin=0,
                 box=None):
    """Solve the 2023 MILP (or only its LP relaxation). Returns (k 63 x 8 int: the LP optimum rounded when
    ``lp_only``, solver result); ``order_k`` decides who is above each province with a published pillar or
    indicator rank (default: the draw).

    ``margin`` (1e-4 units) tightens every inequality so that an LP solution keeps them after its values are
    rounded (exact targets are then aimed at their centres); ``box = (k, width)`` bounds every value to ``k +-
    width``: the MILP near a rounded robust LP solution is small and fast (:func:`_solve_stage`).
    """
    n = len(draw)
    m = _Model()
    fixed_cells = dict(pub["values"])
    top = np.rint(UPPER * UNIT).astype(int)
    if box is None:
        kvar = {(i, j): m.var(0, int(top[j])) for i in range(n) for j in range(8) if (i, j) not in fixed_cells}
    else:
        centre, width = box
        kvar = {(i, j): m.var(max(0, int(centre[i, j]) - width), min(int(top[j]), int(centre[i, j]) + width))
                for i in range(n) for j in range(8) if (i, j) not in fixed_cells}
    big = 3 * margin       # rounded DTIs of a rounded LP solution move by up to 1.45 units

    def kexpr(i, j):
        if (i, j) in fixed_cells:
            return (float(fixed_cells[i, j]), {})
        return (0.0, {kvar[i, j]: 1.0})

    d = add_distance_to_draw(m, kvar, draw)

    def lin(i, coef_of):
        const, coefs = 0.0, {}
        for j in range(8):
            c = coef_of(j)
            if not c:
                continue
            ce, co = kexpr(i, j)
            const += c * ce
            for var, x in co.items():
                coefs[var] = coefs.get(var, 0.0) + c * x
        return const, coefs

    rd, npil = {}, {}
    for i in range(n):
        r = m.var(0, UNIT)
        rd[i] = (0.0, {r: 1.0})
        dexpr = lin(i, lambda j: float(MAX_POINTS[j]))
        m.add(_sub(dexpr, (0.0, {r: 1000.0})), -450, 450)          # |1e7 DTI - 1e3 r| <= 450: no exact halves
        for q in range(3):
            act = PILLAR_ACTIVITY[q]
            npil[i, q] = lin(i, lambda j, act=act: 100.0 if j < 5 else (float(MAX_POINTS[j]) if j == act else 0.0))
            if (i, q) in pub["pillar_values"]:
                den, R = PILLAR_DENOM[q], pub["pillar_values"][i, q]
                half = 0 if margin else den // 2 - 1
                m.add(npil[i, q], den * R - half, den * R + half)
    for i, v in pub["dti"].items():
        m.add(rd[i], v, v)

    # places: consecutive published places strictly descending; a free province strictly between the published
    # places around its own
    by_place = {pl: i for i, pl in places.items()}
    published = sorted((pl, i) for i, pl in pub["rank"].items())
    for (pa, a), (pb, b) in zip(published, published[1:]):
        m.add(_sub(rd[a], rd[b]), 1 + big, np.inf)
    for i, pl in places.items():
        if i in pub["rank"]:
            continue
        above = [a for pa, a in published if pa < pl]
        below = [b for pb, b in published if pb > pl]
        if above:
            m.add(_sub(rd[above[-1]], rd[i]), 1 + big, np.inf)
        if below:
            m.add(_sub(rd[i], rd[below[0]]), 1 + big, np.inf)
    # mean, above / below the mean, the floor
    mean_units = int(round(PUBLISHED_MEAN * UNIT))
    for pl in range(1, n + 1):
        i = by_place[pl]
        if pl <= ABOVE_MEAN:
            m.add(rd[i], mean_units + 1 + big, np.inf)
        else:   # at or below mean_units - 1: below the mean however the computed mean rounds
            m.add(rd[i], int(round(AT_LEAST * UNIT)) + big, mean_units - 1 - big)
    total = (0.0, {})
    for i in range(n):
        total = (total[0] + rd[i][0], {**total[1], **rd[i][1]})
    lo, hi = int(np.ceil(n * (mean_units - 0.5))), int(np.ceil(n * (mean_units + 0.5))) - 1
    m.add(total, *((n * mean_units, n * mean_units) if margin else (lo, hi)))
    for q, target in enumerate(PILLAR_MEANS):
        const, coefs = 0.0, {}
        for i in range(n):
            c, co = npil[i, q]
            const += c
            for var, x in co.items():
                coefs[var] = coefs.get(var, 0.0) + x
        den, centre = PILLAR_DENOM[q], target * UNIT * n
        tol = 0 if margin else PILLAR_MEAN_TOLERANCE * n
        m.add((const, coefs), den * (centre - tol), den * (centre + tol))

    # published pillar and main-indicator ranks
    order = (d if order_k is None else np.asarray(order_k, float)).copy()
    for (i, j), v in fixed_cells.items():
        order[i, j] = v
    order_rp = rounded_pillars(order.astype(np.int64))
    for qname, cons in pub["ranks"].items():
        if not cons or (qname in PILLARS and "pillars" not in stages) or \
                (qname in INDICATORS and "indicators" not in stages):
            continue
        if qname in PILLARS:
            q = PILLARS.index(qname)
            fixed = {i: float(v) for (i, qq), v in pub["pillar_values"].items() if qq == q}
            keys = np.array([fixed.get(i, order_rp[i, q]) for i in range(n)], float)
        else:
            j = INDICATORS.index(qname)
            fixed = {i: float(v) for (i, jj), v in fixed_cells.items() if jj == j}
            keys = np.array([fixed.get(i, order[i, j]) for i in range(n)], float)
        sets = above_sets(keys, fixed, cons)
        for p, above in sets.items():
            above = set(above)
            for i in range(n):
                if i == p:
                    continue
                gap = 1 if i in above else (0 if i in fixed else -1)
                if qname in PILLARS:
                    _compare_pillar(m, npil, dict(pub["pillar_values"]), q, i, p, gap, i in above, margin)
                elif i in above:
                    m.add(_sub(kexpr(i, j), kexpr(p, j)), 1 + margin, np.inf)
                else:
                    m.add(_sub(kexpr(i, j), kexpr(p, j)), -np.inf, gap - margin)
            if qname in PILLARS:
                continue
            # anti-piling, as for 2022: the nearest free provinces on either side keep their order and gaps
            cset = {c for c, _ in cons}
            free_sorted = [i for i in np.argsort(-keys, kind="stable") if i not in fixed and i not in cset]
            tail = [i for i in free_sorted if i in above][-CHAIN_K:]
            head = [i for i in free_sorted if i not in above][:CHAIN_K]
            chain = tail + [p] + head
            for a, b in zip(chain, chain[1:]):
                m.add(_sub(kexpr(a, j), kexpr(b, j)), CHAIN_DELTA + margin, np.inf)

    res = _solve(m, lp_only) if (box is not None or margin or lp_only) else m.solve(kvar.values())
    k = np.zeros((n, 8), dtype=np.int64)
    for i in range(n):
        for j in range(8):
            k[i, j] = fixed_cells[i, j] if (i, j) in fixed_cells else int(round(res.x[kvar[i, j]]))
    return k, res


# ------------------------------------------------------------------------------------------ checks
def check_2023(rows22, pub, k, k22=None):
    """Every published 2023 constraint re-checked in exact integer arithmetic: a list of (name, ok, detail).

    With ``k22`` (the 2022 data the draw was conditioned on) also the 2022 ranks and every published 2022 -> 2023
    rank change.
    """
    n = len(k)
    rd, rp = rounded_dti(k), rounded_pillars(k)
    ranks = rank_min(rd)
    names = pub["names"]
    out = []
    bad = [f"{names[i]} {int(ranks[i])}!={R}" for i, R in sorted(pub["rank"].items(), key=lambda x: x[1])
           if ranks[i] != R]
    out.append((f"2023 DTI ranks (ties=min) of the {len(pub['rank'])} published provinces", not bad, "; ".join(bad)))
    for i, v in pub["dti"].items():
        out.append((f"{names[i]}: rounded DTI = published {v / UNIT:.4f}", int(rd[i]) == v, f"{rd[i] / UNIT:.4f}"))
    for (i, q), v in pub["pillar_values"].items():
        out.append((f"{names[i]} {PILLARS[q]} = {v / UNIT:.4f}", int(rp[i, q]) == v, f"{rp[i, q] / UNIT:.4f}"))
    for (i, j), v in pub["values"].items():
        out.append((f"{names[i]} {INDICATORS[j]} = {v / UNIT:.4f}", int(k[i, j]) == v, ""))
    columns = {**{p: rp[:, q] for q, p in enumerate(PILLARS)}, **{c: k[:, j] for j, c in enumerate(INDICATORS)}}
    bad, nr = [], 0
    for code, cons in pub["ranks"].items():
        got = rank_min(columns[code])
        for i, R in cons:
            nr += 1
            if got[i] != R:
                bad.append(f"{names[i]} {code} {int(got[i])}!={R}")
    out.append((f"all {nr} published pillar/main-indicator ranks", not bad, "; ".join(bad)))
    mean = rd.sum() / n
    out.append((f"mean rounded DTI rounds to {PUBLISHED_MEAN:.4f}", 2 * int(rd.sum()) >= n * (2 * 6783 - 1)
                and 2 * int(rd.sum()) < n * (2 * 6783 + 1), f"{mean / UNIT:.6f}"))
    above = int((rd * n > rd.sum()).sum())
    above_pub = int((rd > 6783).sum())
    out.append((f"{ABOVE_MEAN}/63 above the mean (the computed and the published one)",
                above == ABOVE_MEAN == above_pub, f"{above} above the computed mean, {above_pub} above 0.6783"))
    out.append(("63/63 at 0.5 or above", bool((rd >= 5000).all()), f"min {rd.min() / UNIT:.4f}"))
    for q, target in enumerate(PILLAR_MEANS):
        t = int(round(target * UNIT))
        rounded_mean = rp[:, q].sum() / n
        exact_mean = pillar_numerators(k)[:, q].sum() / (PILLAR_DENOM[q] * n)
        ok = all(t - 0.5 <= x < t + 0.5 for x in (rounded_mean, exact_mean))
        out.append((f"{PILLARS[q]} mean = {target:.4f}", ok,
                    f"{rounded_mean / UNIT:.6f} (unrounded pillars: {exact_mean / UNIT:.6f})"))
    out.append(("values in [0, upper] (institutions <= 0.9)",
                bool(((k >= 0) & (k <= np.rint(UPPER * UNIT).astype(np.int64))).all()), ""))
    if k22 is not None:
        pub22 = np.array([r["rank"] for r in rows22])
        r22 = rank_min(rounded_dti(k22))
        out.append(("2022 DTI ranks of the data drawn with equal the published", bool((r22 == pub22).all()), ""))
        changes = [f"{names[i]} {pub22[i]}->{R}" for i, R in sorted(pub["rank"].items(), key=lambda x: x[1])
                   if r22[i] - ranks[i] != pub22[i] - R]
        listed = ", ".join(f"{names[i]} {pub22[i]}->{R}" for i, R in sorted(pub["rank"].items(), key=lambda x: x[1]))
        out.append((f"published 2022->2023 rank changes ({listed})", not changes, "; ".join(changes)))
    return out


# ------------------------------------------------------------------------------------------- build
ROBUST_MARGIN = 1                      # 1e-4 units (3 for rounded DTIs): see project_2023
BOXES = (2, 10)                        # widths of the boxes around the rounded robust LP solution, tried in turn


def _solve_stage(draw, pub, places, order_k, stages):
    """The robust LP (margins that survive rounding), rounded, then the exact MILP in small boxes around it; the
    full MILP (LP-neighbourhood boxes, node limit: :meth:`dti_bench.synthesis.dti2022._Model.solve`) last.
    Rounding first keeps a solve to about a second where the MILP's own search can take a minute."""
    try:
        centre, _ = project_2023(draw, pub, places, order_k=order_k, stages=stages, lp_only=True,
                                 margin=ROBUST_MARGIN)
    except (RuntimeError, ValueError):
        centre = None
    if centre is not None:
        for width in BOXES:
            try:
                return project_2023(draw, pub, places, order_k=order_k, stages=stages, box=(centre, width))
            except RuntimeError:
                continue
    return project_2023(draw, pub, places, order_k=order_k, stages=stages)


def _calibrate(draw, pub, places):
    try:   # stage 1's LP relaxation suffices to order the pillars (its MILP would cost as much as stage 2)
        k1, _ = project_2023(draw, pub, places, stages=("indicators",), lp_only=True)
    except (RuntimeError, ValueError) as err:
        raise CalibrationError(f"stage 1 infeasible: {_unmet(draw, pub, places, None, ('indicators',))} "
                               f"({str(err)[:60]})") from None
    try:
        k, res = _solve_stage(draw, pub, places, k1, ("indicators", "pillars"))
    except (RuntimeError, ValueError) as err:
        raise CalibrationError(f"stage 2 infeasible: {_unmet(draw, pub, places, k1, ('indicators', 'pillars'))} "
                               f"({str(err)[:60]})") from None
    return k, res


def _unmet(draw, pub, places, order_k, stages):
    """The first published rank group whose removal makes the LP relaxation feasible (named in the error)."""
    candidates = PILLARS if "pillars" in stages else INDICATORS
    for qname, cons in pub["ranks"].items():
        if not cons or qname not in candidates:
            continue
        trial = {**pub, "ranks": {q: ([] if q == qname else c) for q, c in pub["ranks"].items()}}
        try:
            project_2023(draw, trial, places, order_k=order_k, stages=stages, lp_only=True)
        except (RuntimeError, ValueError):
            continue
        return f"{qname} ranks (" + ", ".join(f"{pub['names'][p]} {R}" for p, R in cons) + ")"
    return "the published places, values and means together"


def build_2023(data_2022, seed=SEED, parameters=None, max_attempts=MAX_ATTEMPTS):
    """Draw and calibrate one synthetic DTI 2023 dataset conditional on a 2022 dataset; deterministic.

    The entry point for ensembles: a 2023 member is ``build_2023(member_2022, seed, parameters)``.

    Parameters
    ----------
    data_2022 : DataFrame or ndarray
        A calibrated 2022 dataset: a table with ``uCode`` and the 8 indicator columns (``dti2022-synthetic``'s
        ``data.csv``, or a ``dti-bench synthesise --year 2022`` one), or a 63 x 8 integer array in 1e-4 units in
        the published 2022 row order (``dti2022.build(...)["k"]``).
    seed : int
        The draws are ``default_rng([seed, 2023])``, then ``default_rng([seed, 2023, a])`` for a = 1, 2, ...
    parameters : Dti2023Parameters, optional
        Default :data:`DEFAULT_PARAMETERS`.
    max_attempts : int
        Draws tried before giving up.

    Returns
    -------
    dict
        ``rows`` (the 2022 published rows: province order), ``k`` (63 x 8 int, 1e-4 units, that order), ``k2022``,
        ``draw``, ``targets``, ``places`` ({row: 2023 place in the draw}), ``params``, ``checks`` (list of (name,
        ok, detail)), ``res``, ``attempt`` (1-based) and ``draw_seed``.

    Raises
    ------
    CalibrationError
        No attempt calibrated; the message names the last unmet constraint.

    Examples
    --------
    >>> import pandas as pd
    >>> k22 = pd.read_csv(base.HERE / "dti2022_synthetic" / "data.csv")
    >>> result = build_2023(k22, seed=SEED)                        # doctest: +SKIP
    >>> all(ok for _, ok, _ in result["checks"])                   # doctest: +SKIP
    True
    """
    parameters = DEFAULT_PARAMETERS if parameters is None else parameters
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"--seed {seed}: expected a non-negative whole number")
    rows = base.load_published()
    k22 = as_k2022(data_2022, rows)
    pub = load_published_2023(rows)
    last = None
    for attempt in range(1, max_attempts + 1):
        draw_seed = [int(seed), YEAR] if attempt == 1 else [int(seed), YEAR, attempt - 1]
        rng = np.random.default_rng(draw_seed)
        draw, places, targets, params = draw_2023(rng, k22, pub, parameters)
        try:
            k, res = _calibrate(draw, pub, places)
        except CalibrationError as err:
            last = err
            continue
        checks = check_2023(rows, pub, k, k22)
        failed = [name for name, ok, _ in checks if not ok]
        if failed:
            last = CalibrationError(f"check failed after the solve: {failed[0]}")
            continue
        return {"rows": rows, "k": k, "k2022": k22, "draw": draw, "targets": targets, "places": places,
                "params": params, "checks": checks, "res": res, "attempt": attempt, "draw_seed": draw_seed}
    raise CalibrationError(f"seed {seed}: no 2023 draw calibrated in {max_attempts} attempts; the last: {last}")


def build_pair(seed=SEED, parameters_2022=None, parameters=None, max_attempts=MAX_ATTEMPTS):
    """The 2022 member of ``seed`` and its 2023 year: ``(dti2022.build(seed, ...), build_2023(its k, seed, ...))``.

    The bundled seed with the default 2022 parameters reads the bundled ``dti2022-synthetic`` instead of redrawing
    it (the same values: ``dti-bench synthesise --year 2022`` reproduces that file byte for byte, a tested fact),
    which saves the 2022 solve.
    """
    parameters_2022 = base.DEFAULT_PARAMETERS if parameters_2022 is None else parameters_2022
    if seed == SEED and parameters_2022 == base.DEFAULT_PARAMETERS:
        import pandas as pd

        table = pd.read_csv(base.HERE / base.MAIN_NAME / "data.csv", dtype={"uCode": str})
        result_2022 = {"k": as_k2022(table, base.load_published()), "attempt": 1, "draw_seed": SEED,
                       "source": "bundled dti2022-synthetic"}
    else:
        result_2022 = base.build(seed, parameters_2022, max_attempts)
        result_2022["source"] = f"dti_bench.synthesis.dti2022.build({seed})"
    return result_2022, build_2023(result_2022["k"], seed, parameters, max_attempts)


def _identity(rows):
    return [(r["slug"], r["province"], r["region_code"]) for r in rows]


def data_csv(rows, k):
    """``data.csv`` text: uCode, uName, region and the 8 indicators (4 decimals), one row per province."""
    return _csv_text(["uCode", "uName", "region"] + INDICATORS,
                     [list(idr) + [f"{v / UNIT:.4f}" for v in k[i]] for i, idr in enumerate(_identity(rows))])


def panel_csv(rows, k22, k23):
    """The two years long (COINr's iData with a ``Time`` column): uCode, uName, region, Time and the 8 indicators."""
    records = [list(idr) + [year] + [f"{v / UNIT:.4f}" for v in k[i]]
               for year, k in ((2022, k22), (YEAR, k23)) for i, idr in enumerate(_identity(rows))]
    return _csv_text(["uCode", "uName", "region", "Time"] + INDICATORS, records)


SOURCES_USED = {
    "S13": "VietNamNet (republished): Đà Nẵng 0.834 and main-indicator ranks, econ activity 0.7262 (6th), society activity 0.5881 (2nd); mean 0.6783; 63/63 >= 0.5; 34/63 above the mean",
    "S14": "baomoi: Đà Nẵng 0.8340, leads 5/8 main indicators",
    "S15": "nguoihanoi.vn: the ordered 2023 top ten; Hà Nội 6th (+18)",
    "S16": "vneconomy.vn: the ordered 2023 top ten; mean 0.6783",
    "S17": "baomoi: HCM 2nd on every pillar; Huế 3rd; the list continuing BR-VT, Thanh Hóa, Quảng Ninh; Quảng Ngãi 21st (+5), pillars 12/13/14",
    "S18": "Lao Động: Thanh Hóa 11th, pillars 9/8/8",
    "S19": "baomoi: Bình Dương 0.7411, 7th (+12), pillars 7/31/11; the 2023 pillar means 0.7240 / 0.6817 / 0.6783",
    "S20": "news article: Hải Phòng 8th; pillars 0.7684 (28) / 0.7793 (9) / 0.7383 (10)",
}


def meta_2023(result, seed, parameters, generator, extra=()):
    """meta.yaml of a 2023 dataset (``result`` from :func:`build_2023`)."""
    k, params, checks = result["k"], result["params"], result["checks"]
    corr = np.corrcoef(k / UNIT, rowvar=False)
    off = corr[np.triu_indices(8, 1)]
    change = (rounded_dti(k) - rounded_dti(result["k2022"])) / UNIT
    lines = [
        "name: dti2023-synthetic",
        "synthetic: true",
        'title: "Synthetic Vietnam provincial DTI 2023: 63 provinces x 8 main indicators, drawn jointly with 2022 and calibrated to published figures"',
        "description: >-",
        "  SYNTHETIC DATA. Not the official DTI 2023 main-indicator table, which is not published. Real (published,",
        "  see dti_published/dti_provincial_2023.csv and sources.md): the ordered top twelve (Đà Nẵng, Hồ Chí Minh,",
        "  Thừa Thiên Huế, Lạng Sơn, Cần Thơ, Hà Nội, Bình Dương, Hải Phòng, Bắc Giang, Bà Rịa - Vũng Tàu, Thanh",
        "  Hóa, Quảng Ninh) and Quảng Ngãi 21st; Đà Nẵng 0.8340 with pillar ranks 1/1/1, its eight main-indicator",
        "  ranks and econ activity 0.7262, society activity 0.5881; Bình Dương 0.7411, pillar ranks 7/31/11; Hải",
        "  Phòng's pillars 0.7684 / 0.7793 / 0.7383 ranked 28 / 9 / 10; Thanh Hóa 9/8/8; Quảng Ngãi 12/13/14; Hồ",
        "  Chí Minh 2/2/2; the mean 0.6783, 63/63 at 0.5 or above, 34/63 above the mean; the pillar means 0.7240 /",
        "  0.6817 / 0.6783. Invented: every other value, drawn conditional on a 2022 dataset (each province keeps",
        "  part of its 2022 deviation and grows by a drawn amount) and then moved as little as possible",
        "  (mixed-integer LP) until all the published numbers above are reproduced under the official",
        "  aggregation, 4-decimal rounding and ranks with ties = min. With the 2022 data it was drawn with, every",
        "  published 2022 -> 2023 rank change holds. Use it to exercise methods, never as evidence about a real",
        "  province.",
        "  The digital-society pillar mean 0.6783 (S19) equals the DTI mean and may be a reporting error; it is",
        "  calibrated to, because with the other means it implies a plausible split (foundation 0.7125, activity",
        "  0.7528 / 0.5790 / 0.5643), it matches its stated growth (+18.2 %), and the other means alone already",
        "  force the society-activity mean above 0.44 (see the generator's docstring).",
        "framework: dti-provincial-2022",
        "unit_column: uCode",
        "name_column: uName",
        "group_columns: [region]",
        f"seed: {seed}",
        f"generator: {generator}",
        "decimals: 4",
        f"drawn_with_2022: {result.get('source_2022', 'dti2022-synthetic')}",
        "generator_parameters:", *parameters.yaml_lines(2),
        f"attempt: {result['attempt']}",
        f"draw_seed: [{', '.join(map(str, result['draw_seed']))}]",
        *extra,
        "change_model:",
        "  model: >-",
        "    x23_ij = mu23_j + rho_j (x22_ij - mu22_j) + lambda_j u_i + e_ij: the 2023 means mu23 implied by the",
        "    published DTI and pillar means, a persistence rho_j of each province's 2022 deviation, its growth",
        "    surprise u_i (its target 2023 DTI minus mean and persistence; the targets follow the published places,",
        "    the other provinces ordered by persistence plus N(0, growth_sd^2) growth) spread by loadings lambda_j,",
        "    and noise e_ij ~ N(0, sigma_j^2) conditioned on sum_j w_j e_ij = 0; clipped to [0, upper] and",
        "    projected onto the published 2023 constraints (see the generator's docstring).",
        "  parameters:",
    ]
    for j, c in enumerate(INDICATORS):
        lines.append(f"    {c}: {{mu22: {params['mu22'][j]:.4f}, mu23: {params['mu23'][j]:.4f}, rho: {params['rho'][j]:.2f}, "
                     f"lambda: {params['lambda'][j]:.4f}, sigma: {params['sigma'][j]:.3f}, upper: {UPPER[j]:.1f}}}")
    lines += [
        "  result_dti_change_2022_2023:",
        f"    mean: {change.mean():.4f}",
        f"    sd: {change.std(ddof=1):.4f}",
        f"    min: {change.min():.4f}",
        f"    max: {change.max():.4f}",
        "  result_pearson_63_provinces:",
        f"    mean_pairwise: {off.mean():.3f}",
        f"    min_pairwise: {off.min():.3f}",
        f"    min_pair: [{', '.join(INDICATORS[v] for v in np.argwhere(np.triu(corr, 1) == off.min())[0])}]",
        f"    max_pairwise: {off.max():.3f}",
        "  note: >-",
        "    Society activity can correlate weakly or negatively with the foundation indicators in 2023: the",
        "    published numbers put Đà Nẵng 2nd in society activity at 0.5881 while the pillar means imply a mean",
        "    of 0.5643, so 61 provinces sit in a narrow band below 0.5881 and the strongest provinces are the",
        "    ones held down to it.",
        "calibration_targets:",
    ]
    targets = [
        ("2023 ranks 1-12 and 21 as published (Đà Nẵng ... Quảng Ninh 12, Quảng Ngãi 21), ties = min on 4-decimal DTI", ["S15", "S16", "S17", "S18"]),
        ("Đà Nẵng DTI 0.8340, pillar ranks 1/1/1, main-indicator ranks 1/1/2/1/1/1/6/2, econ activity 0.7262, society activity 0.5881", ["S13", "S14"]),
        ("Hồ Chí Minh pillar ranks 2/2/2", ["S17"]),
        ("Bình Dương DTI 0.7411, pillar ranks 7/31/11", ["S19"]),
        ("Hải Phòng pillars 0.7684 / 0.7793 / 0.7383, ranks 28 / 9 / 10", ["S20"]),
        ("Thanh Hóa pillar ranks 9/8/8; Quảng Ngãi pillar ranks 12/13/14", ["S18", "S17"]),
        ("mean of the 63 rounded DTIs rounds to 0.6783; 63/63 at 0.5 or above; 34/63 above the mean", ["S13", "S16"]),
        ("pillar means 0.7240 / 0.6817 / 0.6783 (mean of the rounded and of the unrounded pillars)", ["S19"]),
        ("with the 2022 data drawn with: every published 2022 -> 2023 rank change", ["S01", "S15", "S17", "S18", "S19", "S20"]),
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


def synthesise(out, seed=SEED, parameters_2022=None, parameters=None, max_attempts=MAX_ATTEMPTS):
    """Draw a 2022 member and its 2023 year, calibrate both, and write them to the new folder ``out``.

    Writes ``data.csv`` (the 2023 year: 63 provinces x 8 main indicators, 4 decimals), ``panel.csv`` (both
    years long, with a ``Time`` column: ``data: {indicators: panel.csv, framework: dti-provincial-2022, groups:
    [region]}`` reads it as a panel), ``meta.yaml`` (``synthetic: true``, seed, parameters of both years, the attempts, every check)
    and ``calibration.csv`` (``year, check, ok, detail``: every published constraint of both years re-checked in
    exact integer arithmetic). Written atomically as :func:`dti_bench.synthesis.dti2022.synthesise` does. The
    default seed and parameters give the bundled ``dti2023-synthetic`` (``data.csv`` byte-identical).

    Parameters
    ----------
    out : path-like
        The folder to create; must not exist or be empty.
    seed : int
        Seed of the pair (:func:`build_pair`).
    parameters_2022 : Dti2022Parameters, optional
    parameters : Dti2023Parameters, optional
    max_attempts : int

    Returns
    -------
    dict
        The :func:`build_2023` result plus ``result_2022`` and ``out``.

    Raises
    ------
    ConfigError
        ``out`` exists and is not an empty folder, or the seed is negative.
    CalibrationError
        No attempt of either year calibrated; the message names the unmet constraint.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "pair"
    >>> result = synthesise(folder)
    >>> sorted(p.name for p in folder.iterdir())
    ['calibration.csv', 'data.csv', 'meta.yaml', 'panel.csv']
    >>> all(ok for _, ok, _ in result["checks"])
    True
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out}: exists and is not empty; name a new folder")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"--seed {seed}: expected a non-negative whole number")
    parameters = DEFAULT_PARAMETERS if parameters is None else parameters
    parameters_2022 = base.DEFAULT_PARAMETERS if parameters_2022 is None else parameters_2022
    result_2022, result = build_pair(int(seed), parameters_2022, parameters, max_attempts)
    result["source_2022"] = result_2022["source"]
    rows = result["rows"]
    profiles = {i: [int(round(float(r[f"{c}_score"]) * UNIT)) for c in INDICATORS] for i, r in enumerate(rows)
                if all(_num(r[f"{c}_score"]) is not None for c in INDICATORS)}
    checks_2022 = result_2022.get("checks") or base.check_main(rows, result_2022["k"], profiles)
    extra = ["generator_parameters_2022:", *parameters_2022.yaml_lines(2),
             f"attempt_2022: {result_2022['attempt']}", "panel: panel.csv", "calibration_report: calibration.csv"]
    meta = meta_2023(result, int(seed), parameters, "dti_bench.synthesis.dti2023 (dti-bench synthesise --year 2023)",
                     extra)
    report = _csv_text(["year", "check", "ok", "detail"],
                       [[year, name, "true" if ok else "false", detail]
                        for year, checks in ((2022, checks_2022), (YEAR, result["checks"]))
                        for name, ok, detail in checks])
    files = (("data.csv", data_csv(rows, result["k"])), ("panel.csv", panel_csv(rows, result_2022["k"], result["k"])),
             ("meta.yaml", meta), ("calibration.csv", report))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        for name, text in files:
            (tmp / name).write_text(text, encoding="utf-8", newline="")
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {**result, "result_2022": result_2022, "out": out}


def write_bundled(datasets_dir=base.HERE):
    """Rewrite the bundled ``dti2023_synthetic/`` (data.csv, meta.yaml) from the default pair; the panel dataset
    ``dti_synthetic_2022_2023/`` is a meta.yaml naming the two bundled years (no copy of their values)."""
    result_2022, result = build_pair()
    result["source_2022"] = "dti2022-synthetic"
    folder = Path(datasets_dir) / MAIN_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.csv").write_text(data_csv(result["rows"], result["k"]), encoding="utf-8", newline="")
    meta = meta_2023(result, SEED, DEFAULT_PARAMETERS, "dti_bench.synthesis.dti2023.write_bundled")
    (folder / "meta.yaml").write_text(meta, encoding="utf-8", newline="")
    return result
