"""Run parameters → a period's executed notebooks, HTML pages and CSV exports.

``render_report`` renders one period into ``<out>/<label>/``: each report notebook
(``campaign_report``, ``flow_report``), one ``campaigns/<campaign_id>.html`` per
campaign listed in the period (from ``campaign_detail``), each beside its executed
notebook, the CSV exports of both attribution modes, ``parameters.json`` and an
``index.html`` of the pages. ``render_months`` does the same for every month of a
range. After every run, ``<out>/index.html`` links every period found under ``<out>``,
newest first.

Notebooks run with Papermill (with a cell timeout, on a kernel that runs this very
Python, several at a time) and become HTML without code or prompts through nbconvert.
Everything is built in a temporary folder beside the destination and moved into place
only when all of it succeeded, so a reader never sees a half-built report, a failed
run publishes nothing under the final names, and a rerun replaces the period whole (no
page of a campaign that is no longer listed survives). A failed notebook is kept under
``<out>/failed/`` for diagnosis.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import html
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import papermill
from nbconvert import HTMLExporter

from aiq_nb.errors import AiqNbError, DataError, ParameterError, ReportError
from aiq_nb.load import Dataset, load_dataset
from aiq_nb.parameters import RunParameters, merge_parameters, report_options
from aiq_nb.periods import MONTH_PATTERN, Period, resolve_period
from aiq_nb.report import Report, build_report
from aiq_nb.sample import sample_dataset_path

logger = logging.getLogger(__name__)

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "aiq_report"
REPORT_NOTEBOOKS = ("campaign_report", "flow_report")
DETAIL_NOTEBOOK = "campaign_detail"
DETAIL_DIR = "campaigns"
DETAIL_PARAMETER = "campaign_id"
DEFAULT_TIMEOUT_S = 600
DEFAULT_WORKERS = 2
KERNEL_NAME = "aiq-nb-python"
KERNEL_LANGUAGE = "python"
FAILED_DIR = "failed"
PUBLISH_ATTEMPTS = 5
FAILED_SUFFIX = ".FAILED.ipynb"
INDEX_FILE = "index.html"
PARAMETERS_FILE = "parameters.json"
MODES = ("broad", "strict")
SAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
SAFE_NAME_MAX = 80
HASH_CHARS = 8
RANGE_LABEL = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})$")
ALL_TIME_LABEL = re.compile(r"^all-time_to_(\d{4}-\d{2}-\d{2})$")
PAGE_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
    "padding:0 1rem;color:#222}a{color:#0b5cad}li{margin:.2rem 0}"
    ".muted{color:#666;font-size:.9em}"
)


@dataclass(frozen=True)
class RenderedReport:
    """Where a rendered period went: its folder and the HTML files in it."""

    label: str
    folder: Path
    html: tuple[Path, ...]


@dataclass(frozen=True)
class BackfillResult:
    """The outcome of a range of months: what was published, what failed and why."""

    published: tuple[RenderedReport, ...]
    failed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Job:
    """One notebook to execute and convert inside a period's staging folder."""

    name: str
    source: Path
    executed: Path
    html: Path
    title: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class _Settings:
    """How notebooks run: where they are, the cell timeout, workers, the kernel."""

    notebooks_dir: Path
    timeout_s: int
    workers: int
    kernel_name: str = KERNEL_NAME


def render_report(
    parameters: RunParameters | Mapping[str, Any] | None = None,
    out: str | Path = "reports",
    *,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    workers: int = DEFAULT_WORKERS,
    **values: Any,
) -> RenderedReport:
    """Render the report set of one period into ``<out>/<label>/``.

    Parameters
    ----------
    parameters
        Run parameters (a :class:`RunParameters`, or a mapping as in a YAML file).
    out
        The reports folder; the period goes in a sub-folder named by its label
        (``2025-12``, ``2025-12-01_2025-12-15``, ``all-time_to_2026-01-10``).
    notebooks_dir
        Where the notebooks are; those of :data:`REPORT_NOTEBOOKS` and
        :data:`DETAIL_NOTEBOOK` that are missing are skipped with a warning.
    timeout_s
        The longest any one cell may run, in seconds (default 600).
    workers
        How many notebooks run at the same time (default 2), each on its own kernel.
    **values
        Parameters as Python values, overriding ``parameters``: ``data_dir``,
        ``period`` (a month, a preset, ``"START..END"`` or a pair of dates),
        ``as_of`` (a date or ``YYYY-MM-DD``), ``view``, and the filters
        ``campaigns``, ``channels``, ``tags``, ``status`` (one value or a list).

    Returns
    -------
    RenderedReport

    Raises
    ------
    ReportError
        When a notebook fails or times out; nothing is published.
    DataError, ParameterError
        Bad input data or parameters; no notebook runs.
    """
    run = _resolve_data_dir(merge_parameters(parameters, values))
    out_dir = _reports_folder(out)
    settings = _settings(notebooks_dir, timeout_s, workers)
    ds = load_dataset(run.data_dir)
    try:
        with python_kernel() as kernel_name:
            settings = replace(settings, kernel_name=kernel_name)
            return _render_period(ds, run, out_dir, settings)
    finally:
        write_reports_index(out_dir)


