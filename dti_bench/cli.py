"""The ``dti-bench`` console script: argument parsing and nothing else.

A user error prints one line (``dti-bench: error: ...``) naming the key, file, row or column and the valid
choices, and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import NoReturn

from dti_bench.errors import MethodologyWarning, UserError

EXIT_USAGE = 2
#: Interrupted by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    from dti_bench import __version__

    parser = _Parser(prog="dti-bench", description="Composite-indicator methodology benchmarks (Vietnam DTI and more).")
    parser.add_argument("--version", action="version", version=f"dti-bench {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    run = sub.add_parser("run", help="run an experiment config and write a new run folder")
    run.add_argument("config", help="experiment config (YAML)")
    run.add_argument("--out", default="experiments", help="parent folder of run folders (default: experiments)")
    run.add_argument("--seed", type=int, help="override every analysis seed")
    run.add_argument("--samples", type=int, help="override the Monte Carlo sample size (uncertainty, PAWN); Sobol' "
                                                 "base sizes and Morris trajectories keep the config's")
    run.add_argument("--quiet", action="store_true", help="no summary or progress output")
    run.add_argument("--dask-address", metavar="ADDR",
                     help="dask scheduler for executor: dask (else $DTI_BENCH_DASK_ADDRESS, else a local cluster); "
                          "the run sends it the data and unpickles its replies: name only a scheduler you trust")
    run.add_argument("--figures", choices=("none", "headline", "all"),
                     help="which figures to draw: none, headline (every analysis' figures, the grid's for the "
                          "headline composite only) or all (the grid's for every composite); default the config's "
                          "output.figures, else headline")
    run.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=None,
                     help="also write every figure as PDF, or not (default: the config's output.pdf, else PNG only)")
    val = sub.add_parser("validate", help="check a config, its data and framework without running it")
    val.add_argument("config")
    sub.add_parser("datasets", help="list the bundled datasets and published tables")
    sub.add_parser("frameworks", help="list the bundled frameworks")
    rep = sub.add_parser("report", help="write the audit report (one self-contained HTML file) of a run folder")
    rep.add_argument("run_dir", help="a run folder (holding manifest.json)")
    rep.add_argument("--out", help="the HTML file to write (default: RUN_DIR/report.html)")
    syn = sub.add_parser("synthesise", help="draw a synthetic DTI dataset calibrated to the published figures")
    syn.add_argument("--year", type=int, choices=(2022, 2023), required=True, help="DTI edition to imitate")
    syn.add_argument("--seed", type=int, default=20220712,
                     help="seed of the draw (default 20220712: the bundled dti2022-synthetic; for 2023 the seed "
                          "draws the 2022 member and its 2023 year: the default gives the bundled pair)")
    syn.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="a free parameter of the draw, repeatable: loadings.<indicator>, noise_sd.<indicator>, "
                          "gap_sigma (2022); for 2023 also persistence.<indicator>, growth_sd, "
                          "change_loadings.<indicator>, change_noise_sd.<indicator> (names and ranges in the README)")
    syn.add_argument("--ensemble", type=int, default=None, metavar="K",
                     help="write an ensemble of K calibrated draws spanning the free parameters instead of one draw "
                          "(--seed and --parameter then do not apply; K = 50 makes the bundled "
                          "dti2022-synthetic-ensemble, or with --year 2023 dti2023-synthetic-ensemble: two-year "
                          "panels whose 2022 years are the 2022 ensemble's first K members)")
    syn.add_argument("--workers", type=int, default=1,
                     help="processes drawing ensemble members (the members do not depend on it)")
    syn.add_argument("--out", required=True, help="the new dataset folder (must not exist or be empty)")
    return parser


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM unwinds like Ctrl-C: the run folder's temporary files are removed on the way out
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # `dti-bench` alone: what it can do, not just a complaint
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    previous = signal.signal(signal.SIGTERM, _terminate) if threading.current_thread() is threading.main_thread() \
        else None
    try:
        with warnings.catch_warnings():
            # the run summary and `validate` print the methodology warnings themselves, once each
            warnings.simplefilter("ignore", MethodologyWarning)
            if args.command == "run":
                from dti_bench.engine.memory import tune_allocator
                from dti_bench.experiment import run

                if args.samples is not None and args.samples < 1:
                    raise UserError(f"--samples: expected a positive whole number, got {args.samples}")
                tune_allocator()  # the command owns its process: chunks may keep freed memory for reuse
                run(args.config, out=args.out, seed=args.seed, samples=args.samples, quiet=args.quiet,
                    figures=args.figures, pdf=args.pdf, dask_address=args.dask_address)
            elif args.command == "validate":
                from dti_bench.experiment import Study, warning_lines

                study = Study.from_config(args.config)
                for line in warning_lines(study.warnings):
                    print(line)
                print(f"{args.config}: ok ({study.describe()})")
            elif args.command == "datasets":
                print(_list_datasets())
            elif args.command == "frameworks":
                print(_list_frameworks())
            elif args.command == "report":
                from dti_bench.reporting.html import write_report

                print(f"report: {write_report(args.run_dir, out=args.out, progress=True)}")
            elif args.command == "synthesise":
                _synthesise(args)
    except UserError as err:
        sys.stderr.write(f"dti-bench: error: {_one_line(str(err))}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("dti-bench: interrupted; nothing was left behind\n")
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def _synthesise(args: argparse.Namespace) -> None:
    if args.ensemble is not None:
        _synthesise_ensemble(args)
        return
    if args.year == 2023:
        from dti_bench.synthesis import dti2022, dti2023

        for_2022, for_2023 = dti2023.split_overrides(args.parameter)
        result = dti2023.synthesise(args.out, seed=args.seed,
                                    parameters_2022=dti2022.DEFAULT_PARAMETERS.with_overrides(for_2022),
                                    parameters=dti2023.DEFAULT_PARAMETERS.with_overrides(for_2023))
        ok = sum(1 for _, passed, _ in result["checks"] if passed)
        print(f"synthesise: {result['out']} (seed {args.seed}, 2023 attempt {result['attempt']} drawn with the 2022 "
              f"year of {result['source_2022']}; {ok}/{len(result['checks'])} 2023 checks hold; calibration.csv "
              f"lists both years', panel.csv holds both years)")
        return
    from dti_bench.synthesis import dti2022

    parameters = dti2022.DEFAULT_PARAMETERS.with_overrides(args.parameter)
    result = dti2022.synthesise(args.out, seed=args.seed, parameters=parameters)
    ok = sum(1 for _, passed, _ in result["checks"] if passed)
    print(f"synthesise: {result['out']} (seed {args.seed}, attempt {result['attempt']}, "
          f"{ok}/{len(result['checks'])} checks hold; calibration.csv lists them)")


def _synthesise_ensemble(args: argparse.Namespace) -> None:
    from dti_bench.synthesis import ensemble

    if args.parameter or args.seed != 20220712:
        raise UserError("synthesise --ensemble: --seed and --parameter do not apply (each member's seed and "
                        "parameters come from the ensemble's design)")
    if args.workers < 1:
        raise UserError(f"--workers: expected a positive whole number, got {args.workers}")

    def progress(drawn: "ensemble.MemberDraw") -> None:
        print(f"  member {drawn.member}: seed {drawn.meta['seed']}, attempt {drawn.meta['attempt']}, "
              f"{drawn.meta['checks']}", flush=True)

    out = ensemble.write_ensemble(args.out, args.year, args.ensemble, workers=args.workers, progress=progress)
    print(f"synthesise: {out} ({args.ensemble} members; meta.yaml lists each member's seed and parameters)")


def _one_line(message: str) -> str:
    """A message on one line (a value quoted from a file may hold newlines)."""
    return " ".join(message.splitlines())


def _list_datasets() -> str:
    from dti_bench import io

    lines = ["Indicator datasets (usable as data.dataset):"]
    for name, meta in io.bundled_datasets().items():
        tag = "SYNTHETIC" if meta.get("synthetic") else "real"
        lines.append(f"  {name:<36} {tag:<9} framework {meta.get('framework')}: {meta.get('title', '')}")
    lines.append("Published DTI tables (partial where the sources are; dti_bench.io.published_table):")
    for path in sorted(io.PUBLISHED_DIR.glob("dti_provincial_*.csv")):
        table = io.published_table(path.stem)
        ranked = (table["rank"].str.strip() != "").sum()
        valued = (table["dti_score"].str.strip() != "").sum()
        lines.append(f"  {path.stem:<36} {len(table)} rows, {ranked} ranks, {valued} DTI values")
    lines.append(f"Sources: {io.PUBLISHED_DIR / 'sources.md'}")
    return "\n".join(lines)


def _list_frameworks() -> str:
    from dti_bench import io

    lines = []
    for name, path in io.bundled_frameworks().items():
        fw = io.load_framework(name)
        lines.append(f"  {fw.describe()}")
        source = fw.meta.get("source")
        if source:
            lines.append(f"      source: {source}")
    return "Bundled frameworks:\n" + "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
