"""One synthesized app per session and context: jsii start-up is the slow part, so share it."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.stack import create_app


@dataclass(frozen=True)
class Synthesized:
    template: Template
    raw: dict[str, Any]
    outdir: Path

    def resources(self, resource_type: str) -> dict[str, Any]:
        return {k: v for k, v in self.raw["Resources"].items() if v["Type"] == resource_type}


def synthesize(outdir: Path, context: dict[str, object] | None = None) -> Synthesized:
    app, stack = create_app(context=context, outdir=str(outdir))
    assembly = app.synth()  # runs cdk-nag: an unacknowledged finding raises here
    raw = json.loads((Path(assembly.directory) / f"{stack.artifact_id}.template.json").read_text())
    return Synthesized(Template.from_json(raw), raw, Path(assembly.directory))


@pytest.fixture(scope="session")
def default_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk-default"))


@pytest.fixture(scope="session")
def configured_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = {
        "catalogs": "AWS,Sandbox",
        "alarmEmail": "ops@example.com",
        "eventMaxConcurrency": 3,
        "eventRatePerExecution": 1,
        "partnerCentralRateCap": 3,
        "logRetentionDays": 30,
        "logLevel": "DEBUG",
        "removalPolicy": "destroy",
        "fullSweepSchedule": "cron(0 3 ? * SUN *)",
        "expiryReminders": "12,48,1",
        "tracing": True,
        "subscriberAccounts": "444455556666,777788889999",
    }
    return synthesize(tmp_path_factory.mktemp("cdk-configured"), context)