def render_months(
    parameters: RunParameters | Mapping[str, Any] | None,
    months: Sequence[str],
    out: str | Path = "reports",
    *,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    workers: int = DEFAULT_WORKERS,
    on_month: Callable[[str, str | None], None] | None = None,
) -> BackfillResult:
    """Render each month of ``months`` as its own period, publishing each one alone.

    A month that fails is reported in the result and does not stop the others.

    Parameters
    ----------
    parameters
        The run parameters; their period is replaced by each month in turn.
    months
        Months as ``YYYY-MM`` (see :func:`months_between`).
    out, notebooks_dir, timeout_s, workers
        As for :func:`render_report`.
    on_month
        Called after each month with the month and, when it failed, why.

    Returns
    -------
    BackfillResult

    Raises
    ------
    DataError, ParameterError
        Bad input data or parameters (a month after ``as_of`` included); nothing runs.
    """
    run = _resolve_data_dir(merge_parameters(parameters))
    out_dir = _reports_folder(out)
    settings = _settings(notebooks_dir, timeout_s, workers)
    ds = load_dataset(run.data_dir)
    for month in months:  # refuse a month that cannot be resolved before any runs
        _period_of(ds, replace(run, period=month))

    published: list[RenderedReport] = []
    failed: dict[str, str] = {}
    try:
        with python_kernel() as kernel_name:
            for month in months:
                error = None
                try:
                    published.append(
                        _render_period(
                            ds, replace(run, period=month), out_dir,
                            replace(settings, kernel_name=kernel_name),
                        )
                    )
                except (DataError, ParameterError):
                    raise
                except AiqNbError as failure:
                    error = failed[month] = str(failure)
                    logger.error("%s", failure)
                finally:
                    write_reports_index(out_dir)
                if on_month is not None:
                    on_month(month, error)
    finally:
        write_reports_index(out_dir)
    return BackfillResult(tuple(published), failed)


def months_between(first: str, last: str) -> list[str]:
    """The months from ``first`` to ``last`` (``YYYY-MM``), both included."""
    start, end = (_month_index(value) for value in (first, last))
    if start > end:
        raise ParameterError(f"the first month {first} comes after the last, {last}")
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(start, end + 1)]


def detail_file_name(campaign_id: str) -> str:
    """The file stem of a campaign's detail page: its id when that is a safe name.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``, a
    leading dot is dropped and long ids are cut; an id that had to change gets a short
    hash of the original so that two ids never share a page.
    """
    text = str(campaign_id)
    safe = SAFE_NAME_CHARS.sub("_", text).lstrip(".")[:SAFE_NAME_MAX]
    if safe == text and safe:
        return safe
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:HASH_CHARS]
    return f"{safe or 'campaign'}-{digest}"


