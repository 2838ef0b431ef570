"""Start saegui: ``python main.py`` is the same as the ``saegui`` console script."""
import sys

from saegui.cli import main

if __name__ == "__main__":
    sys.exit(main())
