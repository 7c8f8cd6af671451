"""`make demo`: the whole product on this machine, no AWS account.

The stack is synthesized (cdk-nag included) and its table, topics and queues are created from the
template on moto's server; the real handlers run with the environment the template gives them,
against the Partner Central emulator. Every step checks its outcome: the demo is also a smoke test.
"""

import contextlib
import io
import json
import logging
import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from unittest.mock import patch

import boto3
from moto.server import ThreadedMotoServer
from rich.console import Console
from rich.table import Table

from invitation_sync.domain import PARTICIPANT_TYPES
from invitation_sync_cli.main import main as invitation_sync
from local.aws_resources import PublishedMessage, drain_published, make_moto_item_writes_atomic, subscribe_probe_queue
from local.chat_demo import show_chat_messages
from local.documented_queries import run as run_query
from local.documented_queries import snippets
from local.emulated_answers import WRITE_OPERATIONS
from local.environment import local_process_environment
from local.event_source_mapping import LocalEventSourceMapping
from local.lambda_context import FakeLambdaContext
from local.operator import LocalOperator, deploy_for_operator
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import account_planning_invitation, invitation_event, lead_invitation, opportunity_invitation

CATALOG: Final = "Sandbox"
SYNC_HANDLER: Final = "invitation_sync.handlers.sync_handler.lambda_handler"
RECONCILE_HANDLER: Final = "invitation_sync.handlers.reconcile_handler.lambda_handler"
REMINDER_HANDLER: Final = "invitation_sync.handlers.reminder_handler.lambda_handler"
console = Console(width=None if sys.stdout.isatty() else 150)


class DemoCheckFailed(AssertionError):
    """A step did not produce what the product promises."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise DemoCheckFailed(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def local_cloud() -> Iterator[tuple[LocalOperator, PartnerCentralEmulator, str]]:
    """Synthesized template -> moto server resources; emulator; the functions' environment applied."""
    with console.status("synthesizing the stack (cdk-nag checks included)"):
        from infra.stack import STACK_ID, synthesized_template  # noqa: PLC0415 - jsii starts Node: only here

        template = synthesized_template({"catalogs": [CATALOG], "participantTypes": list(PARTICIPANT_TYPES)})
    console.print(f"[green]✓[/green] synthesized {len(template['Resources'])} resources")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's request lines
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with console.status("starting local AWS (moto server) and the Partner Central emulator"):
        server.start()
        make_moto_item_writes_atomic()
        emulator = PartnerCentralEmulator()
        emulator.start()
    try:
        with local_process_environment(
            AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING=emulator.url
        ):
            operator = deploy_for_operator(template, STACK_ID)
            deployment = operator.deployment
            for handler in (SYNC_HANDLER, RECONCILE_HANDLER, REMINDER_HANDLER):
                os.environ.update(deployment.environment_of(handler))
            probe = subscribe_probe_queue(
                boto3.client("sns"), boto3.client("sqs"), os.environ["INVITATION_EVENTS_TOPIC_ARN"], "demo-subscriber"
            )
            console.print(
                f"[green]✓[/green] created from the template: table {deployment.tables[0]}, "
                f"{len(deployment.topics)} topics, the failed-events queue; functions' environment applied"
            )
            yield operator, emulator, probe
    finally:
        emulator.stop()
        server.stop()


