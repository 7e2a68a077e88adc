"""A program composing N deployments under the mock runtime: `python bench/hundred.py N`."""

import sys

from deepseek_deploy.stacks.build.program import build
from deepseek_deploy.stacks.run.recorder import record
from deepseek_deploy.stacks.spec.loader import load_text

count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
specs = [
    load_text(f"name: bot-{i:03d}\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\n").spec
    for i in range(count)
]
recording = record(lambda: [build(spec).outputs for spec in specs], region="us-west-2")
print(len(recording.resources))
