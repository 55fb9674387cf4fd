"""Y1 — uncertainty throughput: samples per second of a full uncertainty analysis, against fair baselines.

Batch: treatment winmax in 1..5, normalisation in {min-max [1, 100], z-score (10, 2)}, aggregation in
{arithmetic, geometric}, ±25 % weight noise at two levels; on the SYNTHETIC 51 x 49 four-level index and on the
63 x 98 synthetic DTI. Five jobs, run in interleaved rounds (engine, fair loop, rebuild, full bound, product bound,
then again), each ratio taken within a round:

- **engine**: :func:`dti_bench.uncertainty` as a run calls it (setup, draws, weights, scores, ranks, statistics).
- **fair loop** (:class:`FairLoop`): what a competent numpy user writes in thirty lines: the ten treated and
  normalised matrices computed once, then per sample one weight vector, one weighted (or log-weighted) mean per
  composite and one rank, with the rank counts and shifts; checked equal to the rebuild on the first samples.
- **rebuild** (:func:`rebuild_loop`): the index rebuilt per sample through ``compute_index`` (the framework
  re-weighted, the methodology parsed, pandas frames), as COINr's ``get_sensitivity`` does.
- **full-job bound** (:func:`full_job_bound`): the whole job in plain vectorised numpy, chunk by chunk: the draws,
  their mapping to settings and edge weights, weights normalised within parents and multiplied down the paths,
  one matrix product per setting, the ranks, the counts, the shifts, R̄s and Spearman. It leaves out only the
  missing-data corrections (the ASEM shape's 3 % empty cells; the DTI has none) and every check, so it is what
  the engine could reach with nothing but numpy.
- **product bound** (:func:`product_bound`): one weighted sum and one rank per sample, nothing else (the old
  "bare-numpy bound"; it bounds a smaller job).

Targets: >= 1e5 samples/s on one core; engine within 1.5x of the full-job bound.
"""

from __future__ import annotations

import sys

import numpy as np
from threadpoolctl import threadpool_limits

from common import (FOUR_FACTORS, NOMINAL, asem_shape, dti_components, factors, interleaved, paired_ratios, rates,
                    save, table)
from dti_bench.analyses.sampling import monte_carlo, to_batch
from dti_bench.analyses.uncertainty import uncertainty as run_uncertainty
from dti_bench.engine.kernels import rank_rows
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.index import compute_index, prepare_indicators

#: Samples per chunk, for the engine and the vectorised bounds alike.
CHUNK = 8192


def _settings():
    """The discrete settings of FOUR_FACTORS: treatments, normalisations, aggregation methods."""
    treat, normalise, aggregate, _ = FOUR_FACTORS
    return treat["choices"], normalise["choices"], aggregate["choices"]


class Plain:
    """What both plain baselines share: the cached matrices and the tree as index arrays (built once, timed)."""

    def __init__(self, fw, ds, fs):
        treatments, normalisations, self.methods = _settings()
        # the package's own steps 1-4 (treat, orient, normalise), once per (treatment, normalisation): a plain
        # loop would cache exactly these ten matrices too
        self.x = np.stack([np.stack([prepare_indicators(fw, ds, NOMINAL.vary({"treat": t, "normalise": n})).normalised
                                     for n in normalisations]) for t in treatments])  # (5, 2, units, indicators)
        self.units, self.n_nodes = len(ds.units), len(fw.nodes)
        self.head = fw.nodes.index(fw.require_headline())
        index = {code: i for i, code in enumerate(fw.nodes)}
        self.edge_parent = np.array([index[e.parent] for e in fw.edges])
        self.edge_child = np.array([index[e.child] for e in fw.edges])
        self.nominal_w = np.array([e.weight for e in fw.edges])
        below = {fw.require_headline()}  # only the composites under the headline are computed (not the DTI's
        for c in reversed(fw.composites):  # unaggregated pillars): parents come after their children
            if c in below:
                below.update(fw.children(c))
        self.composites = [(index[c], np.flatnonzero(self.edge_parent == index[c])) for c in fw.composites
                           if c in below]
        self.noise = fs[3]
        self.noise_edges = np.asarray(self.noise.edges)
        e = self.noise_edges
        self.noise_slice = slice(e[0], e[-1] + 1) if len(e) and np.all(np.diff(e) == 1) else None
        self.nominal_ranks = compute_index(fw, ds, NOMINAL).rank_values[fw.require_headline()].to_numpy()

    def settings(self, u: np.ndarray):
        """Columns of the unit hypercube -> treatment, normalisation and method indices, edge weights."""
        k = [5, 2, 2]
        idx = [np.minimum((u[..., j] * k[j]).astype(int), k[j] - 1) for j in range(3)]
        w = np.empty(u.shape[:-1] + self.nominal_w.shape)
        w[...] = self.nominal_w
        factor = u[..., 3:3 + len(self.noise_edges)] * 2.0  # 1 + (2u - 1)·noise, in place
        factor -= 1.0
        factor *= self.noise.noise
        factor += 1.0
        if self.noise_slice is not None:  # contiguous edges: a view, not a gather and a scatter
            w[..., self.noise_slice] *= factor
        else:
            w[..., self.noise_edges] *= factor
        return idx, w


