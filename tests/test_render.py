"""The report command end to end: notebook → papermill → HTML, and its failures."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from aiq_nb.render import (
    DETAIL_NOTEBOOK,
    REPORT_NOTEBOOKS,
    detail_file_name,
    render_report,
    write_reports_index,
)
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
NOTEBOOKS_PRESENT = {p.stem for p in NOTEBOOK.parent.glob("*.ipynb")}
STUB_PARAMETERS = (
    'data_dir = ""\nperiod = "all_time"\nas_of = ""\nview = "all"\n'
    "campaigns = []\nchannels = []\ntags = []\nstatus = []\n"
)
STUB_REVENUE = """import aiq_nb
ds = aiq_nb.load_dataset(data_dir)
options = aiq_nb.report_options(period=period, as_of=as_of, view=view,
    campaigns=campaigns, channels=channels, tags=tags, status=status)
rep = aiq_nb.build_report(ds, mode="broad", **options)
print(f"revenue {rep.overview['revenue'].iloc[0]:.2f}")
"""
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

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
    # the reports index is rewritten after every run; it lists no period
    assert list(out.rglob("*.html")) == [out / "index.html"]
    assert "2025-12" not in (out / "index.html").read_text()
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
    _stub_notebooks(tmp_path / "nb", campaign_report=STUB_REVENUE)
    done = subprocess.run(
        [sys.executable, "-m", "aiq_nb", "report", "--data", "data", "--period", "2025-12",
         "--as-of", "2026-01-10", "--out", "out", "--notebooks", "nb"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
        env={"AIQ_NB_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    html = (tmp_path / "out" / "2025-12" / "campaign_report.html").read_text()
    assert "revenue 30.00" in html


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


# --- the whole set of a period, backfills, reruns, timeouts, empty periods -----------


def _stub_notebooks(folder: Path, **cells: str) -> Path:
    """Tiny notebooks named by keyword (``campaign_report="print(period)"``).

    Each has the report's parameters cell (plus ``campaign_id`` for the detail
    notebook) and one code cell: fast stand-ins for the real notebooks.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in cells.items():
        parameters = STUB_PARAMETERS + ('campaign_id = ""\n' if name == DETAIL_NOTEBOOK else "")
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        notebook = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
        notebook.cells = [cell, nbformat.v4.new_code_cell(source)]
        nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder


def _two_campaigns(folder: Path, *, second: bool = True, total: int = 30) -> Path:
    """k1 converts ``total`` in December; k2 (when ``second``) only sends."""
    messages = [{"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
                 "sent_at": "2025-12-01T18:00:00Z"}]
    if second:
        messages.append({"message_id": "m2", "campaign_id": "k/2 ü", "contact_id": "c2",
                         "sent_at": "2025-12-03T18:00:00Z"})
    return write_dataset(
        folder,
        campaigns=[{"campaign_id": "k1"}, {"campaign_id": "k/2 ü", "name": "<b>Two</b>"}],
        messages=messages,
        orders=[{"order_id": "o1", "contact_id": "c1", "ordered_at": "2025-12-02T18:00:00Z",
                 "total": total}],
    )


def _december(data: Path, out: Path, *extra: str) -> tuple[str, ...]:
    return ("report", "--data", str(data), "--period", "2025-12", "--as-of", "2026-01-10",
            "--out", str(out), *extra)


def test_sample_report_renders_every_page_of_the_set(sample_report: Path) -> None:
    listed = pd.read_csv(sample_report / "campaigns_broad.csv", encoding="utf-8-sig")
    ids = list(listed["campaign_id"].astype(str))
    for name in REPORT_NOTEBOOKS:
        if name in NOTEBOOKS_PRESENT:
            assert (sample_report / f"{name}.html").exists()
            assert (sample_report / f"{name}.ipynb").exists()
    if DETAIL_NOTEBOOK in NOTEBOOKS_PRESENT:
        pages = sorted(p.stem for p in (sample_report / "campaigns").glob("*.html"))
        assert pages == sorted(detail_file_name(i) for i in ids) and len(ids) >= 2
        assert all((sample_report / "campaigns" / f"{p}.ipynb").exists() for p in pages)
    index = (sample_report / "index.html").read_text(encoding="utf-8")
    assert 'href="campaign_report.html"' in index
    assert 'href="../index.html"' in index
    top = (sample_report.parent / "index.html").read_text(encoding="utf-8")
    assert 'href="2025-12/campaign_report.html"' in top


