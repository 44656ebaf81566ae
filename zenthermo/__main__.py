import sys

from zenthermo.console import main

sys.exit(main())
