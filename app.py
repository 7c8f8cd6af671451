#!/usr/bin/env python3
"""CDK entry point: settings from cdk.json context -> InvitationSyncStack -> cdk.out/."""

import os
import sys

from infra.settings import InvalidSettingsError
from infra.stack import create_app, synth_warnings


def main() -> None:
    try:
        app, _ = create_app()
    except InvalidSettingsError as error:
        sys.exit(f"invitation-sync: {error}")
    assembly = app.synth()
    if "CDK_CLI_VERSION" not in os.environ:  # the CDK CLI prints them itself
        for line in synth_warnings(assembly):
            sys.stderr.write(line + "\n")


if __name__ == "__main__":
    main()