class Story:
    """The timeline a partner lives through, replayed as real-shaped EventBridge events."""

    def __init__(self, emulator: PartnerCentralEmulator, probe_queue: str) -> None:
        self.emulator = emulator
        self.probe_queue = probe_queue
        self.published: list[PublishedMessage] = []
        soon = datetime.now(UTC).replace(microsecond=0)
        self.opportunity = {**opportunity_invitation(1, catalog=CATALOG), "ExpirationDate": soon + timedelta(days=2)}
        self.lead = lead_invitation(2, catalog=CATALOG)
        self.plan = {**account_planning_invitation(3, catalog=CATALOG), "ExpirationDate": soon + timedelta(days=3)}
        self.expiring = {
            **opportunity_invitation(4, catalog=CATALOG, title="Analytics modernisation", company="Initrode"),
            "ExpirationDate": soon + timedelta(days=5),
        }
        self.unseen = opportunity_invitation(5, catalog=CATALOG, title="Contact centre", company="Hooli")

    def deliver(self, invitation: dict[str, Any], detail_type: str, event_id: str | None = None) -> dict[str, Any]:
        """Through the event queue, as the rule delivers it, to the sync handler."""
        from local.event_source import deliver  # noqa: PLC0415 - imports the handler: after the environment

        with contextlib.redirect_stdout(io.StringIO()):  # the handler's JSON log and EMF lines
            return deliver(invitation_event(invitation, detail_type, event_id))

    def event_types(self) -> list[str]:
        """The eventType of each message published since the last look."""
        fresh = drain_published(boto3.client("sqs"), self.probe_queue)
        self.published += fresh
        return [message.body["eventType"] for message in fresh]

    def step(self, title: str, outcome: str, published: list[str]) -> None:
        counts = Counter(published)
        events = ", ".join(f"{name} x{n}" if n > 1 else name for name, n in counts.items()) or "nothing published"
        console.print(f"[green]✓[/green] {title}: [bold]{outcome}[/bold] -> {events}")

    def run(self) -> None:
        for invitation in (self.opportunity, self.lead, self.plan, self.expiring, self.unseen):
            self.emulator.put(invitation)
            result = self.deliver(invitation, "Engagement Invitation Created")
            expect(result["outcome"] == "stored" and result["version"] == 1, f"created {invitation['Id']}: {result}")
        created = self.event_types()
        expect(created == ["invitation.created"] * 5, f"expected five invitation.created, got {created}")
        self.step("5 invitations created (opportunity, lead, account planning)", "stored v1 each", created)

        result = self.deliver(self.opportunity, "Engagement Invitation Created", event_id="duplicate-delivery")
        expect(
            result["outcome"] == "unchanged" and not self.event_types(), f"a duplicate must publish nothing: {result}"
        )
        self.step("the same Created event delivered again", "unchanged", [])

        self.emulator.update(CATALOG, self.opportunity["Id"], Status="ACCEPTED")
        result = self.deliver(self.opportunity, "Engagement Invitation Accepted")
        fresh = self.event_types()
        changed = self.published[-1].body.get("changedFields")
        expect(result["version"] == 2 and fresh == ["invitation.accepted"], f"accept: {result} {fresh}")
        expect(changed == ["status"], f"the acceptance changed the status only, changedFields: {changed}")
        self.step("the opportunity is accepted", f"stored v2, changedFields = {json.dumps(changed)}", fresh)

        self.rename_the_plan()

        result = self.deliver(self.opportunity, "Engagement Invitation Created", event_id="late-created")
        quiet = not self.event_types()
        expect(result["status"] == "ACCEPTED" and result["version"] == 2 and quiet, f"stale event: {result}")
        self.step("a late, out-of-order Created event arrives", f"{result['outcome']}, still ACCEPTED", [])

        lagging = lead_invitation(6, catalog=CATALOG)
        self.emulator.put(lagging)
        self.deliver(lagging, "Engagement Invitation Created")
        retried = self.deliver(lagging, "Engagement Invitation Accepted")  # Get still answers PENDING
        expect(retried.get("errorType") == "LaggingReadError", f"lag: {retried}")
        self.emulator.update(CATALOG, lagging["Id"], Status="ACCEPTED")
        result = self.deliver(lagging, "Engagement Invitation Accepted")  # the record's retry
        fresh = self.event_types()
        expect(result["outcome"] == "stored" and fresh == ["invitation.created", "invitation.accepted"], f"{fresh}")
        self.step("an acceptance announced before Get answers it", "retried (lagging read), then stored", fresh)

        self.emulator.update(CATALOG, self.lead["Id"], Status="REJECTED")
        self.emulator.make_inaccessible(CATALOG, self.lead["Id"])
        result = self.deliver(self.lead, "Engagement Invitation Rejected")
        fresh = self.event_types()
        expect(result["details_retrievable"] is False and fresh == ["invitation.rejected"], f"reject: {result}")
        self.step("the lead is rejected; Partner Central hides its details", "REJECTED, details kept", fresh)

        self.emulator.update(CATALOG, self.expiring["Id"], Status="EXPIRED")
        result = self.deliver(self.expiring, "Engagement Invitation Expired")
        fresh = self.event_types()
        expect(fresh == ["invitation.expired"], f"expiry: {result} {fresh}")
        self.step("an invitation expires", "EXPIRED", fresh)

        self.emulator.update(CATALOG, self.unseen["Id"], Status="ACCEPTED")  # its event never arrives
        report = self.reconcile()
        fresh = self.event_types()
        expect(report["drift_repaired"] == 1 and fresh == ["invitation.accepted"], f"reconcile: {report} {fresh}")
        self.step(
            "an acceptance whose event was never delivered",
            f"healed by one reconcile run ({report['list_calls']} List, {report['synced']} Get)",
            fresh,
        )

        self.remind_before_expiry()

    def rename_the_plan(self) -> None:
        """An update's event names what changed: the engagement title only."""
        self.emulator.update(CATALOG, self.plan["Id"], EngagementTitle="FY27 account plan (EMEA)")
        result = self.deliver(self.plan, "Engagement Invitation Created", event_id="title-changed")
        fresh = self.event_types()
        changed = self.published[-1].body.get("changedFields")
        expect(result["version"] == 2 and fresh == ["invitation.updated"], f"update: {result} {fresh}")
        expect(changed == ["engagementTitle"], f"the rename changed the title only, changedFields: {changed}")
        self.step(
            "the account plan is renamed in Partner Central", f"stored v2, changedFields = {json.dumps(changed)}", fresh
        )

    def remind_before_expiry(self) -> None:
        """The account plan (3 days left) is the only PENDING invitation: one reminder, once."""
        calls_before = len(self.emulator.calls)
        report = self.remind()
        fresh = self.event_types()
        reminder = self.published[-1].body.get("reminder") or {}
        expect(fresh == ["invitation.expiring"] and reminder.get("thresholdHours") == 72, f"reminder: {fresh}")
        expect(len(self.emulator.calls) == calls_before, "a reminder check must not call Partner Central")
        self.step(
            "the account plan has 3 days left",
            f"reminder at {reminder['thresholdHours']} h ({reminder['hoursLeft']} h left), 0 Partner Central calls",
            fresh,
        )
        report = self.remind()
        quiet = not self.event_types()
        expect(report["published"] == 0 and quiet, f"a second check must not remind again: {report}")
        self.step("the next reminder check", "already reminded", [])

    def remind(self) -> dict[str, Any]:
        from infra.reminders import TIMEOUT  # noqa: PLC0415 - loaded with the stack above
        from invitation_sync.handlers.reminder_handler import lambda_handler  # noqa: PLC0415

        return _scheduled_run(lambda_handler, TIMEOUT.to_seconds(), {"source": "aws.events"})

    def reconcile(self) -> dict[str, Any]:
        from infra.reconciler import TIMEOUT  # noqa: PLC0415 - loaded with the stack above
        from invitation_sync.handlers.reconcile_handler import lambda_handler  # noqa: PLC0415

        return _scheduled_run(lambda_handler, TIMEOUT.to_seconds(), {"mode": "incremental"})


