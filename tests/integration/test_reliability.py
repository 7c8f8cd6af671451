"""The fault-injection suite in a small, fast configuration: every fault kind, zero lost changes."""

from local.reliability import ReliabilityConfig, run


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
