"""BatchGetItem as DynamoDB answers it past 16 MB or under throttling, which moto rarely or never does:
some keys come back as UnprocessedKeys, to be asked for again, consistently, within a bound."""

from typing import Any

import boto3
import pytest

from invitation_sync.adapters.store import InvitationStore
from invitation_sync.budgets import BATCH_GET_CALLS
from invitation_sync.errors import StoreUnavailableError
from local import event_source
from local.samples import invitation_event, opportunity_invitation
from tests.conftest import LocalAws


class PartialAnswers:
    """moto's DynamoDB answering `per_call` keys per BatchGetItem and the rest as UnprocessedKeys, which,
    like moto's own, do not carry ConsistentRead."""

    def __init__(self, per_call: int) -> None:
        self._dynamodb = boto3.client("dynamodb")
        self._per_call = per_call
        self.requests: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        [(table, request)] = RequestItems.items()
        self.requests.append(request)
        answered, rest = request["Keys"][: self._per_call], request["Keys"][self._per_call :]
        answer: dict[str, Any] = {"Responses": {table: []}}
        if answered:
            part: Any = {table: {**request, "Keys": answered}}
            answer = dict(self._dynamodb.batch_get_item(RequestItems=part))
        answer["UnprocessedKeys"] = {table: {"Keys": rest}} if rest else {}
        return answer


def stored_ids(local_aws: LocalAws, count: int) -> list[str]:
    invitations = [opportunity_invitation(number) for number in range(1, count + 1)]
    for invitation in invitations:
        local_aws.emulator.put(invitation)
        assert event_source.deliver(invitation_event(invitation))["outcome"] == "stored"
    return [invitation["Id"] for invitation in invitations]


def test_unprocessed_keys_are_asked_for_again_at_once_and_consistently_while_each_call_progresses(
    local_aws: LocalAws,
) -> None:
    ids = stored_ids(local_aws, 3)
    client, slept = PartialAnswers(per_call=1), list[float]()

    store = InvitationStore(client, local_aws.resources.table_name, sleep=slept.append)  # type: ignore[arg-type]
    found = store.get_many("AWS", ids)

    assert sorted(found) == sorted(ids)
    assert [len(request["Keys"]) for request in client.requests] == [3, 2, 1]
    assert all(request["ConsistentRead"] for request in client.requests)
    assert slept == []


def test_a_page_without_progress_backs_off_and_fails_after_its_calls(local_aws: LocalAws) -> None:
    ids = stored_ids(local_aws, 2)
    client, slept = PartialAnswers(per_call=0), list[float]()
    store = InvitationStore(client, local_aws.resources.table_name, sleep=slept.append)  # type: ignore[arg-type]

    with pytest.raises(StoreUnavailableError, match=f"keys unprocessed after {BATCH_GET_CALLS} calls"):
        store.get_many("AWS", ids)

    assert len(client.requests) == BATCH_GET_CALLS
    assert slept == [0.5, 1.0, 2.0, 2.0, 2.0]  # before each call after one without progress