def _month_index(value: str) -> int:
    match = MONTH_PATTERN.match(str(value).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ParameterError(f"a month is YYYY-MM, not {value!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def _settings(notebooks_dir: str | Path, timeout_s: int, workers: int) -> _Settings:
    if timeout_s <= 0:
        raise ParameterError(f"the timeout must be a positive number, not {timeout_s}")
    if workers < 1:
        raise ParameterError(f"workers must be at least 1, not {workers}")
    return _Settings(Path(notebooks_dir).resolve(), timeout_s, workers)


def _resolve_data_dir(parameters: RunParameters) -> RunParameters:
    """The parameters with the dataset folder made absolute (the sample when empty)."""
    given = parameters.data_dir
    folder = Path(given).resolve() if given else sample_dataset_path()
    return replace(parameters, data_dir=str(folder))


def _reports_folder(out: str | Path) -> Path:
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"--out {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ParameterError(
            f"cannot create the reports folder {folder}: {error}"
        ) from None
    return folder.resolve()


def _options_of(parameters: RunParameters) -> dict[str, Any]:
    values = parameters.to_notebook()
    values.pop("data_dir")
    return report_options(**values)


def _period_of(ds: Dataset, parameters: RunParameters) -> Period:
    options = _options_of(parameters)
    return resolve_period(
        options["period"], as_of=options["as_of"], timezone=ds.account.timezone
    )


def _render_period(
    ds: Dataset, parameters: RunParameters, out_dir: Path, settings: _Settings
) -> RenderedReport:
    """Build, check and publish one period's folder."""
    period = _period_of(ds, parameters)
    label = period.label

    # the exports first: a bad filter fails here, before any notebook runs
    options = _options_of(parameters)
    reports = {mode: build_report(ds, mode=mode, **options) for mode in MODES}
    listed = _listed_campaigns(reports)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{label}.") as building:
        staging = Path(building) / label
        staging.mkdir()
        exports = [
            reports[mode].to_csv(staging / f"campaigns_{mode}.csv") for mode in MODES
        ]
        values = json.dumps(parameters.to_notebook(), indent=2)
        _write_text(staging / PARAMETERS_FILE, values + "\n")
        jobs = _period_jobs(staging, parameters, listed, settings.notebooks_dir)
        if not jobs:
            raise ReportError(f"no report notebook found in {settings.notebooks_dir}")
        _run_jobs(jobs, settings, out_dir, label)
        _write_text(
            staging / INDEX_FILE,
            _period_index_html(period, jobs, listed, [p.name for p in exports]),
        )
        final = _publish(staging, out_dir / label)
    _forget_failures(out_dir, label)
    logger.info("published %s (%d pages)", final, len(jobs))
    return RenderedReport(
        label, final, tuple(final / job.html.relative_to(staging) for job in jobs)
    )


def _listed_campaigns(reports: Mapping[str, Report]) -> dict[str, str]:
    """Campaign id → name of every campaign listed in either attribution mode."""
    listed: dict[str, str] = {}
    for report in reports.values():
        for campaign_id, name in report.campaigns["name"].items():
            listed.setdefault(str(campaign_id), "" if name is None else str(name))
    return listed


def _period_jobs(
    staging: Path,
    parameters: RunParameters,
    listed: Mapping[str, str],
    notebooks_dir: Path,
) -> list[_Job]:
    """The notebooks of a period that exist in ``notebooks_dir``, reports first."""
    values = parameters.to_notebook()
    jobs = [
        _Job(
            name=name,
            source=notebooks_dir / f"{name}.ipynb",
            executed=staging / f"{name}.ipynb",
            html=staging / f"{name}.html",
            title=f"{name.replace('_', ' ').capitalize()} {staging.name}",
            parameters=values,
        )
        for name in _present(REPORT_NOTEBOOKS, notebooks_dir)
    ]
    if not _present((DETAIL_NOTEBOOK,), notebooks_dir):
        return jobs
    folder = staging / DETAIL_DIR
    folder.mkdir()
    for campaign_id, name in listed.items():
        stem = detail_file_name(campaign_id)
        jobs.append(
            _Job(
                name=f"{DETAIL_NOTEBOOK}_{stem}",
                source=notebooks_dir / f"{DETAIL_NOTEBOOK}.ipynb",
                executed=folder / f"{stem}.ipynb",
                html=folder / f"{stem}.html",
                title=f"{name or campaign_id} {staging.name}",
                parameters={**values, DETAIL_PARAMETER: campaign_id},
            )
        )
    return jobs


def _present(names: Sequence[str], notebooks_dir: Path) -> list[str]:
    present = [name for name in names if (notebooks_dir / f"{name}.ipynb").is_file()]
    for name in sorted(set(names) - set(present)):
        logger.warning("skipping %s: no %s.ipynb in %s", name, name, notebooks_dir)
    return present


def _run_jobs(
    jobs: Sequence[_Job], settings: _Settings, out_dir: Path, label: str
) -> None:
    """Execute the jobs, ``settings.workers`` at a time; stop at the first failure."""
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        futures: dict[Future[None], _Job] = {
            pool.submit(_render_notebook, job, settings): job for job in jobs
        }
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        wait(pending)
    failures = [
        (futures[f], f.exception())
        for f in futures
        if not f.cancelled() and f.exception() is not None
    ]
    if not failures:
        return
    messages = []
    for job, error in failures:
        kept = _keep_failed(job.executed, out_dir, label, job.name)
        messages.append(
            f"{job.name} failed for {label}: {_summary(error)}"
            + (f"; the executed notebook is kept at {kept}" if kept else "")
        )
    raise ReportError("; ".join(messages)) from failures[0][1]


def _render_notebook(job: _Job, settings: _Settings) -> None:
    """Execute one notebook into the staging folder and convert it to HTML there."""
    logger.info("running %s", job.name)
    try:
        papermill.execute_notebook(
            str(job.source),
            str(job.executed),
            parameters=dict(job.parameters),
            kernel_name=settings.kernel_name,
            language=KERNEL_LANGUAGE,
            execution_timeout=settings.timeout_s,
            progress_bar=False,
            # the kernel starts in the notebooks' folder; papermill's own ``cwd``
            # changes the process's folder, which threads running beside it share
            resources={"metadata": {"path": str(job.source.parent)}},
        )
    except TimeoutError as error:  # nbclient's CellTimeoutError is a TimeoutError
        limit = settings.timeout_s
        raise ReportError(f"a cell ran longer than {limit} s ({error})") from error
    _write_text(job.html, notebook_to_html(job.executed, title=job.title))


def notebook_to_html(notebook: Path, *, title: str = "Report") -> str:
    """An executed notebook as self-contained HTML with no code and no prompts."""
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(
        nbformat.read(notebook, as_version=4), resources={"metadata": {"name": title}}
    )
    return body


@contextlib.contextmanager
def python_kernel() -> Iterator[str]:
    """A kernel spec, visible only to this run, that starts this very Python.

    Scheduled runs must not depend on whichever ``python3`` kernel a developer
    registered; the spec lives in a temporary folder put first on JUPYTER_PATH.
    """
    with tempfile.TemporaryDirectory(prefix="aiq-nb-kernel-") as folder:
        spec_dir = Path(folder) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [
                sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"
            ],
            "display_name": f"aiq_nb ({sys.executable})",
            "language": KERNEL_LANGUAGE,
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        previous = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [folder, previous]))
        try:
            yield KERNEL_NAME
        finally:
            if previous is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = previous


