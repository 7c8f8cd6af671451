"""The only modules that touch boto3. Each adapter takes its client, so tests inject one."""
