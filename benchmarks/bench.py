"""`make bench`: cold start, per-event CPU, API calls, reconcile cost and footprint, each against its
floor measured in the same run. Prints a Markdown table and writes the figures as JSON."""

import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import boto3

from benchmarks import answers, api_calls, cold_start
from benchmarks import warm as warm_events
from infra.lambda_asset import LAMBDA_PLATFORM, LAMBDA_PYTHON, build_lambda_asset, has_bytecode
from invitation_sync.observability import logger
from local.environment import local_aws
from local.event_source import deliver
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import invitation_event, opportunity_invitation

RESULTS = Path("build/bench.json")


def stored_item_for_canned_answers(path: Path) -> None:
    """The item one real sync writes, used as the canned UpdateItem ALL_NEW answer."""
    with PartnerCentralEmulator() as emulator, local_aws(emulator.url) as aws:
        invitation = opportunity_invitation(1)
        emulator.put(invitation)
        deliver(invitation_event(invitation))
        key = {"catalog": {"S": "AWS"}, "id": {"S": invitation["Id"]}}
        item = boto3.client("dynamodb").get_item(TableName=aws.table_name, Key=key)["Item"]
    path.write_text(json.dumps(item))


def warm(events: int = 2000, memory_events: int = 5000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        item, output = Path(scratch) / "item.json", Path(scratch) / "warm.json"
        with contextlib.redirect_stdout(io.StringIO()):  # the one real sync's log and metric lines
            stored_item_for_canned_answers(item)
        environment = {**os.environ, **warm_events.ENVIRONMENT}
        with open(os.devnull, "w") as devnull:  # the handler's log and metric lines: written, not shown
            subprocess.run(  # noqa: S603
                [sys.executable, "-m", "benchmarks.warm", str(events), str(memory_events), str(item), str(output)],
                env=environment,
                stdout=devnull,
                check=True,
            )
        figures: dict[str, Any] = json.loads(output.read_text())
        return figures


def asset_zip_bytes(asset: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(asset.rglob("*")):
            if path.is_file() and path.name != ".complete":
                archive.write(path, path.relative_to(asset))
    return len(buffer.getvalue())


def row(measure: str, project: float, floor: float | None, unit: str, goal: str) -> str:
    ratio = f"{project / floor:.2f}x" if floor else "-"
    floor_text = f"{_figure(floor)} {unit}" if floor is not None else "-"
    return f"| {measure} | {_figure(project)} {unit} | {floor_text} | {ratio} | {goal} |"


def _figure(value: float) -> str:
    """Three significant digits, without an exponent for thousands."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def reconcile_rows(rec: dict[str, Any]) -> list[str]:
    """Per scheduled run over the history: Partner Central calls against the open set's floor, and the
    day's reads at an hourly schedule as a share of the 100,000-read quota."""
    scale = f"reconcile {rec['invitations']:,} ({rec['open']} open)"
    pairs_floor = 2 * 2  # per pair: the open set fits one page, the recent invitations another
    lines = []
    for label, run in ((k, v) for k, v in rec.items() if isinstance(v, dict)):
        floor = run["gets"] + (pairs_floor if label.startswith("incremental") else rec["full_sweep_floor"])
        goal = (
            f"<= 2 List per pair (max {run['list_calls_per_pair_max']}), Gets {run['gets']}, events {run['published']}"
            if label.startswith("incremental")
            else f"the old scheduled run; Gets {run['gets']}"
        )
        lines.append(row(f"{scale}, {label}: List + Get calls", run["list_calls"] + run["gets"], floor, "calls", goal))
        lines.append(
            row(f"{scale}, {label}: reads/day hourly", run["quota_share_hourly"] * 100, None, "% of quota", "")
        )
        lines.append(row(f"{scale}, {label}: wall time at {rec['rate_cap']:g}/s", run["wall_s"], None, "s", ""))
    return lines


def answer_rows(per_answer: dict[str, Any], concurrent: dict[str, Any]) -> list[str]:
    """Partner Central calls per answer against their floor (1 write + the task's List calls + 1 Get), and the
    write calls of concurrent answers as Partner Central receives them."""
    lines = [
        row(
            f"answer, {label}: Partner Central calls ({figures['writes']} write, {figures['task_lists']} task List)",
            figures["partner_central_calls"],
            figures["floor"],
            "calls",
            f"{figures['outcome']}, published {figures['published']}, DynamoDB+SNS {sum(figures['aws'].values())}",
        )
        for label, figures in per_answer.items()
    ]
    outcomes = ", ".join(f"{name} {count}" for name, count in sorted(concurrent["outcomes"].items()))
    at_once = f"{concurrent['invocations']} answers at once"
    lines.append(
        row(f"{at_once}: most write calls in any 1 s", concurrent["peak_writes_per_second"], 1, "calls", "<= 1")
    )
    lines.append(
        row(
            f"{at_once}: least spacing of two write calls",
            concurrent["min_spacing_s"],
            1.0,
            "s",
            f">= 1 s; {concurrent['write_calls']} writes, {concurrent['throttled']} throttled; {outcomes}",
        )
    )
    lines.append(row(f"{at_once}: first to last write call", concurrent["span_s"], None, "s", ""))
    return lines


def main() -> None:
    logger.setLevel("ERROR")
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    }
    print("measuring cold start ...", file=sys.stderr)
    figures["cold_start"] = cold_start.measure()
    print("measuring warm CPU and memory ...", file=sys.stderr)
    figures["warm"] = warm()
    print("counting API calls per event ...", file=sys.stderr)
    with contextlib.redirect_stdout(io.StringIO()):
        figures["api_calls"] = api_calls.per_event()
    print("measuring scheduled reconcile runs over 10,000 invitations, 100 open ...", file=sys.stderr)
    with contextlib.redirect_stdout(io.StringIO()):
        figures["reconcile"] = api_calls.reconcile_at_scale()
    print("answering: calls per answer, then concurrent answers against the write quota ...", file=sys.stderr)
    with contextlib.redirect_stdout(io.StringIO()):
        figures["answers"] = {"per_answer": answers.per_answer(), "concurrent": answers.concurrent_write_rate()}
    asset = build_lambda_asset(LAMBDA_PLATFORM)
    figures["asset_zip_bytes"] = asset_zip_bytes(asset)
    figures["lambda_asset_bytecode"] = has_bytecode(asset)

    cold, hot, calls, rec = figures["cold_start"], figures["warm"], figures["api_calls"], figures["reconcile"]
    memory_key = f"rss_kib_after_{hot['memory_events']}"
    lines = [
        f"Machine: {figures['machine']}.",
        "",
        "| measure | project | floor | ratio | goal |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    shipped = cold["without_bytecode"]
    for project, floor, label, goal in (
        (cold["default"], cold["floor"], "tracing off (default)", "<= 1.25x"),
        (cold["tracing"], cold["floor"], "tracing on", "-"),
        (cold["pydantic_floor"], cold["floor"], "the floor + pydantic and one model", "- (any pydantic function)"),
        (cold["default"], cold["pydantic_floor"], "tracing off, against the floor + pydantic", "-"),
        (shipped["default"], shipped["floor"], "asset without bytecode", "-"),
    ):
        for clock, name in (("wall_s", "wall"), ("cpu_s", "CPU")):
            lines.append(
                row(
                    f"cold start to the first request, {label}: {name} (median of {project['runs']})",
                    project[clock] * 1000,
                    floor[clock] * 1000,
                    "ms",
                    goal,
                )
            )
    lines.append(
        row("warm CPU per event (median of 2,000)", hot["project_cpu_ms"], hot["naive_cpu_ms"], "ms", "<= 1.5x")
    )
    for scenario, counts in calls.items():
        floor = 3 if counts["published"] else None
        goal = "<= 4 calls" if counts["published"] else "<= 2 calls, 0 published"
        lines.append(
            row(f"API calls: {scenario} (published {counts['published']})", counts["total"], floor, "calls", goal)
        )
    lines += reconcile_rows(rec)
    lines += answer_rows(figures["answers"]["per_answer"], figures["answers"]["concurrent"])
    lines.append(row("asset, zipped", figures["asset_zip_bytes"] / 1e6, None, "MB", "< 50 MB (direct upload)"))
    bytecode = "with bytecode" if figures["lambda_asset_bytecode"] else f"without bytecode (no python{LAMBDA_PYTHON})"
    lines.append(f"| the Lambda asset built on this machine | {bytecode} | - | - | - |")
    lines.append(
        row(
            f"RSS after {hot['memory_events']:,} warm events",
            hot[memory_key] / 1024,
            hot["rss_kib_after_1000"] / 1024,
            "MiB",
            "no growth vs. after 1,000",
        )
    )
    table = "\n".join(lines)
    print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))
    print(f"\nfigures written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
