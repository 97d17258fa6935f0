"""The view and the filters → the campaigns and channels a report shows.

Views and filters only select what is shown; they never re-run attribution. Filters
combine with AND; each takes one value or a list of values:

- view: ``all`` (campaigns and flows), ``campaigns`` or ``flows``;
- campaigns: names or ids, matched exactly (names ignoring case);
- tags: campaigns with any of the chosen tags, whole tags, ignoring case;
- status: ``active`` or ``inactive``;
- channels: restrict every figure to those channels' messages and the conversions
  attributed to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from aiq_nb import contract
from aiq_nb.errors import ParameterError

View = Literal["all", "campaigns", "flows"]
VIEWS: dict[str, tuple[str, ...]] = {
    "all": ("campaign", "flow"),
    "campaigns": ("campaign",),
    "flows": ("flow",),
}
FilterValue = str | Iterable[str] | None


@dataclass(frozen=True)
class Selection:
    """The normalised view and filters of a report."""

    view: str = "all"
    campaigns: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    status: tuple[str, ...] | None = None


def make_selection(
    *,
    view: str = "all",
    campaigns: FilterValue = None,
    channels: FilterValue = None,
    tags: FilterValue = None,
    status: FilterValue = None,
) -> Selection:
    """Normalise the view and filter arguments, refusing unknown values."""
    view_name = str(view).strip().lower()
    if view_name not in VIEWS:
        raise ParameterError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    channel_values = _as_tuple(channels, normalise=True)
    _refuse_unknown("channel", channel_values, contract.CHANNELS)
    status_values = _as_tuple(status, normalise=True)
    _refuse_unknown("status", status_values, contract.CAMPAIGN_STATUSES)
    return Selection(
        view=view_name,
        campaigns=_as_tuple(campaigns),
        channels=channel_values,
        tags=_as_tuple(tags),
        status=status_values,
    )


def select_campaigns(campaigns: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """The rows of the campaigns table that the view and filters keep.

    Parameters
    ----------
    campaigns
        The campaigns table (``campaign_id``, ``name``, ``kind``, ``status``,
        ``tags``).
    selection
        The view and filters.

    Returns
    -------
    pandas.DataFrame
        The kept rows, in their original order.
    """
    keep = campaigns["kind"].isin(VIEWS[selection.view])
    if selection.campaigns is not None:
        wanted = {value.lower() for value in selection.campaigns}
        by_id = campaigns["campaign_id"].isin(selection.campaigns)
        by_name = campaigns["name"].fillna("").str.strip().str.lower().isin(wanted)
        keep &= by_id | by_name
    if selection.tags is not None:
        wanted_tags = {tag.strip().lower() for tag in selection.tags}
        keep &= campaigns["tags"].map(lambda tags: bool(split_list(tags) & wanted_tags))
    if selection.status is not None:
        keep &= campaigns["status"].isin(selection.status)
    return campaigns[keep.astype(bool)]


def split_list(value: object) -> set[str]:
    """The lower-cased items of a ``;``-separated cell; an empty cell has none."""
    if not isinstance(value, str):
        return set()
    items = (item.strip().lower() for item in value.split(contract.LIST_SEPARATOR))
    return {item for item in items if item}


def _as_tuple(value: FilterValue, *, normalise: bool = False) -> tuple[str, ...] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    cleaned = [str(item).strip() for item in values if str(item).strip()]
    if normalise:
        cleaned = [item.lower().replace(" ", "_").replace("-", "_") for item in cleaned]
    return tuple(cleaned) if cleaned else None


def _refuse_unknown(
    what: str, values: tuple[str, ...] | None, allowed: frozenset[str]
) -> None:
    unknown = sorted(set(values or ()) - allowed)
    if unknown:
        raise ParameterError(
            f"unknown {what} {', '.join(unknown)}: use {', '.join(sorted(allowed))}"
        )
