"""A stand-in for the Lambda context object, as Powertools' testing guide suggests."""

import time
from dataclasses import dataclass, field
from typing import cast

from aws_lambda_powertools.utilities.typing import LambdaContext


@dataclass
class FakeLambdaContext:
    """`timeout_seconds` is the function's timeout; the remaining time runs down from construction."""

    function_name: str = "invitation-sync-local"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:invitation-sync-local"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    timeout_seconds: float = 300.0
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000)


def lambda_context(timeout_seconds: float = 300.0) -> LambdaContext:
    """A fake context typed as the real one, for code that annotates it."""
    return cast(LambdaContext, FakeLambdaContext(timeout_seconds=timeout_seconds))
