"""``python -m convgui``."""

import sys

from .app import main

sys.exit(main())