class Answers:
    """An opportunity accepted and a lead rejected through the deployed answer function (what `invitation-sync
    accept` and `reject` invoke); then Partner Central's own EventBridge events for both, duplicates by now."""

    def __init__(self, story: Story, operator: LocalOperator) -> None:
        self.story, self.invoker = story, QuietInvoker(operator)
        self.function = operator.deployment.outputs["AnswerFunctionName"]
        self.opportunity = opportunity_invitation(7, catalog=CATALOG, title="Serverless data lake", company="Umbrella")
        self.lead = lead_invitation(8, catalog=CATALOG)

    def run(self) -> None:
        story = self.story
        for invitation in (self.opportunity, self.lead):
            story.emulator.put(invitation)
            story.deliver(invitation, "Engagement Invitation Created")
        created = story.event_types()
        expect(created == ["invitation.created"] * 2, f"two more invitations: {created}")
        story.step("an opportunity and a lead arrive, to be answered", "stored v1 each", created)
        self.answer(self.opportunity, "accept")
        self.answer(self.lead, "reject", reason="Unable to support")
        self.partner_central_events_after()

    def answer(self, invitation: dict[str, Any], decision: str, **reason: str) -> None:
        """One invocation, one write call, the outcome published with its `answer` member at once."""
        story, writes_before = self.story, len(self._writes())
        payload = {"catalog": CATALOG, "invitationId": invitation["Id"], "decision": decision} | reason
        result = self.invoker.invoke(self.function, payload | {"requestedBy": "ana@example.com"})
        fresh = story.event_types()
        outcome = {"accept": "accepted", "reject": "rejected"}[decision]
        writes = self._writes()[writes_before:]
        expect(result.get("outcome") == outcome, f"{decision} {invitation['Id']}: {result}")
        expect(fresh == [f"invitation.{outcome}"], f"{decision}: published {fresh}")
        expect(len(writes) == 1, f"{decision}: {len(writes)} write calls, one expected")
        published = story.published[-1].body["answer"]
        expect(published["decision"] == decision and published.get("reason") == reason.get("reason"), f"{published}")
        expect(published.get("opportunityId") == result.get("opportunityId"), f"{published} against {result}")
        created = f"opportunity {result['opportunityId']}, " if result.get("opportunityId") else ""
        kind = invitation["PayloadType"].removesuffix("Invitation").lower()
        story.step(
            f"the {kind} is {outcome} by the answer function", f"{created}1 write ({writes[0].operation})", fresh
        )
        console.print(f"    published answer: {json.dumps(published)}", soft_wrap=True)

    def partner_central_events_after(self) -> None:
        from local.event_source import deliver  # noqa: PLC0415 - imports the handler: after the environment

        events = self.story.emulator.take_events()
        with contextlib.redirect_stdout(io.StringIO()):
            outcomes = [deliver(event)["outcome"] for event in events]
        fresh = self.story.event_types()
        expect(len(events) == 2 and outcomes == ["unchanged"] * 2 and not fresh, f"late events: {outcomes} {fresh}")
        self.story.step("Partner Central's own Accepted and Rejected events arrive", "unchanged x2", fresh)

    def _writes(self) -> list[Any]:
        return [call for call in self.story.emulator.calls if call.operation in WRITE_OPERATIONS]


