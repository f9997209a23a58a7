"""Start convgui from a checkout: ``python main.py [IMAGE] [--kernel NAME|FILE]``."""

import sys

from convgui.app import main

if __name__ == "__main__":
    sys.exit(main())
