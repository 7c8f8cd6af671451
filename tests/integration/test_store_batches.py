"""BatchGetItem as DynamoDB answers it under throttling, which moto never does: some keys come back as
UnprocessedKeys, to be asked for again after a backoff, within a bound."""

from typing import Any

import boto3
import pytest

from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import BATCH_GET_CALLS
from invitation_sync.errors import StoreUnavailableError
from local import event_source
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws


class OneKeyPerCall:
    """moto's DynamoDB, answering one key per BatchGetItem and the rest as UnprocessedKeys."""

    def __init__(self) -> None:
        self._dynamodb = boto3.client("dynamodb")
        self.calls = 0

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        [(table, request)] = RequestItems.items()
        first, *rest = request["Keys"]
        one: Any = {table: {**request, "Keys": [first]}}
        answer: dict[str, Any] = dict(self._dynamodb.batch_get_item(RequestItems=one))
        answer["UnprocessedKeys"] = {table: {**request, "Keys": rest}} if rest else {}
        return answer


def stored_ids(local_aws: LocalAws, count: int) -> list[str]:
    invitations = [opportunity_invitation(number) for number in range(1, count + 1)]
    for invitation in invitations:
        local_aws.emulator.put(invitation)
        assert event_source.deliver(invitation_event(invitation))["outcome"] == "stored"
    return [invitation["Id"] for invitation in invitations]


def test_unprocessed_keys_are_asked_for_again(local_aws: LocalAws) -> None:
    ids = stored_ids(local_aws, BATCH_GET_CALLS)
    client = OneKeyPerCall()

    found = InvitationStore(client, local_aws.resources.table_name).get_many("AWS", ids)  # type: ignore[arg-type]

    assert sorted(found) == sorted(ids)
    assert client.calls == BATCH_GET_CALLS


def test_keys_still_unprocessed_after_the_last_call_fail_the_page_instead_of_spinning(local_aws: LocalAws) -> None:
    ids = stored_ids(local_aws, BATCH_GET_CALLS + 1)
    client = OneKeyPerCall()

    with pytest.raises(StoreUnavailableError, match=f"keys still unprocessed after {BATCH_GET_CALLS} calls"):
        InvitationStore(client, local_aws.resources.table_name).get_many("AWS", ids)  # type: ignore[arg-type]
    assert client.calls == BATCH_GET_CALLS
