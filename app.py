#!/usr/bin/env python3
"""CDK entry point: settings from cdk.json context -> InvitationSyncStack -> cdk.out/."""

import sys

from infra.settings import InvalidSettingsError
from infra.stack import create_app


def main() -> None:
    try:
        app, _ = create_app()
    except InvalidSettingsError as error:
        sys.exit(f"invitation-sync: {error}")
    app.synth()


if __name__ == "__main__":
    main()
