"""Parses a Prometheus text exposition (standard input) with the official Python client's
parser, and prints what it read as JSON: each family's type, and every sample with its labels
and value. Anything the parser rejects fails the run."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = list(text_string_to_metric_families(sys.stdin.read()))
print(
    json.dumps(
        {
            "types": {f.name: f.type for f in families},
            "samples": [
                {"name": s.name, "labels": s.labels, "value": s.value}
                for f in families
                for s in f.samples
            ],
        }
    )
)
