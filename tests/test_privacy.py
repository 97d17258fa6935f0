"""Privacy, escaping and concurrent runs (SPEC §1, §5, §5a).

- Reports and exports never carry phone numbers, emails or names, even when the input
  has such columns; message reports pseudonymise contact ids with a keyed hash.
- Text from the data is escaped in the HTML; CSV exports neutralise formula cells.
- Two report runs of the same period at once leave a complete, consistent folder.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_dataset

import aiq_nb
from aiq_nb import render
from aiq_nb.message_report import pseudonym

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-01-10"
PERIOD = "2025-12"
KEY = "secret-key-1"
SCRIPT_NAME = "<script>alert(1)</script>"
FORMULA_PRODUCT = '=HYPERLINK("http://x","y")'
FORMULA_CAMPAIGN = "@SUM(A1:A9)"
LONG_NAME = "L" * 100_000
CONTACT_IDS = ("contact-alpha", "contact-bravo")
PII = {
    "email": ("alice.smith@example.com", "bob.jones@example.org"),
    "phone": ("+1-555-0101", "+1-555-0202"),
    "first_name": ("Alicia", "Roberto"),
    "last_name": ("Smithfield", "Jonesworth"),
}
PII_VALUES = [value for values in PII.values() for value in values]
SCRIPT_TAG = re.compile(r"<script[^>]*>\s*alert", re.IGNORECASE)


def _dataset(folder: Path) -> Path:
    """Two SMS campaigns to two contacts who click and buy; personal details in
    contacts, messages and orders that no output may show."""
    people = [
        {"contact_id": cid, "created_at": "2025-01-01T00:00:00Z",
         **{column: values[i] for column, values in PII.items()}}
        for i, cid in enumerate(CONTACT_IDS)
    ]
    return write_dataset(
        folder,
        account={"timezone": "America/Los_Angeles"},
        campaigns=[
            {"campaign_id": "k1", "name": SCRIPT_NAME},
            {"campaign_id": "k2", "name": FORMULA_CAMPAIGN},
            {"campaign_id": "k3", "name": LONG_NAME},
        ],
        messages=[
            {"message_id": f"m{i}", "campaign_id": f"k{i}", "contact_id": cid,
             "sent_at": "2025-12-01T18:00:00Z", "phone": PII["phone"][i % 2],
             "email": PII["email"][i % 2], "cost": 1}
            for i, cid in ((1, CONTACT_IDS[0]), (2, CONTACT_IDS[1]), (3, CONTACT_IDS[0]))
        ],
        events=[
            {"event_id": "e1", "message_id": "m1", "event_type": "clicked",
             "occurred_at": "2025-12-01T19:00:00Z", "link_url": "https://shop.example/a"},
            {"event_id": "e2", "message_id": "m2", "event_type": "opened",
             "occurred_at": "2025-12-01T19:00:00Z"},
        ],
        orders=[
            {"order_id": "o1", "contact_id": CONTACT_IDS[0],
             "ordered_at": "2025-12-01T20:00:00Z", "total": 30,
             "email": PII["email"][0], "first_name": PII["first_name"][0]},
            {"order_id": "o2", "contact_id": CONTACT_IDS[1],
             "ordered_at": "2025-12-02T18:00:00Z", "total": 45,
             "phone": PII["phone"][1]},
        ],
        order_items=[
            {"order_id": "o1", "product": FORMULA_PRODUCT, "brand": "Acme",
             "quantity": 1, "amount": 30},
            {"order_id": "o2", "product": LONG_NAME, "brand": "-Minus",
             "quantity": 1, "amount": 45},
        ],
        contacts=people,
    )


@pytest.fixture
def dataset(tmp_path: Path) -> aiq_nb.Dataset:
    return aiq_nb.load_dataset(_dataset(tmp_path / "data"))


def _assert_private(text: str, *, raw_ids: bool = False) -> None:
    for value in PII_VALUES:
        assert value not in text, value
    if raw_ids:
        for contact_id in CONTACT_IDS:
            assert contact_id not in text, contact_id


# --- privacy ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["broad", "strict"])
def test_campaign_export_has_no_personal_details(
    dataset: aiq_nb.Dataset, tmp_path: Path, mode: str
) -> None:
    rep = aiq_nb.build_report(dataset, period=PERIOD, as_of=AS_OF, mode=mode)
    text = rep.to_csv(tmp_path / "campaigns.csv").read_text(encoding="utf-8-sig")
    _assert_private(text, raw_ids=True)
    assert "k1" in text  # the export is not empty


def test_message_report_has_no_personal_details_nor_raw_contact_ids(
    dataset: aiq_nb.Dataset, tmp_path: Path
) -> None:
    for campaign in ("k1", "k2", "k3"):
        frame = aiq_nb.message_report(dataset, campaign, as_of=AS_OF, key=KEY)
        assert "contact_id" not in frame.columns
        _assert_private(frame.to_csv(), raw_ids=True)
        path = aiq_nb.write_message_report(
            dataset, campaign, tmp_path / f"{campaign}.csv", as_of=AS_OF, key=KEY
        )
        _assert_private(path.read_text(encoding="utf-8-sig"), raw_ids=True)


def test_pseudonyms_depend_on_the_key(dataset: aiq_nb.Dataset) -> None:
    first = aiq_nb.message_report(dataset, "k1", as_of=AS_OF, key=KEY)["contact"]
    again = aiq_nb.message_report(dataset, "k1", as_of=AS_OF, key=KEY)["contact"]
    other = aiq_nb.message_report(dataset, "k1", as_of=AS_OF, key="another-key")["contact"]
    assert list(first) == list(again)
    assert set(first).isdisjoint(other)
    assert list(first) == [pseudonym(CONTACT_IDS[0], KEY.encode())]
    for contact_id in CONTACT_IDS:
        assert pseudonym(contact_id, b"a") != pseudonym(contact_id, b"b")
        assert contact_id not in pseudonym(contact_id, b"a")


# --- escaping -----------------------------------------------------------------------


def test_csv_export_neutralises_formula_cells_and_keeps_numbers(
    dataset: aiq_nb.Dataset, tmp_path: Path
) -> None:
    rep = aiq_nb.build_report(dataset, period=PERIOD, as_of=AS_OF)
    exported = pd.read_csv(rep.to_csv(tmp_path / "c.csv"), encoding="utf-8-sig",
                           index_col="campaign_id")
    assert exported.loc["k2", "name"] == "'" + FORMULA_CAMPAIGN
    assert exported.loc["k1", "name"] == SCRIPT_NAME  # not a formula: left as it is
    assert len(exported.loc["k3", "name"]) == len(LONG_NAME)
    assert pd.api.types.is_numeric_dtype(exported["revenue"])
    assert pd.api.types.is_numeric_dtype(exported["roi"])

    products = aiq_nb.exports.write_csv(rep.top_products.reset_index(), tmp_path / "p.csv")
    cells = pd.read_csv(products, encoding="utf-8-sig").iloc[:, 0].tolist()
    assert "'" + FORMULA_PRODUCT in cells and FORMULA_PRODUCT not in cells
    brands = aiq_nb.exports.write_csv(rep.top_brands.reset_index(), tmp_path / "b.csv")
    assert "'-Minus" in pd.read_csv(brands, encoding="utf-8-sig").iloc[:, 0].tolist()


class _Checker(HTMLParser):
    """Collects the script elements and visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self.in_script else self.text).append(data)


