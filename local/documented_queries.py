"""The query snippets of docs/table.md (Queries), extracted and run as written: by the tests and by the demo."""

import re
from pathlib import Path
from typing import Any, Final

TABLE_DOC: Final = Path(__file__).resolve().parents[1] / "docs" / "table.md"


def snippets() -> list[str]:
    """The Python blocks of the Queries section, in order."""
    section = TABLE_DOC.read_text().split("## Queries", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def run(snippet: str, dynamodb: Any, table: str, catalog: str = "AWS") -> dict[str, Any]:
    """Execute one snippet; `catalog` swaps the documented AWS catalog for another (the demo uses Sandbox)."""
    if catalog != "AWS":
        snippet = snippet.replace('"AWS#', f'"{catalog}#').replace('{"S": "AWS"}', f'{{"S": "{catalog}"}}')
    namespace: dict[str, Any] = {"dynamodb": dynamodb, "table": table}
    exec(snippet, namespace)  # noqa: S102 - the documented code, run as a reader would
    return namespace