class FairLoop(Plain):
    """The fair naive loop: one sample at a time, everything that can be cached cached."""

    def run(self, fs, samples: int, seed: int = 1, keep: int = 0, u_all: np.ndarray | None = None):
        u_all = monte_carlo(fs, seed, 0, samples) if u_all is None else u_all
        units, nodes = self.units, self.n_nodes
        frequency = np.zeros((units, units), dtype=np.int64)
        abs_shift = np.zeros(units)
        kept = []
        for u in u_all:
            (t, n, a), w = self.settings(u)
            v = np.empty((units, nodes))
            v[:, :self.x.shape[-1]] = self.x[t, n]
            geometric = self.methods[a] == "geometric"
            for node, edges in self.composites:
                kids, we = v[:, self.edge_child[edges]], w[edges]
                present = ~np.isnan(kids)
                terms = np.log(kids) if geometric else kids
                mean = np.nansum(terms * we, axis=1) / (present * we).sum(axis=1)
                v[:, node] = np.exp(mean) if geometric else mean
            s = v[:, self.head]
            ordered = np.sort(-s)
            ranks = np.searchsorted(ordered, -s, side="left") + 1.0  # ties 'min'
            ranks[np.isnan(s)] = np.nan
            ok = ~np.isnan(ranks)
            frequency[np.flatnonzero(ok), ranks[ok].astype(int) - 1] += 1
            abs_shift += np.nan_to_num(np.abs(ranks - self.nominal_ranks))
            if len(kept) < keep:
                kept.append(ranks)
        return frequency, abs_shift, kept


def rebuild_loop(fw, ds, fs, samples: int, seed: int = 1, keep: int = 0):
    """One full rebuild per sample, as COINr does: methodology parsed, framework re-weighted, compute_index."""
    head = fw.require_headline()
    kept = []
    for row in monte_carlo(fs, seed, 0, samples):
        d = to_batch(row[None], fs, fw, NOMINAL)
        variant = fw.with_weights({(e.parent, e.child): e.weight * f for e, f in zip(fw.edges, d.weight_factor[0])})
        try:
            ranks = compute_index(variant, ds, d.methodologies[d.which[0]]).rank_values[head].to_numpy()
        except Exception:
            ranks = None  # a failed variant costs what it cost
        if len(kept) < keep:
            kept.append(ranks)
    return kept


