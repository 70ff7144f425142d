"""`python -m edge hub ...` runs the hub's commands without the cloud's installed."""

import sys

from .cli import main

sys.exit(main())
