"""The fault-injection suite in a small, fast configuration: every fault kind, zero lost changes."""

from local.answer_reliability import AnswerFaultsConfig
from local.answer_reliability import run as run_answers
from local.reliability import ReliabilityConfig, markdown, run


def test_no_change_is_lost_regressed_or_unpublished_under_faults() -> None:
    # Higher client-side fault rates than the full run, so every fault kind occurs even in a short run.
    config = ReliabilityConfig(
        seed=11, invitations=10, min_events=40, dynamodb_fault_rate=0.08, sns_fault_rate=0.3, change_interval=0.1
    )
    report = run(config)

    assert report.events >= 40
    assert report.deliveries > report.events  # duplicates were delivered
    for kind in (
        "throttle",
        "internal error",
        "lagging read",
        "client dynamodb.UpdateItem:InternalServerError",
        "client sns.Publish:InternalError",
    ):
        assert report.faults[kind] > 0, f"no {kind} fault was injected: the run proves nothing about it"
    assert report.queue_retries > 0  # records came back after their retry delay
    assert report.stored_versions >= config.invitations
    assert not report.still_failing, report.markdown()  # once the outage is over, every parked event syncs
    assert (report.lost_changes, report.regressions, report.published_zero_times, report.unexpected_errors) == (
        0,
        0,
        0,
        0,
    ), report.markdown()


def test_answers_are_given_once_never_lost_and_each_outcome_published_once_under_faults() -> None:
    report = run_answers(AnswerFaultsConfig(seed=11))

    assert report.crashes == AnswerFaultsConfig.crashes_after_write  # invocations died after the write
    assert report.outcomes["failed"] >= AnswerFaultsConfig.failing_tasks  # the failing task was reported
    for kind in ("throttle", "queued after effect"):
        assert report.faults[kind] > 0, f"no {kind} fault was injected: the run proves nothing about it"
    assert report.outcomes["already-answered"] > 0  # people answered the same invitations at once
    assert report.peak_writes_per_second <= 1  # Partner Central's write quota, across every invocation
    assert (
        report.double_answers,
        report.contradicting_outcomes,
        report.lost_answers,
        report.published_zero_times,
        report.published_more_than_once,
        report.late_events_published,
        report.unexpected_errors,
    ) == (0, 0, 0, 0, 0, 0, []), markdown(report.rows())
