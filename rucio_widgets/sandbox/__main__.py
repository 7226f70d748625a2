"""``python -m rucio_widgets.sandbox up|down|status|env``: the same as ``rucio-widgets sandbox``."""

import sys

from rucio_widgets.cli import main

if __name__ == "__main__":
    sys.exit(main(["sandbox", *sys.argv[1:]]))
