"""The report command end to end: notebook → papermill → HTML, and its failures."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import write_dataset

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "campaign_report.ipynb"
SECTIONS = (
    "Conversion overview",
    "Campaigns",
    "Channel performance",
    "Top converted",
    "Conversions by engagement type",
    "Flows",
    "Data quality",
)
CODE_FRAGMENTS = ("import aiq_nb", "load_dataset(", "build_report(", "data_dir")

pytestmark = pytest.mark.slow


def _run_cli(*args: str, env_cache: Path) -> subprocess.CompletedProcess[str]:
    env = {"AIQ_NB_CACHE": str(env_cache), "PATH": "/usr/bin:/bin", "HOME": str(env_cache)}
    return subprocess.run(
        [sys.executable, "-m", "aiq_nb", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=ROOT,
    )


def _small_dataset(folder: Path) -> Path:
    # one SMS campaign: c1 receives it on Dec 1, clicks, and buys 30.00 on Dec 2
    return write_dataset(
        folder,
        account={"timezone": "America/Los_Angeles"},
        messages=[
            {"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
             "sent_at": "2025-12-01T18:00:00Z"},
        ],
        events=[
            {"event_id": "e1", "message_id": "m1", "event_type": "clicked",
             "occurred_at": "2025-12-01T19:00:00Z"},
        ],
        orders=[
            {"order_id": "o1", "contact_id": "c1", "ordered_at": "2025-12-02T18:00:00Z",
             "total": 30},
        ],
    )


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's report: the bundled sample's December 2025, through the CLI."""
    home = tmp_path_factory.mktemp("home")
    out = tmp_path_factory.mktemp("reports")
    done = _run_cli(
        "report", "--params", "parameters/sample.yaml", "--out", str(out), env_cache=home
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out / "2025-12"


def test_sample_report_has_every_section(sample_report: Path) -> None:
    html = (sample_report / "campaign_report.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2[^>]*>(.*?)<", html)
    assert [h for h in SECTIONS if h in headings] == list(SECTIONS)


def test_sample_report_embeds_its_figures_as_images(sample_report: Path) -> None:
    html = (sample_report / "campaign_report.html").read_text(encoding="utf-8")
    images = re.findall(r"<img[^>]*src=\"([^\"]{0,30})", html)
    assert len(images) >= 2
    assert all(src.startswith("data:image/png;base64,") for src in images)


def test_sample_report_shows_no_code_no_prompt_no_network(sample_report: Path) -> None:
    html = (sample_report / "campaign_report.html").read_text(encoding="utf-8")
    body = html[html.index("<body"):]
    assert [f for f in CODE_FRAGMENTS if f in body] == []
    assert re.search(r"In\s*(&nbsp;)?\[\d*\]", body) is None
    assert re.findall(r"(?:src|href)=\"(https?:[^\"]+)", html) == []


def test_sample_report_writes_exports_and_parameters(sample_report: Path) -> None:
    assert (sample_report / "campaigns_broad.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (sample_report / "campaigns_strict.csv").exists()
    parameters = json.loads((sample_report / "parameters.json").read_text())
    assert parameters["period"] == "2025-12" and parameters["as_of"] == "2026-01-10"


def test_report_of_a_small_dataset_shows_its_figures(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    done = _run_cli(
        "report", "--data", str(data), "--period", "2025-12", "--as-of", "2026-01-10",
        "--out", str(tmp_path / "out"), env_cache=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    html = (tmp_path / "out" / "2025-12" / "campaign_report.html").read_text()
    # one conversion of $30.00 in both modes (the click came before the purchase)
    assert html.count("$30.00") >= 2
    assert "1 Dec 2025 – 31 Dec 2025" in html


def _failing_notebooks(folder: Path) -> Path:
    folder.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.insert(4, nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(notebook, folder / NOTEBOOK.name)
    return folder


def test_a_failing_notebook_exits_non_zero_and_publishes_nothing(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    out = tmp_path / "out"
    done = _run_cli(
        "report", "--data", str(data), "--period", "2025-12", "--as-of", "2026-01-10",
        "--out", str(out), "--notebooks", str(_failing_notebooks(tmp_path / "nb")),
        env_cache=tmp_path,
    )
    assert done.returncode == 1
    assert "boom" in done.stderr
    assert not (out / "2025-12").exists()
    assert list(out.rglob("*.html")) == []
    assert [p.name for p in (out / "failed").iterdir()] == [
        "2025-12_campaign_report.FAILED.ipynb"
    ]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_a_failed_rerun_keeps_the_previous_report(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    out = tmp_path / "out"
    common = ("report", "--data", str(data), "--period", "2025-12",
              "--as-of", "2026-01-10", "--out", str(out))
    assert _run_cli(*common, env_cache=tmp_path).returncode == 0
    before = (out / "2025-12" / "campaign_report.html").read_bytes()
    failing = _failing_notebooks(tmp_path / "nb")
    assert _run_cli(*common, "--notebooks", str(failing), env_cache=tmp_path).returncode == 1
    assert (out / "2025-12" / "campaign_report.html").read_bytes() == before


def test_bad_input_data_exits_2_naming_the_file(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    (data / "orders.csv").write_text("order_id,contact_id,ordered_at,total\no1,c1,yesterday,3\n")
    done = _run_cli("report", "--data", str(data), "--out", str(tmp_path / "out"),
                    env_cache=tmp_path)
    assert done.returncode == 2
    assert "orders.csv" in done.stderr and "ordered_at" in done.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").rglob("*.html")) == []


def test_an_unknown_period_exits_2(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    done = _run_cli("report", "--data", str(data), "--period", "last-fortnight",
                    "--out", str(tmp_path / "out"), env_cache=tmp_path)
    assert done.returncode == 2
    assert "last-fortnight" in done.stderr


def test_a_relative_data_folder_is_found_from_where_the_command_runs(tmp_path: Path) -> None:
    _small_dataset(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "aiq_nb", "report", "--data", "data", "--period", "2025-12",
         "--as-of", "2026-01-10", "--out", "out", "--notebooks", str(NOTEBOOK.parent)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
        env={"AIQ_NB_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "out" / "2025-12" / "campaign_report.html").exists()


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [("--channel", "whatsapp", "whatsapp"), ("--campaign", "No Such", "No Such")],
)
def test_a_bad_filter_exits_2_before_any_notebook_runs(
    tmp_path: Path, option: str, value: str, named: str
) -> None:
    data = _small_dataset(tmp_path / "data")
    out = tmp_path / "out"
    done = _run_cli("report", "--data", str(data), "--period", "2025-12",
                    "--as-of", "2026-01-10", "--out", str(out), option, value,
                    env_cache=tmp_path)
    assert done.returncode == 2
    assert named in done.stderr
    assert not (out / "failed").exists()


def test_an_out_path_that_is_a_file_exits_2(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    (tmp_path / "out").write_text("not a folder")
    done = _run_cli("report", "--data", str(data), "--out", str(tmp_path / "out"),
                    "--as-of", "2026-01-10", env_cache=tmp_path)
    assert done.returncode == 2
    assert "is a file" in done.stderr and "Traceback" not in done.stderr
