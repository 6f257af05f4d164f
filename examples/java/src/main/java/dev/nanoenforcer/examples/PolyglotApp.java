package dev.nanoenforcer.examples;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.nanoenforcer.cdk.EnforcementMode;
import dev.nanoenforcer.cdk.EnforcerPolicy;
import dev.nanoenforcer.cdk.NanoEnforcer;
import dev.nanoenforcer.cdk.NanoEnforcerAspect;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.nodejs.BundlingOptions;
import software.amazon.awscdk.services.lambda.nodejs.NodejsFunction;

/**
 * The Java twin of examples/polyglot/app.ts: the same construct ids and the
 * same non-default policy. scripts/prove-jsii-targets.sh synthesizes it with
 * the cdk CLI and compares it with what the TypeScript app synthesizes.
 *
 * The NodejsFunction is bundled by esbuild on this machine (no Docker): CDK
 * runs the esbuild it finds on PATH, so put one there first.
 */
public final class PolyglotApp {
    public static void main(final String[] args) {
        // cdk.json runs this from examples/java; the function code is shared with the TypeScript twin.
        Path functions = Paths.get("..", "polyglot", "functions").toAbsolutePath().normalize();
        // Set by the script to check that bad input fails the same way in every language.
        boolean invalid = "1".equals(System.getenv("NANO_ENFORCER_EXAMPLE_INVALID"));

        App app = new App();
        Stack stack = new Stack(app, "NanoEnforcerPolyglotExample");

        NodejsFunction.Builder.create(stack, "Orders")
                .entry(functions.resolve("orders/index.ts").toString())
                .runtime(Runtime.NODEJS_22_X)
                .environment(Map.of("NODE_OPTIONS", "--enable-source-maps", "TABLE_NAME", "orders"))
                .bundling(BundlingOptions.builder().forceDockerBundling(false).sourceMap(true).build())
                .build();

        Function.Builder.create(stack, "Thumbnail")
                .runtime(Runtime.NODEJS_20_X)
                .handler("index.handler")
                .code(Code.fromAsset(functions.resolve("thumbnail").toString()))
                .build();

        Function legacy = Function.Builder.create(stack, "LegacyReport")
                .runtime(Runtime.NODEJS_22_X)
                .handler("index.handler")
                .code(Code.fromAsset(functions.resolve("report").toString()))
                .build();
        NanoEnforcer.exclude(legacy, "runs a vendored PDF renderer unpacked into /tmp; review by 2027-01");

        Function.Builder.create(stack, "PythonJob")
                .runtime(Runtime.PYTHON_3_12)
                .handler("index.handler")
                .code(Code.fromInline("def handler(event, context):\n    return \"ok\"\n"))
                .build();

        List<String> blocked = new ArrayList<>(NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES);
        blocked.add("sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");

        Aspects.of(app).add(NanoEnforcerAspect.Builder.create()
                .policy(EnforcerPolicy.builder()
                        .mode(EnforcementMode.ALERT)
                        .allowedExecutables(invalid ? List.of("./bin/x") : List.of("curl", "/var/task/bin/catdoc"))
                        .blockedExecutables(blocked)
                        .build())
                .build());

        app.synth();
    }
}