class FullJobBound(Plain):
    """The whole Monte Carlo job in plain vectorised numpy (no missing-data corrections, no checks)."""

    def __init__(self, fw, ds, fs):
        super().__init__(fw, ds, fs)
        # edges come grouped by parent: within-parent sums are one reduceat over contiguous column runs
        self.starts = np.flatnonzero(np.r_[True, self.edge_parent[1:] != self.edge_parent[:-1]])
        self.counts = np.diff(np.r_[self.starts, len(self.edge_parent)])
        # effective weights top-down: a node's is the sum over its parents of the parent's times the edge's
        # normalised weight; the edges below the headline in rounds by the parent's distance from it, so each
        # round is one vectorised multiply (nodes not under the headline, e.g. the DTI's unaggregated pillars,
        # keep weight 0 and are left out)
        frontier, rounds = [self.head], []
        while frontier:
            edges = np.flatnonzero(np.isin(self.edge_parent, frontier))
            if not len(edges):
                break
            rounds.append(edges)
            frontier = sorted(set(self.edge_child[edges].tolist()))
        self.rounds = rounds
        self.unique_children = all(len(np.unique(self.edge_child[e])) == len(e) for e in rounds)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.phi = np.stack([np.nan_to_num(self.x), np.nan_to_num(np.log(self.x), nan=0.0, neginf=0.0)])

    def ranks(self, u: np.ndarray) -> np.ndarray:
        """(samples, units) ranks of the headline for unit-hypercube rows ``u``.

        Weights are kept as (edges, samples): the walk down the tree then gathers whole rows, not strided columns.
        """
        k = [5, 2, 2]
        t, n, a = (np.minimum((u[:, j] * k[j]).astype(int), k[j] - 1) for j in range(3))
        setting = (t * 2 + n) * 2 + a
        order = np.argsort(setting, kind="stable")  # samples grouped by setting: each product takes a slice
        u, setting = u[order], setting[order]
        w = np.empty((len(self.nominal_w), len(u)))
        w[...] = self.nominal_w[:, None]
        factor = u[:, 3:3 + len(self.noise_edges)].T * 2.0  # 1 + (2u - 1)·noise, in place
        factor -= 1.0
        factor *= self.noise.noise
        factor += 1.0
        w[self.noise_slice if self.noise_slice is not None else self.noise_edges] *= factor
        w /= np.repeat(np.add.reduceat(w, self.starts, axis=0), self.counts, axis=0)  # normalised within parents
        node = np.zeros((self.n_nodes, len(u)))
        node[self.head] = 1.0
        for edges in self.rounds:
            contribution = node[self.edge_parent[edges]] * w[edges]
            if self.unique_children:
                node[self.edge_child[edges]] += contribution
            else:
                np.add.at(node, self.edge_child[edges], contribution)
        eff = node[:self.x.shape[-1]]                                                 # effective weights
        scores = np.empty((len(u), self.units))
        bounds = np.searchsorted(setting, np.arange(21))
        for s in range(20):
            lo, hi = bounds[s], bounds[s + 1]
            if hi > lo:
                scores[lo:hi] = (self.phi[s % 2, s // 4, (s // 2) % 2] @ eff[:, lo:hi]).T
        ranks = np.empty_like(scores)
        np.put_along_axis(ranks, np.argsort(-scores, axis=1), np.arange(1.0, self.units + 1), axis=1)
        out = np.empty_like(ranks)
        out[order] = ranks  # back in sample order
        return out

    def run(self, fs, samples: int, seed: int = 1):
        units = self.units
        counts = np.zeros(units * units, dtype=np.int64)
        abs_shift = np.zeros(units)
        rbar, spearman, max_shift = (np.empty(samples) for _ in range(3))
        r0 = self.nominal_ranks
        dim = 3 + len(self.noise_edges)
        with reuse_freed_memory():
            for start in range(0, samples, CHUNK):
                stop = min(samples, start + CHUNK)
                ranks = self.ranks(np.random.default_rng([seed, start]).random((stop - start, dim)))
                counts += np.bincount((np.arange(units) * units + ranks.astype(np.int64) - 1).ravel(),
                                      minlength=units * units)
                d = np.abs(ranks - r0)
                abs_shift += d.sum(axis=0)
                rbar[start:stop] = d.mean(axis=1)
                max_shift[start:stop] = d.max(axis=1)
                spearman[start:stop] = 1 - 6 * (d * d).sum(axis=1) / (units * (units * units - 1))
        return counts.reshape(units, units), abs_shift, rbar, spearman, max_shift


def product_bound(x: np.ndarray, w: np.ndarray, chunk: int = CHUNK) -> None:
    """One weighted sum and one rank per sample, in the engine's chunks under its memory policy."""
    with reuse_freed_memory():
        for start in range(0, len(w), chunk):
            rank_rows(w[start:start + chunk] @ x.T)


def check_fair_loop(fw, ds, fs, fair: FairLoop, samples: int = 40) -> int:
    """Samples (of the first ``samples``) where the fair loop's ranks differ from the rebuild's; must be 0."""
    _, _, mine = fair.run(fs, samples, keep=samples)
    theirs = rebuild_loop(fw, ds, fs, samples, keep=samples)
    return sum(1 for a, b in zip(mine, theirs)
               if b is not None and not np.array_equal(np.nan_to_num(a, nan=-1), np.nan_to_num(b, nan=-1)))


def measure(label: str, fw, ds, samples: int, fair_samples: int, rebuild_samples: int, rounds: int) -> dict:
    fs = factors(fw)
    fair, full = FairLoop(fw, ds, fs), FullJobBound(fw, ds, fs)
    mismatches = check_fair_loop(fw, ds, fs, fair)
    # the bound computes the same ranks as the fair loop where it is exact (no missing cells, no ties)
    u = monte_carlo(fs, 1, 0, 40)
    bound_mismatches = None if np.isnan(fair.x).any() else int(
        (full.ranks(u) != np.array(fair.run(fs, 40, keep=40, u_all=u)[2])).any(axis=1).sum())
    x = np.nan_to_num(prepare_indicators(fw, ds, NOMINAL).normalised)
    w = np.random.default_rng(0).random((samples, x.shape[1]))
    jobs = {
        "engine": lambda: run_uncertainty(fw, ds, NOMINAL, fs, n=samples, seed=1, chunk_size=CHUNK),
        # the plain loops' setup (ten treated, normalised matrices) is counted, as the engine's is
        "fair loop": lambda: FairLoop(fw, ds, fs).run(fs, fair_samples),
        "rebuild": lambda: rebuild_loop(fw, ds, fs, rebuild_samples),
        "full-job bound": lambda: FullJobBound(fw, ds, fs).run(fs, samples),
        "product bound": lambda: product_bound(x, w),
    }
    work = {"engine": samples, "fair loop": fair_samples, "rebuild": rebuild_samples, "full-job bound": samples,
            "product bound": samples}
    times = interleaved(jobs, repeats=rounds)
    ratios = {f"engine/{name}": paired_ratios(times, work, "engine", name) for name in ("fair loop", "rebuild")}
    ratios.update({f"{name}/engine": paired_ratios(times, work, name, "engine")
                   for name in ("full-job bound", "product bound")})
    return {"index": label, "units": len(ds.units), "indicators": len(fw.indicators), "work": work,
            "fair_loop_mismatches": mismatches, "full_bound_mismatches": bound_mismatches, "times_s": times, "samples_per_s": rates(times, work),
            "ratios": ratios}


def main(samples: int = 50_000, fair_samples: int = 3_000, rebuild_samples: int = 60, rounds: int = 5) -> dict:
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):  # one core, as the target says
        for label, (fw, ds) in (("asem-shape 51x49 (SYNTHETIC)", asem_shape()),
                                ("DTI 63x98 (" + dti_components()[1].name + ")", dti_components())):
            rows.append(measure(label, fw, ds, samples, fair_samples, rebuild_samples, rounds))
    lines = [("index", "engine samples/s", "fair loop", "rebuild", "engine/fair", "engine/rebuild",
              "full bound/engine", "product bound/engine")]
    for r in rows:
        s, q = r["samples_per_s"], r["ratios"]

        def ratio(key, q=q):
            return f"{q[key]['median']:,.1f}x ({q[key]['min']:,.1f}-{q[key]['max']:,.1f})"

        lines.append((r["index"], f"{s['engine']['median']:,.0f}", f"{s['fair loop']['median']:,.0f}/s",
                      f"{s['rebuild']['median']:,.0f}/s", ratio("engine/fair loop"), ratio("engine/rebuild"),
                      ratio("full-job bound/engine"), ratio("product bound/engine")))
    print(f"Y1 uncertainty throughput ({rounds} interleaved rounds, ratios per round: median (min-max); one BLAS thread)")
    print(table(lines))
    for r in rows:
        if r["fair_loop_mismatches"]:
            print(f"   WARNING {r['index']}: the fair loop differs from the rebuild on {r['fair_loop_mismatches']} "
                  f"of 40 samples")
        if r["full_bound_mismatches"]:
            print(f"   WARNING {r['index']}: the full-job bound differs from the fair loop on "
                  f"{r['full_bound_mismatches']} of 40 samples")
    result = {"rows": rows, "targets": {"engine_samples_per_s": 1e5, "full_bound_over_engine_max": 1.5}}
    print(f"-> {save('y1_uncertainty', result)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
