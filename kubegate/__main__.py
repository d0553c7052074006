import sys

from kubegate.cli import main

sys.exit(main())
