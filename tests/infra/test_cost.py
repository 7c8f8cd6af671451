"""The README's monthly cost is the one benchmarks/cost.py counts from the synthesized default stack, and
the count sees every metric the code names, per catalog where the functions emit it per catalog."""

import pytest

from benchmarks.cost import custom_metrics, lines, runs_per_month, table, total
from invitation_sync import observability
from tests.conftest import REPO
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]

# The module's own constants (annotated there), not the Powertools environment names it imports.
METRIC_NAMES = {getattr(observability, name) for name in observability.__annotations__ if name.isupper()} - {
    observability.SERVICE,
    observability.METRIC_NAMESPACE,
}


def test_the_readme_shows_the_counted_monthly_cost(default_stack: Synthesized) -> None:
    counted = table(lines(default_stack.raw))
    readme = (REPO / "README.md").read_text()
    assert counted in readme, (
        f"README's Cost section is stale: run `make synth && python -m benchmarks.cost`\n{counted}"
    )
    assert total(lines(default_stack.raw)) > 10  # the fixed part alone (key, dashboard, metrics, alarms)


def test_every_metric_the_code_names_is_counted_per_catalog_where_it_is_emitted_per_catalog(
    default_stack: Synthesized, configured_stack: Synthesized
) -> None:
    one_catalog, two_catalogs = custom_metrics(default_stack.raw), custom_metrics(configured_stack.raw)
    assert len(METRIC_NAMES) == 16
    assert {name for _, name, _ in one_catalog} == METRIC_NAMES
    per_catalog = {name for _, name, dimensions in one_catalog if "catalog" in dict(dimensions)}
    assert len(two_catalogs) - len(one_catalog) == len(per_catalog) == 10


def test_schedules_are_counted_per_month_and_an_unreadable_one_is_named() -> None:
    assert runs_per_month("rate(5 minutes)") == 730 * 12
    assert runs_per_month("rate(1 hour)") == 730
    assert runs_per_month("rate(7 days)") == pytest.approx(730 / 168)
    with pytest.raises(ValueError, match=r"cron\(0 3 \? \* SUN \*\)"):
        runs_per_month("cron(0 3 ? * SUN *)")
