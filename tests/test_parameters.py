"""Run parameters: YAML, the command line and Python values give one normal form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from aiq_nb.errors import ParameterError, PeriodError
from aiq_nb.parameters import (
    RunParameters,
    load_parameters,
    make_parameters,
    merge_parameters,
    report_options,
)
from aiq_nb.periods import resolve_period

ROOT = Path(__file__).resolve().parents[1]
PARAMETER_FILES = sorted((ROOT / "parameters").glob("*.yaml"))
KINDS_OF_RUN = (
    "monthly", "last_7_days", "month_to_date", "year_to_date", "last_3_months", "sample",
)
AS_OF = dt.date(2026, 1, 10)
EXPECTED = RunParameters(
    data_dir="",
    period="2025-12-01..2025-12-15",
    as_of="2026-01-10",
    view="campaigns",
    campaigns=["Fresh Drop, Friday"],
    channels=["sms", "email"],
    tags=[],
    status=["active"],
)


def test_every_kind_of_run_has_its_parameters_file() -> None:
    assert sorted(KINDS_OF_RUN) == sorted(path.stem for path in PARAMETER_FILES)


@pytest.mark.parametrize("path", PARAMETER_FILES, ids=lambda path: path.stem)
def test_each_parameters_file_resolves_to_a_period(path: Path) -> None:
    values = load_parameters(path).to_notebook()
    values.pop("data_dir")
    options = report_options(**values)
    period = resolve_period(
        options["period"], as_of=options["as_of"] or AS_OF, timezone="America/Los_Angeles"
    )
    assert period.first_day is not None and period.first_day <= period.last_day <= AS_OF


def test_python_values_normalise_like_the_command_line_and_yaml(tmp_path: Path) -> None:
    python = make_parameters({
        "period": (dt.date(2025, 12, 1), dt.date(2025, 12, 15)),
        "as_of": dt.datetime(2026, 1, 10, 9, 30),
        "view": "Campaigns",
        "campaigns": "Fresh Drop, Friday",
        "channels": ("sms", "email", "sms"),
        "tags": None,
        "status": "active",
    })
    command_line = merge_parameters(
        None,
        {"data_dir": None, "period": "2025-12-01..2025-12-15", "as_of": "2026-01-10",
         "view": "campaigns", "campaigns": ["Fresh Drop, Friday"],
         "channels": ["sms", "email"], "tags": None, "status": ["active"]},
    )
    (tmp_path / "run.yaml").write_text(
        "period: [2025-12-01, 2025-12-15]\nas_of: 2026-01-10\nview: campaigns\n"
        "campaigns: 'Fresh Drop, Friday'\nchannels: [sms, email]\ntags: []\n"
        "status: active\n"
    )
    assert python == command_line == load_parameters(tmp_path / "run.yaml") == EXPECTED


@pytest.mark.parametrize(
    "value", ["last-month", "Last Month", "LAST_MONTH", " last_month "]
)
def test_preset_names_have_one_spelling(value: str) -> None:
    assert make_parameters({"period": value}).period == "last_month"


@pytest.mark.parametrize("value", [None, "", "all-time", "All time"])
def test_no_period_is_all_time(value: object) -> None:
    assert make_parameters({"period": value}).period == "all_time"


def test_command_line_options_override_the_yaml_file_and_none_overrides_nothing() -> None:
    base = make_parameters({"period": "2025-11", "as_of": "2026-01-10", "tags": ["vip"]})
    merged = merge_parameters(base, {"period": "2025-12", "as_of": None, "tags": None})
    assert (merged.period, merged.as_of, merged.tags) == ("2025-12", "2026-01-10", ["vip"])


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"period": "last-fortnight"}, "last-fortnight"),
        ({"period": dt.date(2025, 12, 1)}, "single date"),
        ({"period": ("2025-12-01",)}, "two dates"),
        ({"as_of": "10/01/2026"}, "as_of"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_are_refused_naming_them(values: dict[str, object], named: str) -> None:
    with pytest.raises((ParameterError, PeriodError), match=named):
        make_parameters(values)


def test_yaml_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(["period", "2025-12"]))
    with pytest.raises(ParameterError, match="mapping"):
        load_parameters(tmp_path / "bad.yaml")
