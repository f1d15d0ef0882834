"""``python -m web.cli``: the command line, as ``quality-month``."""

import sys

from web.cli import main

sys.exit(main())
