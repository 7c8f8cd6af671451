"""The stack's outputs by name, so no operator copies a table, queue or function name by hand."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from botocore.exceptions import ClientError

from invitation_sync_cli.errors import CommandError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

DEFAULT_STACK: Final = "InvitationSync"


@dataclass(frozen=True)
class StackOutputs:
    stack: str
    values: Mapping[str, str]
    flags: Mapping[str, str]  # output key -> the flag that overrides it, for error messages

    def __getitem__(self, key: str) -> str:
        value = self.values.get(key)
        if not value:
            raise CommandError(
                f"stack {self.stack} has no output {key}: deploy the current version (make deploy) "
                f"or pass {self.flags.get(key, 'the value')}"
            )
        return value


def read_outputs(
    cloudformation: "CloudFormationClient",
    stack: str,
    needed: Collection[str],
    overrides: Mapping[str, str | None],
    flags: Mapping[str, str],
) -> StackOutputs:
    """Explicit flags win; CloudFormation is asked only when a needed value is not given."""
    given = {key: value for key, value in overrides.items() if value}
    if all(key in given for key in needed):
        return StackOutputs(stack, given, flags)
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
            region = cloudformation.meta.region_name
            raise CommandError(
                f"stack {stack} not found in {region}: deploy it with `make deploy`, or name yours with --stack"
            ) from None
        raise
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    return StackOutputs(stack, {**outputs, **given}, flags)
