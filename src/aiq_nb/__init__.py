"""aiq_nb: campaign and flow attribution, metrics and reports for retail marketing.

Load a dataset folder, attribute purchases to the last message whose attribution
window holds them (strict or broad), and compute the reporting screen's metrics::

    import aiq_nb
    ds = aiq_nb.load_dataset("path/to/folder")
    rep = aiq_nb.build_report(ds, period="2025-12", as_of="2026-01-10", mode="strict")
    rep.overview, rep.campaigns, rep.channels
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from aiq_nb.attribution import attribute
from aiq_nb.errors import AiqNbError, DataError, PeriodError, ReportError
from aiq_nb.load import Dataset, load_dataset
from aiq_nb.message_report import message_report, write_message_report
from aiq_nb.parameters import report_options
from aiq_nb.periods import Period, resolve_period
from aiq_nb.report import Report, build_report
from aiq_nb.sample import sample_dataset_path
from aiq_nb.whatif import set_attribution_window, what_if_windows

try:
    __version__ = version("aiq_nb")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AiqNbError",
    "DataError",
    "Dataset",
    "Period",
    "PeriodError",
    "Report",
    "ReportError",
    "attribute",
    "build_report",
    "report_options",
    "sample_dataset_path",
    "set_attribution_window",
    "what_if_windows",
    "write_message_report",
    "load_dataset",
    "message_report",
    "resolve_period",
]