def _publish(staging: Path, final: Path) -> Path:
    """Move the finished folder to its final name, replacing an earlier run whole.

    Two runs of the same period may publish at the same moment: whatever sits under
    the final name is moved aside into this run's own retired folder and the rename
    is tried again, so the last run to publish wins and neither fails.
    """
    retired = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.old."))
    try:
        for attempt in range(PUBLISH_ATTEMPTS):
            with contextlib.suppress(FileNotFoundError):
                os.replace(final, retired / str(attempt))
            try:
                os.replace(staging, final)
                return final
            except OSError as error:
                if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                logger.info("another run published %s meanwhile; replacing it", final)
        raise ReportError(f"could not publish {final}: other runs kept replacing it")
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def _keep_failed(executed: Path, out_dir: Path, label: str, name: str) -> Path | None:
    if not executed.exists():
        return None
    failed_dir = out_dir / FAILED_DIR
    failed_dir.mkdir(exist_ok=True)
    kept = failed_dir / f"{label}_{name}{FAILED_SUFFIX}"
    shutil.copyfile(executed, kept)
    return kept


def _forget_failures(out_dir: Path, label: str) -> None:
    """Remove the kept notebooks of earlier failed runs of a period now published."""
    failed_dir = out_dir / FAILED_DIR
    for path in failed_dir.glob(f"{label}_*{FAILED_SUFFIX}"):
        path.unlink()
    with contextlib.suppress(OSError):
        failed_dir.rmdir()  # only when empty


