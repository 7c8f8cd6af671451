"""Local stand-ins for AWS: the Partner Central emulator, moto wiring, the local invoker, the demo and the
fault-injection suite. The operator CLI lives in cli/invitation_sync_cli."""
