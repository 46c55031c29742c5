import sys

from trialkit.cli import main

sys.exit(main())
