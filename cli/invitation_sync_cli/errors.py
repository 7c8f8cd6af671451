"""What a command reports as one readable line (exit status 1) instead of a traceback."""

from typing import Final

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    CredentialRetrievalError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from invitation_sync.adapters.aws import error_code
from invitation_sync.errors import InvitationSyncError

ACCESS_DENIED: Final = frozenset({"AccessDenied", "AccessDeniedException", "KMS.AccessDeniedException"})
# AWS's answers to credentials it does not take: the same for every service the CLI calls.
EXPIRED_CREDENTIALS: Final = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
UNKNOWN_CREDENTIALS: Final = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"})
SET_CREDENTIALS: Final = (
    "set AWS_PROFILE to a profile of the stack's account (or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair)"
)


class CommandError(Exception):
    """Printed as `invitation-sync <command>: <message>`."""


def explain(error: Exception) -> str:
    """One line naming what went wrong and, for the operator's own environment, what to do."""
    if isinstance(error, InvitationSyncError):  # a shared adapter's typed error: the AWS error behind it says more
        cause = error.__cause__
        return explain(cause) if isinstance(cause, ClientError | BotoCoreError) else str(error)
    if isinstance(error, CommandError):
        return str(error)
    if isinstance(error, ClientError):
        return _refused(error)
    return _environment(error) or f"{type(error).__name__}: {error}"


def _environment(error: Exception) -> str | None:
    """botocore's errors about the profile, the config file and the credentials (no call was sent)."""
    if isinstance(error, ProfileNotFound):
        return (
            f"AWS profile {error.kwargs.get('profile')!r} not found in the AWS config or credentials file: set "
            "AWS_PROFILE to one that `aws configure list-profiles` lists, or unset it for the default credentials"
        )
    if isinstance(error, ConfigParseError):
        path = error.kwargs.get("path")
        return f"the AWS config file {path} is not valid: fix it, or point AWS_CONFIG_FILE at another"
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return f"no AWS credentials found: {SET_CREDENTIALS}"
    if isinstance(error, TokenRetrievalError | SSOTokenLoadError | UnauthorizedSSOTokenError):
        return f"the AWS SSO session of this profile has expired or was never started: run `aws sso login` ({error})"
    if isinstance(error, CredentialRetrievalError):
        return f"AWS credentials could not be obtained ({error}): fix that source, or {SET_CREDENTIALS}"
    return None


def _refused(error: ClientError) -> str:
    code, message = error_code(error), str(error.response.get("Error", {}).get("Message", ""))
    if code in EXPIRED_CREDENTIALS:
        return f"the AWS credentials have expired ({code}): renew them (`aws sso login` for SSO) and run again"
    if code in UNKNOWN_CREDENTIALS:
        return f"AWS does not accept these credentials ({code}): {SET_CREDENTIALS}. {message}"
    if code in ACCESS_DENIED:
        return f"access denied ({code}): see the operator policy in the README. {message}"
    return f"{code}: {message}"
