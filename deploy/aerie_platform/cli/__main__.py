"""``python -m aerie_platform.cli``: the ``aerie`` command (how ``aerie run`` starts its parts)."""

import sys

from aerie_platform.cli import main

sys.exit(main())
