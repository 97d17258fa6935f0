"""Shared helpers: write small hand-made dataset folders for the rule tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import aiq_nb
from aiq_nb import contract

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CHROMIUM = Path("/usr/bin/chromium")
APT_TIMEOUT_S = 900

ACCOUNT_DEFAULTS = {
    "timezone": "UTC",
    "currency": "USD",
    "default_attribution_window_days": 7,
    "regulated_10dlc": False,
}
CAMPAIGN_DEFAULTS = {"kind": "campaign", "status": "active", "name": None}
MESSAGE_DEFAULTS = {"channel": "sms", "status": "delivered"}
ORDER_DEFAULTS = {"location": "Downtown"}


def write_dataset(
    folder: Path,
    *,
    account: dict[str, object] | None = None,
    campaigns: list[dict[str, object]] | None = None,
    messages: list[dict[str, object]] | None = None,
    events: list[dict[str, object]] | None = None,
    orders: list[dict[str, object]] | None = None,
    **optional: list[dict[str, object]],
) -> Path:
    """Write a dataset folder of CSV files; unspecified contract columns are empty.

    Campaigns named by messages but not listed are added with defaults.
    """
    folder.mkdir(parents=True, exist_ok=True)
    messages = [{**MESSAGE_DEFAULTS, **row} for row in messages or []]
    campaigns = list(campaigns or [])
    known = {row["campaign_id"] for row in campaigns}
    for row in messages:
        if row["campaign_id"] not in known:
            campaigns.append({"campaign_id": row["campaign_id"]})
            known.add(row["campaign_id"])
    campaigns = [
        {**CAMPAIGN_DEFAULTS, "name": f"Campaign {row['campaign_id']}", **row}
        for row in campaigns
    ]
    orders = [{**ORDER_DEFAULTS, **row} for row in orders or []]
    tables = {
        "account": [{**ACCOUNT_DEFAULTS, **(account or {})}],
        "campaigns": campaigns,
        "messages": messages,
        "events": events or [],
        "orders": orders,
        **optional,
    }
    for name, rows in tables.items():
        columns = contract.TABLES[name].column_names
        frame = pd.DataFrame(rows, columns=list(dict.fromkeys(
            columns + [c for row in rows for c in row]
        )))
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def ensure_chromium() -> str | None:
    """Install Debian's chromium when missing; return why it is unavailable, or None."""
    if CHROMIUM.exists():
        return None
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return "chromium is not installed and cannot be installed here (needs root and apt)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=APT_TIMEOUT_S)
        if done.returncode != 0:
            return f"installing chromium failed: {done.stderr[-500:]}"
    return None


@pytest.fixture
def make_dataset(tmp_path: Path) -> Callable[..., aiq_nb.Dataset]:
    """Write a small dataset folder and load it."""
    counter = iter(range(1_000_000))

    def make(**tables: object) -> aiq_nb.Dataset:
        folder = write_dataset(tmp_path / f"ds{next(counter)}", **tables)  # type: ignore[arg-type]
        return aiq_nb.load_dataset(folder)

    return make
