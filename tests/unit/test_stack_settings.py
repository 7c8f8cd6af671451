"""Settings refuse a key the stack does not know, naming the closest one, and cdk.json lists every
setting at its default (the model is the one place a setting is declared)."""

import json
from pathlib import Path

import pytest

from infra.settings import CONTEXT_KEYS, InvalidSettingsError, StackSettings

CDK_JSON = Path(__file__).resolve().parents[2] / "cdk.json"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (
            {"expiryReminder": [48]},
            "unknown invitation-sync setting 'expiryReminder' in cdk.json context (or -c): "
            "did you mean 'expiryReminders'?",
        ),
        ({"catalog": ["Sandbox"]}, "unknown invitation-sync setting 'catalog' in cdk.json context (or -c): "),
        ({"AlarmEmail": "ops@example.com"}, "did you mean 'alarmEmail'?"),
        ({"owner": "team-crm"}, "the settings are alarmEmail, answers, catalogs, chat, "),
    ],
)
def test_an_unknown_key_is_refused_naming_it_and_the_closest_known_one(
    context: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidSettingsError) as refused:
        StackSettings.from_context({**context, "catalogs": ["AWS"]})
    assert message in str(refused.value)


def test_every_unknown_key_is_named_at_once() -> None:
    with pytest.raises(InvalidSettingsError) as refused:
        StackSettings.from_context({"catalog": "AWS", "tracng": True})
    assert "'catalog'" in str(refused.value)
    assert "'tracng' in cdk.json context (or -c): did you mean 'tracing'?" in str(refused.value)


def test_cdks_own_keys_stay_allowed() -> None:
    context = {
        "@aws-cdk/core:newStyleStackSynthesis": True,  # a feature flag
        "@aws-cdk/core:failSynthOnValidationErrors": False,  # set by the CLI
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:version-reporting": True,
        "aws:cdk:bundling-stacks": ["**"],
        "availability-zones:account=111122223333:region=us-east-1": ["us-east-1a"],  # a cached lookup
        "acknowledged-issue-numbers": [32775],  # `cdk acknowledge`
        "cli-telemetry": False,
        "cdk-migrate": True,
        "catalogs": "AWS,Sandbox",
    }
    assert StackSettings.from_context(context).catalogs == ["AWS", "Sandbox"]


def test_cdk_json_lists_every_setting_at_its_default() -> None:
    context = json.loads(CDK_JSON.read_text())["context"]
    defaults = StackSettings().model_dump(by_alias=True, mode="json")
    missing = {key: value for key, value in defaults.items() if key not in context}
    assert not missing, f"add to cdk.json's context: {json.dumps(missing)[1:-1]}"
    assert set(context) == CONTEXT_KEYS
    assert StackSettings.from_context(context) == StackSettings()
