"""The operator CLI, `invitation-sync`: drives the deployed stack by name; the functions do the work."""
