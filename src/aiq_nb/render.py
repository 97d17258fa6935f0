"""Run parameters → executed report notebooks, HTML without code, and CSV exports.

``render_report`` executes each report notebook with Papermill (with a timeout, on a
kernel that runs this very Python), converts it with nbconvert to HTML without code
cells or prompts, and writes the period's CSV exports. Everything is built in a
temporary folder beside the destination and moved into ``<out>/<label>/`` only when all
of it succeeded, so a reader never sees a half-built report and a failed run publishes
nothing under the final names. A failed run keeps its executed notebook under
``<out>/failed/`` for diagnosis.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter

from aiq_nb.errors import AiqNbError, ParameterError, ReportError
from aiq_nb.load import load_dataset
from aiq_nb.parameters import RunParameters, report_options
from aiq_nb.periods import resolve_period
from aiq_nb.report import build_report
from aiq_nb.sample import sample_dataset_path

logger = logging.getLogger(__name__)

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "aiq_report"
REPORT_NOTEBOOKS = ("campaign_report",)
DEFAULT_TIMEOUT_S = 600
KERNEL_NAME = "aiq-nb-python"
FAILED_DIR = "failed"
MODES = ("broad", "strict")


@dataclass(frozen=True)
class RenderedReport:
    """Where a rendered period went: its folder and the HTML files in it."""

    label: str
    folder: Path
    html: tuple[Path, ...]


def render_report(
    parameters: RunParameters,
    out: str | Path,
    *,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    timeout_s: int = DEFAULT_TIMEOUT_S,
) -> RenderedReport:
    """Render the report notebooks of one period into ``<out>/<label>/``.

    Parameters
    ----------
    parameters
        The run parameters (data folder, period, as_of, view, filters).
    out
        The reports folder; the period's reports go in a sub-folder named by its
        label (``2025-12``, ``2025-12-01_2025-12-15``, ``all-time_to_2026-01-10``).
    notebooks_dir
        Where the report notebooks are.
    timeout_s
        The longest any one cell may run.

    Returns
    -------
    RenderedReport

    Raises
    ------
    ReportError
        When a notebook fails or times out; nothing is published.
    """
    data_dir = (
        Path(parameters.data_dir).resolve() if parameters.data_dir else sample_dataset_path()
    )
    parameters = RunParameters(**{**parameters.to_notebook(), "data_dir": str(data_dir)})
    ds = load_dataset(data_dir)
    options = report_options(**_options_of(parameters))
    label = resolve_period(
        options["period"], as_of=options["as_of"], timezone=ds.account.timezone
    ).label

    # the exports first: a bad filter fails here, before any notebook runs
    reports = {mode: build_report(ds, mode=mode, **options) for mode in MODES}
    out_dir = _reports_folder(out)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{label}.") as building:
        staging = Path(building) / label
        staging.mkdir()
        for mode, report in reports.items():
            report.to_csv(staging / f"campaigns_{mode}.csv")
        html = [
            _render_notebook(name, parameters, staging, out_dir, notebooks_dir, timeout_s)
            for name in REPORT_NOTEBOOKS
        ]
        (staging / "parameters.json").write_text(
            json.dumps(parameters.to_notebook(), indent=2), encoding="utf-8"
        )
        final = _publish(staging, out_dir / label)
    logger.info("published %s", final)
    return RenderedReport(label, final, tuple(final / path.name for path in html))


def _reports_folder(out: str | Path) -> Path:
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"--out {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ParameterError(f"cannot create the reports folder {folder}: {error}") from None
    return folder


def _options_of(parameters: RunParameters) -> dict[str, object]:
    values = parameters.to_notebook()
    values.pop("data_dir")
    return values


def _render_notebook(
    name: str,
    parameters: RunParameters,
    staging: Path,
    out_dir: Path,
    notebooks_dir: str | Path,
    timeout_s: int,
) -> Path:
    """Execute one notebook into ``staging`` and convert it to HTML there."""
    source = Path(notebooks_dir) / f"{name}.ipynb"
    executed = staging / f"{name}.ipynb"
    try:
        with python_kernel() as kernel_name:
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=parameters.to_notebook(),
                kernel_name=kernel_name,
                execution_timeout=timeout_s,
                progress_bar=False,
                cwd=str(source.parent),
            )
    except (papermill.PapermillExecutionError, AiqNbError, RuntimeError, TimeoutError) as error:
        kept = _keep_failed(executed, out_dir, staging.name, name)
        raise ReportError(
            f"{name} failed for {staging.name}: {_summary(error)}"
            + (f"; the executed notebook is kept at {kept}" if kept else "")
        ) from error

    html_path = staging / f"{name}.html"
    title = f"{name.replace('_', ' ').capitalize()} {staging.name}"
    html_path.write_text(notebook_to_html(executed, title=title), encoding="utf-8")
    return html_path


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
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"aiq_nb ({sys.executable})",
            "language": "python",
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
    """Move the finished folder to its final name, replacing an earlier run."""
    retired = final.with_name(f".{final.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if final.exists():
        os.replace(final, retired)
    os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)
    return final


def _keep_failed(executed: Path, out_dir: Path, label: str, name: str) -> Path | None:
    if not executed.exists():
        return None
    failed_dir = out_dir / FAILED_DIR
    failed_dir.mkdir(exist_ok=True)
    kept = failed_dir / f"{label}_{name}.FAILED.ipynb"
    shutil.copyfile(executed, kept)
    return kept


def _summary(error: BaseException) -> str:
    if isinstance(error, papermill.PapermillExecutionError):
        return f"{error.ename}: {error.evalue}"
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
