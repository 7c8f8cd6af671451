"""invitation-sync: mirror AWS Partner Central engagement invitations into DynamoDB and SNS."""
