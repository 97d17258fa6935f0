"""Run parameters from YAML, the command line or a notebook → one normalised form.

Papermill hands notebook parameters over as JSON and the command line as text, so the
same report must come out whatever the source: dates become ``YYYY-MM-DD`` text,
filters become lists (empty for no filter), a date range is ``START..END``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from aiq_nb.errors import ParameterError, PeriodError
from aiq_nb.periods import ALL_TIME, MONTH_PATTERN, PRESETS, PeriodSpec, parse_date

logger = logging.getLogger(__name__)

RANGE_SEPARATOR = ".."
DEFAULT_PERIOD = ALL_TIME
DEFAULT_VIEW = "all"
FILTERS = ("campaigns", "channels", "tags", "status")


@dataclass
class RunParameters:
    """The parameters of one report run, in the form notebooks receive them.

    Attributes
    ----------
    data_dir
        The dataset folder; empty for the bundled sample.
    period
        A month ``YYYY-MM``, a preset name, ``all_time`` or ``START..END``.
    as_of
        ``YYYY-MM-DD``; empty for today.
    view
        ``all``, ``campaigns`` or ``flows``.
    campaigns, channels, tags, status
        Filters; an empty list keeps everything.
    """

    data_dir: str = ""
    period: str = DEFAULT_PERIOD
    as_of: str = ""
    view: str = DEFAULT_VIEW
    campaigns: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)

    def to_notebook(self) -> dict[str, Any]:
        """The parameters as papermill injects them (JSON-safe values only)."""
        return asdict(self)


def load_parameters(path: str | Path) -> RunParameters:
    """Read a parameters YAML file; unknown names are an error naming them."""
    file = Path(path)
    try:
        values = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ParameterError(f"{file}: cannot read the parameters: {error}") from None
    if not isinstance(values, Mapping):
        raise ParameterError(f"{file}: parameters must be a mapping of name: value")
    return make_parameters(values, source=str(file))


def make_parameters(values: Mapping[str, Any], *, source: str = "parameters") -> RunParameters:
    """Normalise a mapping of parameters (from YAML, the CLI or Python).

    Python values (a ``datetime.date`` for ``as_of``, a pair of dates for a range, one
    value or a list for a filter), command-line text and YAML values all come out the
    same: dates as ``YYYY-MM-DD``, a preset as its name with underscores, a range as
    ``START..END``, filters as lists without repeats, ``None`` as the default.
    """
    known = {f.name for f in fields(RunParameters)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(
            f"{source}: unknown parameter(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    normalised: dict[str, Any] = {}
    for name, value in values.items():
        if name in FILTERS:
            normalised[name] = as_list(value)
        elif name == "as_of":
            normalised[name] = "" if _blank(value) else parse_date(value, what="as_of").isoformat()
        elif name == "period":
            normalised[name] = period_text(value)
        elif name == "view":
            normalised[name] = DEFAULT_VIEW if _blank(value) else str(value).strip().lower()
        else:
            normalised[name] = "" if _blank(value) else str(value)
    return RunParameters(**normalised)


def merge_parameters(*layers: Mapping[str, Any] | RunParameters | None) -> RunParameters:
    """Normalise several layers of parameters, later ones overriding earlier ones.

    A value of ``None`` in a layer means "not given": it overrides nothing. That is
    how a YAML file, then command-line options, then keyword arguments combine.
    """
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer is None:
            continue
        values = layer.to_notebook() if isinstance(layer, RunParameters) else layer
        merged.update({name: value for name, value in values.items() if value is not None})
    return make_parameters(merged)


def report_options(
    *,
    period: object = DEFAULT_PERIOD,
    as_of: object = "",
    view: str = DEFAULT_VIEW,
    campaigns: object = None,
    channels: object = None,
    tags: object = None,
    status: object = None,
) -> dict[str, Any]:
    """Keyword arguments for :func:`aiq_nb.build_report` from notebook parameters.

    Empty values mean "no filter", ``as_of`` empty means today, and a period
    ``START..END`` becomes a pair of dates.
    """
    lists = {
        "campaigns": as_list(campaigns),
        "channels": as_list(channels),
        "tags": as_list(tags),
        "status": as_list(status),
    }
    return {
        "period": period_spec(period_text(period)),
        "as_of": (
            None if _blank(as_of) else parse_date(as_of, what="as_of")  # type: ignore[arg-type]
        ),
        "view": view or DEFAULT_VIEW,
        **{name: values or None for name, values in lists.items()},
    }


def period_text(value: object) -> str:
    """A period in its one written form.

    ``all_time``; a preset name in lower case with underscores (``last-month`` and
    ``Last Month`` become ``last_month``); a month ``YYYY-MM``; or a range
    ``START..END`` of ISO dates, from ``"START..END"`` text or a pair of dates.
    """
    if _blank(value):
        return ALL_TIME
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ParameterError(f"a period range needs two dates, not {value!r}")
        first, last = (parse_date(v, what="period").isoformat() for v in value)
        return f"{first}{RANGE_SEPARATOR}{last}"
    if isinstance(value, dt.date):
        raise ParameterError(
            f"a period is a month, a preset or two dates, not the single date {value}"
        )
    text = str(value).strip()
    if RANGE_SEPARATOR in text:
        return period_text(tuple(part.strip() for part in text.split(RANGE_SEPARATOR, 1)))
    if MONTH_PATTERN.match(text):
        return text
    preset = text.lower().replace("-", "_").replace(" ", "_")
    if preset not in PRESETS:
        raise PeriodError(
            f"unknown period {text!r}: use a month YYYY-MM, START..END dates, or one of "
            + ", ".join(PRESETS)
        )
    return preset


def period_spec(text: str) -> PeriodSpec:
    """The period argument of ``build_report`` for a period given as text."""
    if RANGE_SEPARATOR in text:
        first, last = text.split(RANGE_SEPARATOR, 1)
        return (first.strip(), last.strip())
    return None if text == ALL_TIME else text


def as_list(value: object) -> list[str]:
    """One value, a list of values or nothing → a list of text without repeats.

    A text is one value, even with commas in it (campaign names may have commas).
    """
    if _blank(value):
        return []
    items: Iterable[object] = (
        [value] if isinstance(value, str) or not isinstance(value, Iterable) else value
    )
    texts = [str(item).strip() for item in items if item is not None]
    return list(dict.fromkeys(text for text in texts if text))


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dt.date):
        return False
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False
