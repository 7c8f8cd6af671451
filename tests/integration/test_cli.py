"""The `invitation-sync` console script: backfill (dry and real) and redrive, against moto and the emulator."""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from local.cli import main
from local.samples import invitation_event, lead_invitation, opportunity_invitation
from tests.conftest import LocalAws


def targets(local_aws: LocalAws) -> list[str]:
    return ["--table", local_aws.resources.table_name, "--topic-arn", local_aws.resources.topic_arn]


def test_backfill_dry_run_then_real(local_aws: LocalAws, capsys: pytest.CaptureFixture[str]) -> None:
    for number in range(1, 6):
        local_aws.emulator.put(opportunity_invitation(number))

    assert main(["backfill", "--dry-run", "--participant-type", "RECEIVER", *targets(local_aws)]) == 0
    dry = capsys.readouterr().out
    assert "would change (5)" in dry
    assert "engi-0000000000003" in dry
    assert local_aws.item_count() == 1  # no invitation: only the dry run's own cursor item

    assert main(["backfill", "--participant-type", "RECEIVER", *targets(local_aws)]) == 0
    assert "stored (backfill)" in capsys.readouterr().out
    assert local_aws.item_count() == 5 + 2  # plus the backfill's state item and the dry run's
    assert len(local_aws.published()) == 5


def test_redrive_deletes_what_succeeds_and_reports_the_rest(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    good, from_lambda = opportunity_invitation(1), lead_invitation(2)
    local_aws.emulator.put(good)
    local_aws.emulator.put(from_lambda)
    sqs = boto3.client("sqs")
    queue = local_aws.resources.failed_events_queue_url
    bad_event = {**invitation_event(good), "detail": {"catalog": "Foo"}}
    for body in (
        {"errorType": "PartnerCentralUnavailableError", "reason": "throttled", "event": invitation_event(good)},
        {"requestPayload": invitation_event(from_lambda), "responsePayload": {"errorType": "StoreUnavailableError"}},
        {"errorType": "InvalidEventError", "reason": "detail.catalog", "event": bad_event},
    ):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(body))
    sqs.send_message(QueueUrl=queue, MessageBody="not json")

    assert main(["redrive", "--queue-url", queue, *targets(local_aws)]) == 0

    out = capsys.readouterr().out
    assert "redriven and deleted: 2" in out
    assert "left in the queue (2)" in out
    assert "InvalidEventError" in out
    assert "not JSON" in out
    assert local_aws.item_count() == 2
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (
        int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"]) == 2
    )


def test_missing_table_argument_is_one_readable_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INVITATIONS_TABLE_NAME", raising=False)
    monkeypatch.delenv("INVITATION_EVENTS_TOPIC_ARN", raising=False)
    assert main(["backfill", "--region", "us-east-1"]) == 1
    assert capsys.readouterr().err.strip() == (
        "invitation-sync backfill: --table and --topic-arn required (or the matching environment variables)"
    )


def test_missing_credentials_are_one_readable_line_not_a_traceback(tmp_path: Path) -> None:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "COLUMNS": "200",
    }
    script = Path(sys.executable).with_name("invitation-sync")
    result = subprocess.run(  # noqa: S603
        [str(script), "backfill", "--table", "invitations", "--topic-arn", "arn:aws:sns:us-east-1:111122223333:t"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no AWS credentials found" in result.stderr
