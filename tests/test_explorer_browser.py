"""The explorer notebook in a real JupyterLab, driven by Debian's chromium.

JupyterLab runs on 127.0.0.1 (a free port, a token) over a temporary copy of the
explorer whose parameters name the small dataset of ``test_explore``; its kernel is
this Python. Playwright drives ``/usr/bin/chromium`` (never a downloaded browser): run
every cell, change the channel filter, flip strict/broad, download the CSV, and compare
what the page shows with ``build_report``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

import aiq_nb
from aiq_nb import explore
from conftest import CHROMIUM, ensure_chromium, write_dataset
from test_explore import AS_OF, SMALL_TABLES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explorer.ipynb"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_S = 60
STEP_MS = 90_000
KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const session = panel && panel.sessionContext;
    return !!(session && session.session && session.kernelDisplayStatus === "idle");
}"""
KPI_VALUE = '.aiq-kpi[data-label="{label}"] .aiq-kpi-value'

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _notebook_copy(folder: Path, data_dir: Path) -> Path:
    """The explorer with its parameters cell naming the small dataset."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = f"data_dir = {str(data_dir)!r}\nas_of = {AS_OF.isoformat()!r}"
    target = folder / NOTEBOOK.name
    nbformat.write(notebook, target)
    return target


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("data") / "small", **SMALL_TABLES)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[str]:
    """A JupyterLab serving the notebook copy; yields the notebook's URL."""
    root = tmp_path_factory.mktemp("notebooks")
    _notebook_copy(root, data_dir)
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "path" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "aiq_nb test kernel",
        "language": "python",
    }))
    env = {
        **os.environ,
        "JUPYTER_PATH": str(home / "path"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    port, token = _free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=subprocess.DEVNULL, stderr=(home / "server.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", server)
        yield f"{base}/lab/tree/{NOTEBOOK.name}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for_server(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail("JupyterLab did not answer in time")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    unavailable = ensure_chromium()
    if unavailable:
        pytest.skip(unavailable)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def _expected_cards(data_dir: Path, **filters: object) -> dict[str, str]:
    ds = aiq_nb.load_dataset(data_dir)
    report = aiq_nb.build_report(ds, as_of=AS_OF, **filters)  # type: ignore[arg-type]
    return dict(explore.kpi_cards(report))


def test_the_explorer_in_jupyterlab(browser, lab: str, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    # a refresh takes seconds on a busy 2-core machine: wait as long as for any step
    expect.set_options(timeout=STEP_MS)

    every = _expected_cards(data_dir)
    sms = _expected_cards(data_dir, channels=["sms"])
    sms_strict = _expected_cards(data_dir, channels=["sms"], mode="strict")
    assert every["Conversions"] != sms["Conversions"] != sms_strict["Conversions"]

    context = browser.new_context(accept_downloads=True,
                                  viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    try:
        page.goto(lab)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.wait_for_function(KERNEL_IDLE)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

        conversions = page.locator(KPI_VALUE.format(label="Conversions"))
        revenue = page.locator(KPI_VALUE.format(label="Revenue Generated"))
        expect(conversions).to_have_text(every["Conversions"])
        expect(revenue).to_have_text(every["Revenue Generated"])

        # the channel filter: the KPI cards become those of build_report(channels=sms)
        channels = page.locator(".widget-select-multiple", has_text="Channels")
        channels.locator("select").select_option(label="sms")
        expect(revenue).to_have_text(sms["Revenue Generated"])
        expect(conversions).to_have_text(sms["Conversions"])
        expect(page.locator(KPI_VALUE.format(label="Sends"))).to_have_text(sms["Sends"])

        # strict attribution: fewer conversions
        attribution = page.locator(".widget-toggle-buttons", has_text="Attribution")
        attribution.get_by_role("button", name="Strict").click()
        expect(conversions).to_have_text(sms_strict["Conversions"])
        expect(revenue).to_have_text(sms_strict["Revenue Generated"])

        # Download CSV: exactly the rows of build_report(channels=sms, mode=strict)
        link = page.locator("a.aiq-download")
        expect(link).to_have_attribute("download", "aiq_nb_all-time_to_2026-01-10_strict.csv")
        with page.expect_download() as download:
            link.click()
        data = Path(download.value.path()).read_bytes()
    finally:
        context.close()

    ds = aiq_nb.load_dataset(data_dir)
    expected = aiq_nb.build_report(ds, as_of=AS_OF, channels=["sms"], mode="strict")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row["campaign_id"] for row in rows] == list(expected.campaigns.index)
    assert {row["mode"] for row in rows} == {"strict"}
    assert [float(row["revenue"]) for row in rows] == list(expected.campaigns["revenue"])
