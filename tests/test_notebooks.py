"""The campaign detail and flow report notebooks, executed with papermill on small data.

Each notebook runs on the small dataset of ``test_present`` (a campaign and a flow in
December 2025) for December and for October, a month with no data at all: every cell
must run, and the empty month must say so in sentences.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

from aiq_nb.render import python_kernel
from conftest import write_dataset
from test_present import small_tables

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
AS_OF = "2026-01-10"
TIMEOUT_S = 300

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("data") / "small", **small_tables())


def _execute(name: str, out: Path, **parameters: object) -> str:
    """Run a notebook; return the text and HTML of all its outputs."""
    source = NOTEBOOKS / f"{name}.ipynb"
    executed = out / f"{name}.ipynb"
    with python_kernel() as kernel_name:
        papermill.execute_notebook(
            str(source), str(executed), parameters=parameters, kernel_name=kernel_name,
            execution_timeout=TIMEOUT_S, progress_bar=False, cwd=str(NOTEBOOKS),
        )
    notebook = nbformat.read(executed, as_version=4)
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            data = output.get("data", {})
            texts += [str(data.get("text/markdown", "")), str(data.get("text/html", "")),
                      str(data.get("text/plain", "")), str(output.get("text", ""))]
    return "\n".join(texts)


@pytest.mark.parametrize("name", ["campaign_detail", "flow_report"])
def test_a_notebook_has_a_parameters_cell_and_no_logic(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert [word for word in ("for ", "if ", "def ", "lambda") if word in code] == []


def test_campaign_detail_of_the_first_listed_campaign(data_dir: Path, tmp_path: Path) -> None:
    shown = _execute("campaign_detail", tmp_path, data_dir=str(data_dir),
                     period="2025-12", as_of=AS_OF)
    assert "### Spring Sale" in shown and "`k1`" in shown
    assert "$30.00" in shown


def test_campaign_detail_of_a_named_campaign(data_dir: Path, tmp_path: Path) -> None:
    shown = _execute("campaign_detail", tmp_path, data_dir=str(data_dir),
                     period="2025-12", as_of=AS_OF, campaign_id="f1")
    assert "### Loyalty" in shown
    assert "personas are loaded into audiences" in shown


def test_campaign_detail_of_an_empty_month(data_dir: Path, tmp_path: Path) -> None:
    shown = _execute("campaign_detail", tmp_path, data_dir=str(data_dir),
                     period="2025-10", as_of=AS_OF)
    assert "No campaign had a send or an attributed conversion in this period." in shown
    assert "No message was sent in this period." in shown
    assert "No attributed conversion in this period." in shown


def test_flow_report_shows_each_flow_and_its_steps(data_dir: Path, tmp_path: Path) -> None:
    shown = _execute("flow_report", tmp_path, data_dir=str(data_dir),
                     period="2025-12", as_of=AS_OF)
    assert "### Loyalty (`f1`)" in shown
    assert "2 steps · 3 entered · 0 completed · 50 points gifted" in shown
    assert "Points" in shown and "Wait" in shown


def test_flow_report_of_an_empty_month(data_dir: Path, tmp_path: Path) -> None:
    shown = _execute("flow_report", tmp_path, data_dir=str(data_dir),
                     period="2025-10", as_of=AS_OF)
    assert shown.count("No flow had activity in this period.") >= 2
