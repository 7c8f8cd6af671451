import sys

from invitation_sync_cli.main import main

sys.exit(main())
