"""The rendered HTML in a real browser, offline: what a stakeholder's mail client sees.

Debian's chromium is driven by Playwright (never a downloaded browser). When chromium is
missing and the tests run as root with apt, it is installed; otherwise the tests skip,
saying why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CHROMIUM, ensure_chromium, write_dataset

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MIN_COLOURS = 16
REPORT_SECTIONS = ("Conversion overview", "Campaigns", "Channel performance", "Data quality")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    unavailable = ensure_chromium()
    if unavailable:
        pytest.skip(unavailable)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report set of a small dataset: one SMS campaign, a click, a purchase."""
    from aiq_nb.parameters import make_parameters
    from aiq_nb.render import render_report

    folder = tmp_path_factory.mktemp("data")
    data = write_dataset(
        folder / "ds",
        account={"timezone": "America/New_York"},
        campaigns=[{"campaign_id": "k1", "name": "<script>alert(1)</script> Sale"}],
        messages=[{"message_id": "m1", "campaign_id": "k1", "contact_id": "c1",
                   "sent_at": "2025-12-01T15:00:00Z"}],
        events=[{"event_id": "e1", "message_id": "m1", "event_type": "clicked",
                 "occurred_at": "2025-12-01T16:00:00Z"}],
        orders=[{"order_id": "o1", "contact_id": "c1",
                 "ordered_at": "2025-12-02T15:00:00Z", "total": 42}],
    )
    out = tmp_path_factory.mktemp("reports")
    parameters = make_parameters(
        {"data_dir": str(data), "period": "2025-12", "as_of": "2026-01-10"}
    )
    return render_report(parameters, out).folder


def _open_offline(browser, page_path: Path):
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 1600})
    page = context.new_page()
    failures: list[str] = []
    errors: list[str] = []
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())
    page.wait_for_load_state("load")
    return context, page, failures, errors


def _distinct_colours(png: bytes) -> int:
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB").resize((300, 400))
    return len(image.getcolors(maxcolors=300 * 400) or [])


def test_every_rendered_page_opens_offline_without_errors(browser, rendered: Path) -> None:
    pages = sorted(rendered.rglob("*.html"))
    assert pages, "no HTML was rendered"
    for page_path in pages:
        context, page, failures, errors = _open_offline(browser, page_path)
        screenshot = page.screenshot(full_page=False)
        context.close()
        assert failures == [], f"{page_path.name}: failed requests {failures}"
        assert errors == [], f"{page_path.name}: console errors {errors}"
        assert _distinct_colours(screenshot) >= MIN_COLOURS, f"{page_path.name} is blank"


def test_the_campaign_report_shows_its_sections_and_figures(browser, rendered: Path) -> None:
    context, page, _, _ = _open_offline(browser, rendered / "campaign_report.html")
    headings = page.locator("h2").all_inner_texts()
    text = page.inner_text("body")
    images = page.locator("img").evaluate_all(
        "images => images.map(i => [i.src.slice(0, 22), i.naturalWidth])"
    )
    context.close()
    assert [s for s in REPORT_SECTIONS if s in headings] == list(REPORT_SECTIONS)
    # the $42.00 purchase followed the click: it converts in both modes
    assert text.count("$42.00") >= 2
    # the campaign name is shown as text, never run as a script
    assert "<script>alert(1)</script> Sale" in text
    assert images and all(src == "data:image/png;base64," and width > 0
                          for src, width in images)
