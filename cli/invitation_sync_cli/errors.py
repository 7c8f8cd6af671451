"""What a command reports as one readable line (exit status 1) instead of a traceback."""


class CommandError(Exception):
    """Printed as `invitation-sync <command>: <message>`."""
