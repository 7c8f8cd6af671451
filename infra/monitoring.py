"""Alarms that page someone, and one dashboard that shows the sync at a glance."""

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from invitation_sync import observability as names

FIVE_MINUTES = Duration.minutes(5)


class InvitationMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        event_rule: events.IRule,
        event_queue: sqs.IQueue,
        failed_events: sqs.IQueue,
        alarm_topic: sns.ITopic,
        catalogs: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(alarm_topic)
        self._catalogs = list(catalogs)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, function in functions.items():
            # Named, so an alarm in `invitation-sync status` or an email says which function to look at.
            which = f"the {name} function {function.function_name}"
            errors = function.metric_errors(period=FIVE_MINUTES)
            self._alarm(f"{name}Errors", errors, 1, f"{which}: invocations failed")
            # Async invocations are queued and retried when throttled: only sustained throttling matters.
            throttles = function.metric_throttles(period=FIVE_MINUTES)
            self._alarm(f"{name}Throttles", throttles, 1, f"{which}: throttled", periods=3)
        depth = failed_events.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum")
        age = failed_events.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Maximum")
        self._alarm("FailedEventsWaiting", depth, 1, "events wait in the failed-events queue: see README, redrive")
        self._alarm("FailedEventsAging", age, 3600, "a failed event has waited over an hour")
        # What the rule could deliver to neither queue (e.g. the key refused EventBridge) is dropped.
        lost = cloudwatch.Metric(
            namespace="AWS/Events",
            metric_name="InvocationsFailedToBeSentToDlq",
            dimensions_map={"RuleName": event_rule.rule_name},
            statistic="Sum",
            period=FIVE_MINUTES,
        )
        self._alarm("EventsLost", lost, 1, "EventBridge dropped invitation events it could not deliver or park")
        # A record is retried for about 10 minutes at most before it is parked: older means the sync is behind.
        backlog = event_queue.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Maximum")
        self._alarm("EventQueueAging", backlog, 1800, "an invitation event has waited over 30 minutes", periods=2)
        self._alarm("PublishFailures", self.app_metric(names.PUBLISH_FAILURES), 1, "SNS publishes failed")
        self._alarm(
            "Drift",
            self.reconcile_metric(names.DRIFT_REPAIRED),
            1,
            "the reconciler repaired invitations whose events never arrived (drift): see docs/operations.md, "
            "missed events",
        )
        self._alarm(
            "ReconcileFailures",
            self.reconcile_metric(names.RECONCILE_FAILURES),
            1,
            "reconcile runs could not sync some invitations for 3 hours in a row: see the runs' reports",
            periods=3,
        )
        if "Reminders" in functions:  # a reminder run reports what it could not publish instead of failing
            self._alarm(
                "ReminderFailures",
                self.reconcile_metric(names.REMINDER_FAILURES),
                1,
                "expiry reminders could not be published: each run repeats them until it succeeds",
            )
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{Stack.of(self).stack_name}-sync")
        self.dashboard.add_widgets(
            self._graph(
                "Invitations",
                names.INVITATIONS_SYNCED,
                names.INVITATIONS_UNCHANGED,
                names.INVITATIONS_STALE,
                names.EVENTS_PUBLISHED,
            ),
            self._graph(
                "Trouble",
                names.PUBLISH_FAILURES,
                names.INVALID_EVENTS,
                names.LAGGING_READS,
                names.RETRIES_EXHAUSTED,
                names.INVITATIONS_INACCESSIBLE,
                names.PARTNER_CENTRAL_THROTTLED,
            ),
            cloudwatch.GraphWidget(title="Failed events queue", left=[depth], right=[age]),
            cloudwatch.GraphWidget(title="Event queue: oldest record (s)", left=[backlog]),
            cloudwatch.GraphWidget(
                title="Reconciler",
                left=[
                    self.reconcile_metric(name)
                    for name in (
                        names.DRIFT_REPAIRED,
                        names.INVITATIONS_BACKFILLED,
                        names.EVENTS_PUBLISHED,  # the reconciler's own (the functions' are per catalog)
                        names.RECONCILE_FAILURES,
                        names.RECONCILE_SKIPPED,
                        names.PARTNER_CENTRAL_THROTTLED,  # a backfill is the largest reader of the quota
                    )
                ],
            ),
        )
        if "Reminders" in functions:
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Expiry reminders",
                    left=[
                        self.reconcile_metric(names.REMINDERS_PUBLISHED),
                        self.reconcile_metric(names.REMINDER_FAILURES),
                    ],
                )
            )
        self.dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=name,
                    left=[function.metric_invocations(), function.metric_errors(), function.metric_throttles()],
                    right=[function.metric_duration(statistic="p95")],
                )
                for name, function in functions.items()
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms),
        )

    def _graph(self, title: str, *metric_names: str) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=[self.app_metric(name) for name in metric_names])

    def reconcile_metric(self, name: str) -> cloudwatch.Metric:
        """The reconciler's and the reminders' metrics cover every catalog in one run: no catalog dimension."""
        return cloudwatch.Metric(
            namespace=names.METRIC_NAMESPACE,
            metric_name=name,
            dimensions_map={"service": names.SERVICE},
            statistic="Sum",
            period=Duration.hours(1),
        )

    def app_metric(self, name: str) -> cloudwatch.IMetric:
        """An EMF metric summed over the configured catalogs (the functions emit it per catalog)."""
        per_catalog = {
            f"{name[0].lower()}{name[1:]}{index}": cloudwatch.Metric(
                namespace=names.METRIC_NAMESPACE,
                metric_name=name,
                dimensions_map={"service": names.SERVICE, "catalog": catalog},
                statistic="Sum",
                period=FIVE_MINUTES,
            )
            for index, catalog in enumerate(self._catalogs)
        }
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({key}, 0)" for key in per_catalog),
            using_metrics=per_catalog,
            label=name,
            period=FIVE_MINUTES,
        )

    def _alarm(self, alarm_id: str, metric: cloudwatch.IMetric, threshold: float, what: str, periods: int = 1) -> None:
        alarm = cloudwatch.Alarm(
            self,
            alarm_id,
            alarm_description=f"invitation-sync: {what}",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)
