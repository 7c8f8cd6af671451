"""The Lambda asset is complete and built for the Lambda's platform, proven without AWS or Docker."""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from infra.lambda_asset import (
    LAMBDA_PLATFORM,
    LAMBDA_PYTHON,
    BytecodeCompiler,
    build_lambda_asset,
    bytecode_compiler,
    has_bytecode,
    host_platform,
)
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.xdist_group("cdk")  # one builder at a time: both share build/ and the wheel cache

ELF_MACHINE_AARCH64 = 183
# The interpreter the virtualenv was made from: with -S it sees only the standard library.
BASE_PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
PYTHON_TAG = "cpython-" + LAMBDA_PYTHON.replace(".", "")


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int(struct.unpack("<H", header[18:20])[0])


def test_every_compiled_file_matches_the_lambda_architecture_and_python() -> None:
    asset = build_lambda_asset(LAMBDA_PLATFORM)
    compiled = [p for p in asset.rglob("*") if p.is_file() and (p.suffix == ".so" or ".so." in p.name)]
    assert compiled, "expected compiled extensions (pydantic-core) in the asset"
    for path in compiled:
        assert elf_machine(path) == ELF_MACHINE_AARCH64, f"{path.relative_to(asset)} is not aarch64"
        tag_ok = PYTHON_TAG in path.name or ".abi3." in path.name or "cpython" not in path.name
        assert tag_ok, f"{path.relative_to(asset)} is not built for Python {LAMBDA_PYTHON}"
        assert "x86_64" not in path.name
    bytecode = list(asset.rglob("*.pyc"))
    if bytecode_compiler(LAMBDA_PLATFORM) is None:
        assert not bytecode, "bytecode from this machine's Python must not ship"
    else:
        assert bytecode
        assert all(PYTHON_TAG in path.name for path in bytecode)


def test_the_asset_ships_unchecked_bytecode_when_an_interpreter_of_its_version_is_here() -> None:
    asset = build_lambda_asset(host_platform())  # this machine's Python is that interpreter
    assert has_bytecode(asset)
    compiled = asset / "invitation_sync" / "__pycache__" / f"sync.{sys.implementation.cache_tag}.pyc"
    flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
    assert flags == 1, "hash-based and unchecked: used whatever timestamps the zip gives the sources"


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        ("3.11 final a70d0d0a", False),  # another version on the runtime's name
        (f"{LAMBDA_PYTHON} beta 2b0e0d0a", False),  # a pre-release: another magic number than the runtime's
        (f"{LAMBDA_PYTHON} final 2c0e0d0a", True),
    ],
)
def test_only_a_final_release_of_the_runtime_version_compiles_the_asset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, accepted: bool
) -> None:
    interpreter = tmp_path / f"python{LAMBDA_PYTHON}"
    interpreter.write_text(f"#!/bin/sh\necho {answer}\n")  # what the probe prints, from a stand-in
    interpreter.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    found = bytecode_compiler(LAMBDA_PLATFORM)
    expected = BytecodeCompiler(str(interpreter), answer.rsplit(maxsplit=1)[-1]) if accepted else None
    assert found == expected


def test_synth_warns_when_the_lambda_asset_ships_without_bytecode(default_stack: Synthesized) -> None:
    # The stack's annotations: in the manifest, or in the file it names (newer CDK releases).
    artifact = json.loads((default_stack.outdir / "manifest.json").read_text())["artifacts"]["InvitationSync"]
    metadata = artifact.get("metadata") or json.loads(
        (default_stack.outdir / artifact["additionalMetadataFile"]).read_text()
    )
    warnings = [
        str(entry["data"]) for entries in metadata.values() for entry in entries if entry["type"] == "aws:cdk:warning"
    ]
    without = any("ships without bytecode" in warning for warning in warnings)
    assert without == (bytecode_compiler(LAMBDA_PLATFORM) is None), warnings


def test_asset_carries_the_pinned_sdk_and_only_the_services_it_uses() -> None:
    asset = build_lambda_asset(LAMBDA_PLATFORM)
    pinned = dict(
        line.split("==")
        for line in (Path(__file__).resolve().parents[2] / "lambdas/requirements.txt").read_text().split()
        if "==" in line
    )
    assert (asset / f"botocore-{pinned['botocore']}.dist-info").is_dir()
    assert (asset / "invitation_sync" / "handlers" / "sync_handler.py").is_file()
    services = {p.name for p in (asset / "botocore" / "data").iterdir() if p.is_dir()}
    assert services == {"partnercentral-selling", "dynamodb", "sns", "sqs", "sts", "xray"}


@pytest.mark.parametrize("traced", [False, True])
def test_handler_imports_from_the_asset_alone_in_a_fresh_interpreter(traced: bool) -> None:
    """Traced (Lambda's LAMBDA_TASK_ROOT and tracing on), the asset's own X-Ray SDK is loaded."""
    asset = build_lambda_asset(host_platform())
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import invitation_sync.handlers.sync_handler as h;"
        "from invitation_sync.wiring.sync import sync_services;"
        "services = sync_services();"
        "import boto3, pydantic;"
        "assert boto3.__file__.startswith(sys.argv[1]), boto3.__file__;"
        "assert pydantic.__file__.startswith(sys.argv[1]), pydantic.__file__;"
        "xray = sys.modules.get('aws_xray_sdk.core');"
        "assert xray is None or xray.__file__.startswith(sys.argv[1]), xray.__file__;"
        "print('ok', h.lambda_handler.__name__, xray is not None)"
    )
    environment = {
        "LAMBDA_TASK_ROOT": str(asset),
        "POWERTOOLS_TRACE_DISABLED": str(not traced).lower(),
        "PATH": os.environ.get("PATH", ""),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "INVITATIONS_TABLE_NAME": "invitations",
        "INVITATION_EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:111122223333:events",
        "SYNC_CATALOGS": "AWS",
        "FAILED_EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/failed",
        "INVITATION_EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/events",
    }
    # -S: no site-packages, so nothing of the dev virtualenv (or the base interpreter) is importable.
    result = subprocess.run(  # noqa: S603
        [str(BASE_PYTHON), "-S", "-E", "-c", probe, str(asset)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "lambda_handler", str(traced)]


def test_the_probe_would_catch_a_missing_dependency(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [str(BASE_PYTHON), "-S", "-E", "-c", "import pydantic"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode != 0
