#!/usr/bin/env python3
"""The Python twin of examples/polyglot/app.ts: the same construct ids and the
same non-default policy. scripts/prove-jsii-targets.sh synthesizes it with the
cdk CLI and compares it with what the TypeScript app synthesizes.

The NodejsFunction is bundled by esbuild on this machine (no Docker): CDK runs
the `esbuild` it finds on PATH, so put one there first (the script puts the
repository's node_modules/.bin on PATH).
"""
import os
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_nodejs as nodejs
from cdk_nano_enforcer import (
    EnforcementMode,
    EnforcerPolicy,
    NanoEnforcer,
    NanoEnforcerAspect,
)

FUNCTIONS = Path(__file__).resolve().parent.parent / "polyglot" / "functions"
# Set by the script to check that bad input fails the same way in every language.
INVALID = os.environ.get("NANO_ENFORCER_EXAMPLE_INVALID") == "1"

app = cdk.App()
stack = cdk.Stack(app, "NanoEnforcerPolyglotExample")

nodejs.NodejsFunction(
    stack,
    "Orders",
    entry=str(FUNCTIONS / "orders" / "index.ts"),
    runtime=lambda_.Runtime.NODEJS_22_X,
    environment={"NODE_OPTIONS": "--enable-source-maps", "TABLE_NAME": "orders"},
    bundling=nodejs.BundlingOptions(force_docker_bundling=False, source_map=True),
)

lambda_.Function(
    stack,
    "Thumbnail",
    runtime=lambda_.Runtime.NODEJS_20_X,
    handler="index.handler",
    code=lambda_.Code.from_asset(str(FUNCTIONS / "thumbnail")),
)

legacy = lambda_.Function(
    stack,
    "LegacyReport",
    runtime=lambda_.Runtime.NODEJS_22_X,
    handler="index.handler",
    code=lambda_.Code.from_asset(str(FUNCTIONS / "report")),
)
NanoEnforcer.exclude(legacy, "runs a vendored PDF renderer unpacked into /tmp; review by 2027-01")

lambda_.Function(
    stack,
    "PythonJob",
    runtime=lambda_.Runtime.PYTHON_3_12,
    handler="index.handler",
    code=lambda_.Code.from_inline('def handler(event, context):\n    return "ok"\n'),
)

cdk.Aspects.of(app).add(
    NanoEnforcerAspect(
        policy=EnforcerPolicy(
            mode=EnforcementMode.ALERT,
            allowed_executables=["./bin/x"] if INVALID else ["curl", "/var/task/bin/catdoc"],
            blocked_executables=[
                *NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES,
                "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
            ],
        )
    )
)

app.synth()
