"""``python -m saegui`` runs the command line (no arguments: the window)."""
import sys

from saegui.cli import main

sys.exit(main())
