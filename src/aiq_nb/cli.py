"""The command line: ``aiq-nb report``, ``aiq-nb import``, ``aiq-nb sample``.

Exit codes: 0 done; 1 the report failed (nothing published for that period; in a
backfill, the other months are published); 2 bad arguments or bad input data.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from aiq_nb.errors import AiqNbError, DataError, ParameterError, ReportError
from aiq_nb.parameters import RunParameters, load_parameters, merge_parameters

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
IMPORTERS = ("completejourney",)
DEFAULT_TIMEOUT_S = 600
DEFAULT_WORKERS = 2


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

    report = commands.add_parser(
        "report", help="render a period's HTML reports (or every month of a range)"
    )
    report.add_argument("--params", type=Path, help="a parameters YAML file")
    report.add_argument("--data", help="dataset folder (default: the bundled sample)")
    report.add_argument(
        "--period",
        help="YYYY-MM, a preset (last-month, last-7-days, month-to-date, "
        "last-3-months, year-to-date, all-time) or START..END",
    )
    report.add_argument(
        "--from-month", metavar="YYYY-MM", help="backfill: every month from this one"
    )
    report.add_argument(
        "--to-month", metavar="YYYY-MM", help="... to this one (default: --from-month)"
    )
    report.add_argument("--as-of", help="YYYY-MM-DD the presets are relative to")
    report.add_argument("--view", choices=("all", "campaigns", "flows"))
    for name in ("campaign", "channel", "tag", "status"):
        report.add_argument(
            f"--{name}", action="append", help=f"filter by {name} (repeatable)"
        )
    report.add_argument("--out", type=Path, default=Path("reports"), help="reports folder")
    report.add_argument(
        "--timeout", type=int, default=DEFAULT_TIMEOUT_S,
        help=f"seconds any one cell may run (default {DEFAULT_TIMEOUT_S})",
    )
    report.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS,
        help=f"notebooks run at the same time (default {DEFAULT_WORKERS})",
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

    parameters = merge_parameters(
        load_parameters(args.params) if args.params else None,
        {
            "data_dir": args.data,
            "period": args.period,
            "as_of": args.as_of,
            "view": args.view,
            "campaigns": args.campaign,
            "channels": args.channel,
            "tags": args.tag,
            "status": args.status,
        },
    )
    options = {
        "notebooks_dir": args.notebooks or NOTEBOOKS_DIR,
        "timeout_s": args.timeout,
        "workers": args.workers,
    }
    if args.from_month or args.to_month:
        return _backfill(args, parameters, options)
    rendered = render_report(parameters, args.out, **options)
    for path in rendered.html:
        print(path)
    return EXIT_OK


def _backfill(
    args: argparse.Namespace, parameters: RunParameters, options: dict[str, Any]
) -> int:
    """Render every month of --from-month..--to-month; exit 1 naming failed months."""
    from aiq_nb.render import months_between, render_months

    if args.period:
        raise ParameterError("give --period or --from-month/--to-month, not both")
    if not args.from_month:
        raise ParameterError("--to-month needs --from-month")
    months = months_between(args.from_month, args.to_month or args.from_month)
    with logging_redirect_tqdm(), tqdm(
        total=len(months), unit="month", desc="report", file=sys.stderr
    ) as bar:

        def advance(month: str, error: str | None) -> None:
            bar.set_postfix_str(f"{month} {'FAILED' if error else 'ok'}")
            bar.update()

        result = render_months(
            parameters, months, args.out, on_month=advance, **options
        )
    for rendered in result.published:
        print(rendered.folder)
    if result.failed:
        logger.error(
            "%d of %d months failed: %s (the others are published)",
            len(result.failed), len(months), ", ".join(result.failed),
        )
        return EXIT_FAILED
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