def _run_cli(*args: str, home: Path) -> subprocess.Popen[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "AIQ_NB_CACHE": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "aiq_nb", "report", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The period folder of one report run on the dataset above."""
    base = tmp_path_factory.mktemp("render")
    data = _dataset(base / "data")
    run = _run_cli("--data", str(data), "--period", PERIOD, "--as-of", AS_OF,
                   "--out", str(base / "out"), home=base)
    _, err = run.communicate(timeout=900)
    assert run.returncode == 0, err[-3000:]
    return base / "out" / PERIOD


@pytest.mark.slow
def test_rendered_report_shows_data_text_escaped_and_no_personal_details(
    rendered: Path,
) -> None:
    report = (rendered / "campaign_report.html").read_text(encoding="utf-8")
    assert not SCRIPT_TAG.search(report)
    assert html.escape(SCRIPT_NAME, quote=False) in report
    checker = _Checker()
    checker.feed(report)
    visible = "".join(checker.text)
    assert not any("alert(1)" in script for script in checker.scripts)
    assert SCRIPT_NAME in visible
    assert FORMULA_PRODUCT in visible  # Top Converted, as plain text
    assert not re.search(r"<a[^>]+href=\"http://x", report)
    assert "Data quality" in visible  # the long names did not break the page

    for path in rendered.rglob("*"):
        if path.suffix in (".html", ".csv", ".json", ".ipynb"):
            text = path.read_text(encoding="utf-8-sig")
            _assert_private(text)
            if path.suffix == ".html":
                assert not SCRIPT_TAG.search(text), path


# --- two runs at once ----------------------------------------------------------------


class _Page(HTMLParser):
    """Parses a page, failing on nothing but recording that it was read whole."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_html = False

    def handle_endtag(self, tag: str) -> None:
        self.closed_html = self.closed_html or tag == "html"


@pytest.mark.slow
def test_two_runs_of_the_same_period_at_once_leave_a_complete_folder(
    tmp_path: Path, rendered: Path
) -> None:
    data = _dataset(tmp_path / "data")
    out = tmp_path / "out"
    args = ("--data", str(data), "--period", PERIOD, "--as-of", AS_OF, "--out", str(out))
    runs = [_run_cli(*args, home=tmp_path) for _ in range(2)]
    results = [(run.wait(timeout=900), run.communicate()[1]) for run in runs]

    for code, err in results:
        assert "Traceback" not in err, err[-3000:]  # a loser fails cleanly, if at all
    assert 0 in [code for code, _ in results]

    period = out / PERIOD
    expected = sorted(p.relative_to(rendered) for p in rendered.rglob("*"))
    assert sorted(p.relative_to(period) for p in period.rglob("*")) == expected
    for page in [*period.rglob("*.html"), out / "index.html"]:
        parser = _Page()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.closed_html, page
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_publishing_the_same_period_twice_at_the_same_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # run A has checked that 2025-12 does not exist yet when run B publishes it
    out = tmp_path / "out"
    out.mkdir()
    staged = {}
    for run in ("a", "b"):
        staged[run] = out / f".{PERIOD}.{run}" / PERIOD
        staged[run].mkdir(parents=True)
        (staged[run] / "index.html").write_text(run)
    final = out / PERIOD
    real_replace = os.replace
    interleaved = threading.Event()

    def replace(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        if Path(src) == staged["a"] and not interleaved.is_set():
            interleaved.set()
            render._publish(staged["b"], final)  # B wins the race to the final name
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    render._publish(staged["a"], final)
    # A published last, after moving B's folder aside: A's report, whole
    assert (final / "index.html").read_text() == "a"
    assert [p.name for p in out.iterdir() if ".old" in p.name] == []
