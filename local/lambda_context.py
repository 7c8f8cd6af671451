"""A stand-in for the Lambda context object, as Powertools' testing guide suggests."""

from dataclasses import dataclass


@dataclass
class FakeLambdaContext:
    function_name: str = "invitation-sync-local"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111122223333:function:invitation-sync-local"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    remaining_ms: int = 30_000  # the reconciler's callers pass its 15-minute timeout

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