def test_a_rerun_after_a_data_change_shows_new_figures_and_no_stale_pages(
    tmp_path: Path,
) -> None:
    notebooks = _stub_notebooks(
        tmp_path / "nb", campaign_report=STUB_REVENUE,
        campaign_detail="print('detail', campaign_id)",
    )
    out = tmp_path / "out"
    data = _two_campaigns(tmp_path / "data")
    first = _run_cli(*_december(data, out, "--notebooks", str(notebooks)), env_cache=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    stale = out / "2025-12" / "campaigns" / f"{detail_file_name('k/2 ü')}.html"
    assert stale.exists() and "/" not in stale.stem and " " not in stale.stem
    index = (out / "2025-12" / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Two&lt;/b&gt;" in index and "<b>Two</b>" not in index

    _two_campaigns(tmp_path / "data", second=False, total=45)
    again = _run_cli(*_december(data, out, "--notebooks", str(notebooks)), env_cache=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(p.name for p in (out / "2025-12" / "campaigns").iterdir()) == [
        "k1.html", "k1.ipynb"
    ]
    assert "revenue 45.00" in (out / "2025-12" / "campaign_report.html").read_text()
    csv = pd.read_csv(out / "2025-12" / "campaigns_broad.csv", encoding="utf-8-sig")
    assert list(csv["revenue"]) == [45]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_a_backfill_publishes_every_month_but_the_failed_one_and_exits_1(
    tmp_path: Path,
) -> None:
    notebooks = _stub_notebooks(
        tmp_path / "nb",
        campaign_report="if period == '2025-11':\n    raise RuntimeError('bad month')\n"
        "print('month', period)",
    )
    out = tmp_path / "out"
    data = _small_dataset(tmp_path / "data")
    done = _run_cli(
        "report", "--data", str(data), "--from-month", "2025-10", "--to-month", "2025-12",
        "--as-of", "2026-01-10", "--out", str(out), "--notebooks", str(notebooks),
        env_cache=tmp_path,
    )
    assert done.returncode == 1
    assert "bad month" in done.stderr and "2025-11" in done.stderr.splitlines()[-1]
    assert "3/3" in done.stderr  # the progress bar reached the end
    assert sorted(p.name for p in out.iterdir()) == ["2025-10", "2025-12", "failed", "index.html"]
    assert [p.name for p in (out / "failed").iterdir()] == [
        "2025-11_campaign_report.FAILED.ipynb"
    ]
    top = (out / "index.html").read_text(encoding="utf-8")
    assert top.index('href="2025-12/') < top.index('href="2025-10/')


def test_a_backfill_month_after_as_of_exits_2_before_running(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    done = _run_cli(
        "report", "--data", str(data), "--from-month", "2025-12", "--to-month", "2026-02",
        "--as-of", "2026-01-10", "--out", str(tmp_path / "out"), env_cache=tmp_path,
    )
    assert done.returncode == 2
    assert "2026-02" in done.stderr
    assert not (tmp_path / "out" / "2025-12").exists()


def test_a_cell_that_runs_too_long_times_out_and_publishes_nothing(tmp_path: Path) -> None:
    notebooks = _stub_notebooks(
        tmp_path / "nb", campaign_report="import time\ntime.sleep(60)"
    )
    out = tmp_path / "out"
    started = time.monotonic()
    done = _run_cli(
        *_december(_small_dataset(tmp_path / "data"), out, "--timeout", "2",
                   "--notebooks", str(notebooks)),
        env_cache=tmp_path,
    )
    assert done.returncode == 1
    assert time.monotonic() - started < 45
    assert "longer than 2 s" in done.stderr
    assert not (out / "2025-12").exists()
    assert [p.name for p in (out / "failed").iterdir()] == [
        "2025-12_campaign_report.FAILED.ipynb"
    ]


def test_a_month_without_any_data_renders_a_complete_set(tmp_path: Path) -> None:
    data = _small_dataset(tmp_path / "data")
    out = tmp_path / "out"
    done = _run_cli(
        "report", "--data", str(data), "--period", "2025-10", "--as-of", "2026-01-10",
        "--out", str(out), env_cache=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    folder = out / "2025-10"
    for name in REPORT_NOTEBOOKS:
        if name in NOTEBOOKS_PRESENT:
            assert (folder / f"{name}.html").exists()
    assert list((folder / "campaigns").glob("*.html")) == []
    assert {"campaigns_broad.csv", "campaigns_strict.csv", "parameters.json",
            "index.html"} <= {p.name for p in folder.iterdir()}


def test_python_values_yaml_and_the_command_line_give_the_same_report(
    tmp_path: Path,
) -> None:
    notebooks = _stub_notebooks(tmp_path / "nb", campaign_report="print(period, channels)")
    data = _two_campaigns(tmp_path / "data")
    outs = {form: tmp_path / form for form in ("python", "cli", "yaml")}
    render_report(
        out=outs["python"], notebooks_dir=notebooks, data_dir=data,
        period=(dt.date(2025, 12, 1), dt.date(2025, 12, 31)), as_of=dt.date(2026, 1, 10),
        channels="sms", campaigns=["k1", "k/2 ü"],
    )
    done = _run_cli(
        "report", "--data", str(data), "--period", "2025-12-01..2025-12-31",
        "--as-of", "2026-01-10", "--channel", "sms", "--campaign", "k1",
        "--campaign", "k/2 ü", "--out", str(outs["cli"]), "--notebooks", str(notebooks),
        env_cache=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (tmp_path / "run.yaml").write_text(
        f"data_dir: {data}\nperiod: [2025-12-01, 2025-12-31]\nas_of: 2026-01-10\n"
        "channels: sms\ncampaigns: [k1, 'k/2 ü']\n", encoding="utf-8",
    )
    done = _run_cli("report", "--params", str(tmp_path / "run.yaml"), "--out",
                    str(outs["yaml"]), "--notebooks", str(notebooks), env_cache=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    label = "2025-12-01_2025-12-31"
    for name in ("parameters.json", "campaigns_broad.csv", "campaigns_strict.csv"):
        contents = {form: (out / label / name).read_bytes() for form, out in outs.items()}
        assert contents["python"] == contents["cli"] == contents["yaml"], name
    parameters = json.loads((outs["python"] / label / "parameters.json").read_text())
    assert parameters["channels"] == ["sms"] and parameters["period"] == "2025-12-01..2025-12-31"


def test_the_reports_index_lists_periods_newest_first_with_escaped_text(
    tmp_path: Path,
) -> None:
    for label in ("2025-11", "all-time_to_2026-01-10", "2025-12-01_2025-12-15", "<odd>&"):
        (tmp_path / label).mkdir()
        (tmp_path / label / "campaign_report.html").write_text("<html></html>")
    (tmp_path / ".2025-10.tmp").mkdir()
    (tmp_path / ".2025-10.tmp" / "campaign_report.html").write_text("half built")
    html = write_reports_index(tmp_path).read_text(encoding="utf-8")
    order = [html.index(f"<strong>{label}</strong>")
             for label in ("all-time_to_2026-01-10", "2025-12-01_2025-12-15", "2025-11")]
    assert order == sorted(order)
    assert "&lt;odd&gt;&amp;" in html and "<odd>" not in html
    assert "2025-10" not in html
    assert re.findall(r"(?:src|href)=\"(https?:[^\"]+)", html) == []


@pytest.mark.parametrize(
    ("campaign_id", "safe"),
    [("cmp021", True), ("k/2 ü", False), ("../etc", False), (".hidden", False), ("", False)],
)
def test_detail_page_names_are_safe_and_distinct(campaign_id: str, safe: bool) -> None:
    name = detail_file_name(campaign_id)
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", name)
    assert (name == campaign_id) is safe
    assert detail_file_name(campaign_id + "x") != name
