"""Importers: public retail datasets → dataset folders in the input contract.

Each importer reads a dataset in its upstream layout and writes a folder that
:func:`aiq_nb.load_dataset` reads (see :mod:`aiq_nb.contract`).
"""

from __future__ import annotations

from aiq_nb.importers.completejourney import import_completejourney

__all__ = ["import_completejourney"]