def _scheduled_run(handler: Callable[..., dict[str, Any]], timeout: float, event: dict[str, Any]) -> dict[str, Any]:
    """A scheduled function's run, with its own timeout; its log and metric lines stay out of the demo."""
    with contextlib.redirect_stdout(io.StringIO()):
        return handler(event, FakeLambdaContext(timeout_seconds=timeout))


def show_table(table_name: str) -> None:
    dynamodb = boto3.client("dynamodb")
    rows = dynamodb.query(
        TableName=table_name, KeyConditionExpression="catalog = :c", ExpressionAttributeValues={":c": {"S": CATALOG}}
    )["Items"]
    table = Table(title=f"table {table_name} (catalog {CATALOG})")
    for column in ("id", "status", "version", "payload", "customer", "project title", "details"):
        table.add_column(column)
    for row in rows:
        invitation = row["invitation"]["M"]
        payload = invitation.get("payload", {}).get("M", {})
        customer = payload.get("customer", {}).get("M", {}).get("companyName", {}).get("S", "")
        title = payload.get("project", {}).get("M", {}).get("title", {}).get("S", "")
        retrievable = invitation["detailsRetrievable"]["BOOL"]
        table.add_row(
            row["id"]["S"],
            row["status"]["S"],
            row["version"]["N"],
            payload.get("type", {}).get("S", ""),
            customer,
            title,
            "yes" if retrievable else "gone",
        )
    console.print(table)


