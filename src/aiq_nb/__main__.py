"""``python -m aiq_nb``: the same command line as ``aiq-nb``."""

import sys

from aiq_nb.cli import main

sys.exit(main())
