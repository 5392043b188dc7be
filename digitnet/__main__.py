"""`python -m digitnet`: the same as the `digitnet` command."""

import sys

from digitnet.cli import main

sys.exit(main())