def show_published(messages: list[PublishedMessage]) -> None:
    table = Table(title=f"published to SNS ({len(messages)} events)")
    for column in ("eventType", "invitation", "version", "changedFields / reminder", "attributes"):
        table.add_column(column)
    for message in messages:
        body = message.body
        attributes = " ".join(f"{k}={v}" for k, v in sorted(message.attributes.items()))
        reminder = body.get("reminder")
        detail = (
            f"{reminder['thresholdHours']} h before expiry" if reminder else ", ".join(body.get("changedFields", []))
        )
        table.add_row(body["eventType"], body["invitation"]["id"], str(body["version"]), detail, attributes)
    console.print(table)


def show_queries(table_name: str) -> None:
    titles = (
        "one invitation",
        "ACCEPTED, newest first",
        "PENDING expiring within 7 days",
        "of one engagement",
        "by project title",
    )
    table = Table(title="the queries of docs/table.md, run against the local table")
    table.add_column("query")
    table.add_column("invitations")
    dynamodb = boto3.client("dynamodb")
    answers = []
    for title, snippet in zip(titles, snippets(), strict=True):
        namespace = run_query(snippet, dynamodb, table_name, catalog=CATALOG)
        items = [namespace["item"]] if namespace.get("item") else namespace.get("items", [])
        answers.append([item["id"]["S"] for item in items])
        table.add_row(title, ", ".join(answers[-1]) or "(none)")
    console.print(table)
    expect(answers[0] == ["engi-0000000000001"], f"get-item answered {answers[0]}")
    expect(
        answers[1] == ["engi-0000000000006", "engi-0000000000005", "engi-0000000000001"],
        f"ACCEPTED answered {answers[1]}",
    )
    expect(answers[2] == ["engi-0000000000003"], f"expiring within 7 days answered {answers[2]}")
    expect(answers[4] == ["engi-0000000000001"], f"title query answered {answers[4]}")


class QuietInvoker:
    """The functions' JSON log and EMF lines stay out of the demo's output."""

    def __init__(self, operator: LocalOperator) -> None:
        self._invoker = operator.invoker

    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        with contextlib.redirect_stdout(io.StringIO()):
            return self._invoker.invoke(function_name, payload)


def operate(operator: LocalOperator) -> None:
    """What an operator runs after `make deploy`: names come from the stack, the functions do the work.
    The event source mapping runs meanwhile, as in AWS, so verify's record goes through the sync function."""
    outputs = operator.deployment.outputs
    mapping = LocalEventSourceMapping(
        boto3.client("sqs"), outputs["EventQueueUrl"], operator.invoker, outputs["SyncFunctionName"]
    )
    # The mapping's invocations would print their metrics (EMF lines) between verify's steps.
    with mapping.running(), patch.dict(os.environ, {"POWERTOOLS_METRICS_DISABLED": "true"}):
        for command in (["verify", "--wait", "60"], ["backfill"], ["status", "--catalog", CATALOG]):
            console.print(f"[bold]$ invitation-sync {' '.join(command)}[/bold]")
            code = invitation_sync(command, session=operator.session, invoker=QuietInvoker(operator))
            expect(code == 0, f"invitation-sync {command[0]} exited with {code}")


def main() -> int:
    started = time.monotonic()
    try:
        with local_cloud() as (operator, emulator, probe):
            deployment = operator.deployment
            from invitation_sync.observability import logger  # noqa: PLC0415

            for handler in logging.getLogger(logger.name).handlers:  # the console stays quiet; the log lines
                handler.setLevel(logging.ERROR)  # still reach the log groups, where verify reads its witness
            story = Story(emulator, probe)
            story.run()
            show_table(deployment.tables[0])
            show_published(story.published)
            show_chat_messages(operator, story.published, expect)
            show_queries(deployment.tables[0])
            Answers(story, operator).run()
            operate(operator)
    except DemoCheckFailed as failure:
        console.print(f"[red]demo check failed:[/red] {failure}")
        return 1
    console.print(f"[green]demo passed[/green] in {time.monotonic() - started:.1f} s: every step did what it should.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
