import sys

from zenthermo.cli import main

sys.exit(main())
