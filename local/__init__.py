"""Local stand-ins for AWS: the Partner Central emulator, moto wiring, the demo and the CLI."""
