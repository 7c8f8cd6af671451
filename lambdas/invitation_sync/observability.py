"""Powertools singletons. Service name, log level and namespace come from POWERTOOLS_* variables."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="invitation-sync")
tracer = Tracer(service="invitation-sync")
metrics = Metrics(namespace="InvitationSync", service="invitation-sync")
