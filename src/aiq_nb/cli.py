"""The command line: ``aiq-nb report``, ``aiq-nb import``, ``aiq-nb sample``.

Exit codes: 0 done; 1 the report failed (nothing published); 2 bad arguments or bad
input data.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from aiq_nb.errors import AiqNbError, DataError, ParameterError, ReportError
from aiq_nb.parameters import load_parameters, make_parameters

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
IMPORTERS = ("completejourney",)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args))
    except (DataError, ParameterError) as error:
        logger.error("%s", error)
        return EXIT_BAD_INPUT
    except (ReportError, AiqNbError) as error:
        logger.error("%s", error)
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiq-nb", description="Campaign attribution reports for retail marketing."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    report = commands.add_parser("report", help="render a period's HTML reports")
    report.add_argument("--params", type=Path, help="a parameters YAML file")
    report.add_argument("--data", help="dataset folder (default: the bundled sample)")
    report.add_argument(
        "--period",
        help="YYYY-MM, a preset (last-month, last-7-days, month-to-date, "
        "last-3-months, year-to-date, all-time) or START..END",
    )
    report.add_argument("--as-of", help="YYYY-MM-DD the presets are relative to")
    report.add_argument("--view", choices=("all", "campaigns", "flows"))
    for name in ("campaign", "channel", "tag", "status"):
        report.add_argument(
            f"--{name}", action="append", help=f"filter by {name} (repeatable)"
        )
    report.add_argument("--out", type=Path, default=Path("reports"), help="reports folder")
    report.add_argument(
        "--timeout", type=int, default=600, help="seconds any one cell may run"
    )
    report.add_argument(
        "--notebooks", type=Path, help=argparse.SUPPRESS
    )
    report.set_defaults(run=_report)

    importer = commands.add_parser("import", help="convert a public dataset")
    importer.add_argument("source_kind", choices=IMPORTERS)
    importer.add_argument("src", type=Path, help="the raw dataset folder")
    importer.add_argument("dest", type=Path, help="the dataset folder to write")
    importer.set_defaults(run=_import)

    sample = commands.add_parser("sample", help="write the synthetic sample dataset")
    sample.add_argument("dest", type=Path)
    sample.set_defaults(run=_sample)
    return parser


def _report(args: argparse.Namespace) -> int:
    from aiq_nb.render import NOTEBOOKS_DIR, render_report

    base = load_parameters(args.params).to_notebook() if args.params else {}
    overrides = {
        "data_dir": args.data,
        "period": args.period,
        "as_of": args.as_of,
        "view": args.view,
        "campaigns": args.campaign,
        "channels": args.channel,
        "tags": args.tag,
        "status": args.status,
    }
    values = {**base, **{k: v for k, v in overrides.items() if v is not None}}
    rendered = render_report(
        make_parameters(values),
        args.out,
        notebooks_dir=args.notebooks or NOTEBOOKS_DIR,
        timeout_s=args.timeout,
    )
    for path in rendered.html:
        print(path)
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from aiq_nb.importers.completejourney import import_completejourney

    print(import_completejourney(args.src, args.dest))
    return EXIT_OK


def _sample(args: argparse.Namespace) -> int:
    from aiq_nb.sample import write_sample_dataset

    print(write_sample_dataset(args.dest))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