def _summary(error: BaseException | None) -> str:
    if isinstance(error, papermill.PapermillExecutionError):
        return f"{error.ename}: {error.evalue}"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _write_text(path: Path, text: str) -> Path:
    """Write a file atomically: a hidden temporary file beside it, then a rename."""
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as handle:
        handle.write(text)
    os.replace(handle.name, path)
    return path


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{PAGE_STYLE}</style>\n</head>\n"
        f"<body>\n<h1>{html.escape(title)}</h1>\n{body}</body>\n</html>\n"
    )


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(quote(href))}">{html.escape(text)}</a>'


def _period_index_html(
    period: Period,
    jobs: Sequence[_Job],
    listed: Mapping[str, str],
    exports: Sequence[str],
) -> str:
    """The period's own index: its report pages, campaign pages and exports."""
    reports = [job for job in jobs if job.html.parent.name != DETAIL_DIR]
    details = {job.html.stem: job for job in jobs if job.html.parent.name == DETAIL_DIR}
    items = [
        f"<li>{_link(job.html.name, job.name.replace('_', ' ').capitalize())}</li>"
        for job in reports
    ]
    body = f"<p>{html.escape(period.title)} ({html.escape(period.timezone)})</p>\n"
    body += "<h2>Reports</h2>\n<ul>\n" + "\n".join(items) + "\n</ul>\n"
    if details:
        rows = [
            f"<li>{_link(f'{DETAIL_DIR}/{detail_file_name(cid)}.html', name or cid)} "
            f"<span class=\"muted\">{html.escape(cid)}</span></li>"
            for cid, name in listed.items()
            if detail_file_name(cid) in details
        ]
        body += f"<h2>Campaigns and flows ({len(rows)})</h2>\n<ul>\n" + "\n".join(rows)
        body += "\n</ul>\n"
    files = [*exports, PARAMETERS_FILE]
    body += "<h2>Exports</h2>\n<ul>\n" + "\n".join(
        f"<li>{_link(name, name)}</li>" for name in files
    )
    body += f"\n</ul>\n<p>{_link('../' + INDEX_FILE, 'All periods')}</p>\n"
    return _page(f"Reports {period.label}", body)


def write_reports_index(out: str | Path) -> Path:
    """Rewrite ``<out>/index.html``: every period folder under ``out``, newest first.

    A period folder is a visible sub-folder with an ``index.html`` or report pages;
    periods are ordered by their last day, then their first day, latest first.
    """
    out_dir = Path(out)
    periods = sorted(
        (folder for folder in out_dir.iterdir() if _is_period_folder(folder)),
        key=_label_order,
        reverse=True,
    )
    items = []
    for folder in periods:
        pages = sorted(p.name for p in folder.glob("*.html") if p.name != INDEX_FILE)
        details = len(list((folder / DETAIL_DIR).glob("*.html")))
        links = [_link(f"{folder.name}/{name}", Path(name).stem.replace("_", " "))
                 for name in pages]
        if (folder / INDEX_FILE).exists():
            index = f"{folder.name}/{INDEX_FILE}"
            links.append(_link(index, f"{details} campaign pages"))
        name = html.escape(folder.name)
        items.append(f"<li><strong>{name}</strong>: " + " · ".join(links) + "</li>")
    body = (
        "<ul>\n" + "\n".join(items) + "\n</ul>\n" if items else "<p>No reports yet.</p>\n"
    )
    return _write_text(out_dir / INDEX_FILE, _page("Reports", body))


def _is_period_folder(folder: Path) -> bool:
    if not folder.is_dir() or folder.name.startswith(".") or folder.name == FAILED_DIR:
        return False
    return any(folder.glob("*.html"))


def _label_order(folder: Path) -> tuple[int, dt.date, dt.date, str]:
    """Sort key of a period folder: known labels by last then first day, others last."""
    label = folder.name
    with contextlib.suppress(ValueError):
        if MONTH_PATTERN.match(label):
            first = dt.date.fromisoformat(f"{label}-01")
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return (1, following - dt.timedelta(days=1), first, label)
        if match := RANGE_LABEL.match(label):
            first, last = (dt.date.fromisoformat(g) for g in match.groups())
            return (1, last, first, label)
        if match := ALL_TIME_LABEL.match(label):
            return (1, dt.date.fromisoformat(match.group(1)), dt.date.min, label)
    return (0, dt.date.min, dt.date.min, label)
