"""Every file or folder the README and docs/ name exists: a path quoted in `code` is read from the repository
root (the convention of these documents; an absolute one, such as Lambda's `/var/task`, is not the
repository's), a Markdown link from the document's own folder."""

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# What a build writes, so a clean clone does not hold it yet.
GENERATED = ("cdk.out/", "build/", ".cache/", ".venv/")
CODE_PATH = re.compile(r"`([\w.\-/]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
FILE_SUFFIXES = (".py", ".json", ".md", ".toml", ".txt", ".yml", ".yaml", ".cfg")


def named_paths(document: Path) -> list[tuple[str, Path]]:
    """(as written, where it must be) for each path-shaped code span and each local link target."""
    text = re.sub(r"^```.*?^```", "", document.read_text(), flags=re.MULTILINE | re.DOTALL)  # code blocks
    found = [
        (span, REPO / span)
        for span in CODE_PATH.findall(text)
        if ("/" in span or span.endswith(FILE_SUFFIXES)) and not span.startswith((*GENERATED, "/"))
    ]
    for target in LINK.findall(text):
        path = target.split("#", 1)[0]
        if path and not re.match(r"[a-z]+:", path):
            found.append((target, document.parent / path))
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(REPO)))
def test_every_path_a_document_names_exists(document: Path) -> None:
    paths = named_paths(document)
    missing = [written for written, path in paths if not path.exists()]
    assert paths, "no path found: the patterns no longer match the document"
    assert missing == []


def test_a_path_relative_to_the_package_is_reported(tmp_path: Path) -> None:
    document = tmp_path / "page.md"
    document.write_text("the use case (`sync.py`), a [schema](schemas/nothing.json) and `cdk.out/x.json`\n")
    assert [written for written, path in named_paths(document) if not path.exists()] == [
        "sync.py",
        "schemas/nothing.json",
    ]
