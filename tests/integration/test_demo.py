"""`make demo` is also a smoke test: it must pass, and say so, in a fresh interpreter; the README shows what
it prints."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("cdk")


def test_demo_passes_every_step() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local.demo"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},  # rich wraps at the terminal's width: keep each check on one line
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo passed" in result.stdout
    assert "healed by one reconcile run" in result.stdout
    assert 'changedFields = ["engagementTitle"] -> invitation.updated' in result.stdout
    assert "reminder at 72 h" in result.stdout
    assert "┌ New: opportunity invitation — Data platform migration\n" in result.stdout  # its chat message
    assert "the opportunity is accepted by the answer function: opportunity O" in result.stdout
    assert "the lead is rejected by the answer function: 1 write (RejectEngagementInvitation)" in result.stdout
    assert 'published answer: {"decision": "reject", "requestedBy": "ana@example.com"' in result.stdout
    assert "Accepted and Rejected events arrive: unchanged x2 -> nothing published" in result.stdout
    assert "PASS first event: " in result.stdout  # invitation-sync verify against the local stack
    assert "\nFAIL " not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    shown = [line for line in readme.split("## Try it locally", 1)[1].splitlines() if line.startswith("✓")]
    assert shown, "README: Try it locally shows no check of the demo"
    assert [line for line in shown if line not in result.stdout.splitlines()] == []  # e.g. the resource count
