/**
 * The local Lambda harness: runs a function from a synthesized cloud assembly
 * (`cdk.out`) the way Lambda does, with the real runtime client
 * (`aws-lambda-ric`) on real Node.js 22 or 24, talking to our Runtime API on
 * 127.0.0.1. Product code behind `npx cdk-nano-enforcer invoke`, the demo and
 * the end-to-end tests; not part of the jsii API (not exported from src/index.ts).
 *
 * ```ts
 * import { LocalLambda } from 'cdk-nano-enforcer/lib/harness';
 *
 * const fn = await LocalLambda.fromAssembly({
 *   assemblyDir: 'cdk.out',
 *   functionId: 'MyStack/Converter',   // construct path, or logical id
 *   enforcer: true,                    // false: the same function without layer, preload flag and policy
 *   nodeVersion: '22',                 // or '24'; default: the function's runtime
 * });
 * const r = await fn.invoke({ queryStringParameters: { document_url: 'http://127.0.0.1:8080/a.doc' } });
 * // r: { requestId, response?, error?: { errorType, errorMessage, trace }, logs: string[],
 * //      events: EnforcerEvent[], cold: boolean, durationMs, initDurationMs? }
 * const warm = await fn.invoke({});    // same process: warm, /tmp kept
 * await fn.stop(false);                // stop the process only: the next invoke is cold, /tmp fresh
 * await fn.stop();                     // stop everything
 * ```
 *
 * - Layout: as root on Linux, a private mount namespace per cold start: code at
 *   /var/task and layers at /opt (read-only), the runtime client at
 *   /var/runtime, node at /var/lang/bin/node, a new tmpfs on /tmp. Otherwise
 *   (`fn.isolation === 'mapped'`) paths are mapped and `fn.notes` says so.
 * - Environment: the template's variables (intrinsics resolved where possible,
 *   placeholders otherwise) plus Lambda's own, with fake AWS credentials.
 * - Node flags: those of Lambda's bootstrap (`--expose-gc`,
 *   `--max-http-header-size`, `--max-old-space-size` at 90 % of the memory
 *   size), then `nodeArgs` (e.g. V8 heap sizes for a measurement).
 * - The first use builds the runtime client into
 *   `${NANO_ENFORCER_CACHE:-~/.cache/cdk-nano-enforcer}/ric/` (minutes; needs
 *   cmake, make, g++, python3); later uses reuse it.
 * - Invocations are serialised (one execution environment). A timeout, a crash
 *   or an init error ends the process; the next invocation is cold.
 * - Errors the user can fix are `HarnessError`s with a message naming the fix.
 */
export { LocalLambda } from './local-lambda';
export type { LocalLambdaOptions, InvokeResult, InvocationError } from './local-lambda';
export type { EnforcerEvent } from './log-sink';
export { describeFunction, listFunctions } from './assembly';
export type { FunctionDescription, FunctionSummary, LayerAsset } from './assembly';
export { HarnessError } from './harness-error';
export { RuntimeApiServer } from './runtime-api';
export type { InvocationRequest, InvocationOutcome } from './runtime-api';
export { RIC_VERSION, runtimeClientDir } from './runtime-client';
export { NODE_VERSIONS, cacheDir, nodeBinary, nodeVersionForMajor } from './node-binaries';
export { detectIsolation } from './sandbox';
export type { Isolation } from './sandbox';
