#!/usr/bin/env node
// npx cdk-nano-enforcer invoke --app cdk.out --function <path|id> --event event.json [--no-enforcer] [--node 22|24] [--warm N]
// npx cdk-nano-enforcer list --app cdk.out
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { listFunctions } from './assembly';
import { HarnessError } from './harness-error';
import { InvokeResult, LocalLambda } from './local-lambda';
import { effectiveLayers, functionEnvironment } from './sandbox';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Reads the event from stdin for `--event -`. */
  stdin?(): string;
}

const USAGE = `Usage:
  cdk-nano-enforcer invoke --function <construct path | logical id> [options]
  cdk-nano-enforcer list [--app <dir>]

Runs one function of a synthesized CDK app (cdk.out) locally, like Lambda:
the real runtime client on real Node.js, the code at /var/task and the layers
at /opt (read-only), a fresh /tmp. Prints the response, the enforcer's
security events and the function's logs.

Options:
  --app <dir>          the cloud assembly (default: cdk.out)
  --function, -f <id>  construct path (Stack/Fn or Fn) or logical id
  --event <file | ->   the event as JSON (default: {})
  --no-enforcer        the same function without the enforcer (no layer, no preload flag, no policy)
  --node <22 | 24>     Node.js major (default: the function's runtime)
  --warm <N>           then invoke N more times in the same process (warm)
  --timeout <seconds>  per invocation (default: the function's Timeout)
  --mapped             map paths even where mounts are possible
  --json               one JSON result per invocation
Exit status: 0 all invocations succeeded, 2 an invocation failed, 1 usage or setup error.`;

export async function main(argv: string[], io: Io): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'app': { type: 'string', default: 'cdk.out' },
        'function': { type: 'string', short: 'f' },
        'event': { type: 'string' },
        'no-enforcer': { type: 'boolean', default: false },
        'node': { type: 'string' },
        'warm': { type: 'string', default: '0' },
        'timeout': { type: 'string' },
        'mapped': { type: 'boolean', default: false },
        'json': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  const { values: v, positionals } = args;
  const command = positionals[0];
  if (v.help || !command) {
    (v.help ? io.out : io.err)(`${USAGE}\n`);
    return v.help ? 0 : 1;
  }
  try {
    if (command === 'list') {
      for (const f of listFunctions(v.app!)) io.out(`${f.constructPath}  (${f.logicalId}, ${f.runtime})\n`);
      return 0;
    }
    if (command !== 'invoke') throw new HarnessError(`unknown command '${command}'\n\n${USAGE}`);
    if (!v.function) throw new HarnessError(`--function is required: a construct path or logical id. Functions in ${v.app}:\n${listFunctions(v.app!).map((f) => `  ${f.constructPath}  (${f.logicalId}, ${f.runtime})`).join('\n')}`);
    if (v.node !== undefined && v.node !== '22' && v.node !== '24') throw new HarnessError(`--node must be 22 or 24 (got '${v.node}')`);
    const warm = Number(v.warm);
    if (!Number.isInteger(warm) || warm < 0) throw new HarnessError(`--warm must be a whole number (got '${v.warm}')`);
    const timeout = v.timeout === undefined ? undefined : Number(v.timeout);
    if (timeout !== undefined && !(timeout > 0)) throw new HarnessError(`--timeout must be a positive number of seconds (got '${v.timeout}')`);
    const event = readEvent(v.event, io);

    const fn = await LocalLambda.fromAssembly({
      assemblyDir: v.app!,
      functionId: v.function,
      enforcer: !v['no-enforcer'],
      nodeVersion: v.node,
      isolation: v.mapped ? 'mapped' : 'auto',
      timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      log: (m) => io.err(`${m}\n`),
    });
    let failed = false;
    try {
      if (!v.json) io.out(`${header(fn, !v['no-enforcer'])}\n`);
      for (let i = 0; i <= warm; i++) {
        const r = await fn.invoke(event);
        failed ||= r.error !== undefined;
        io.out(v.json ? `${JSON.stringify(r)}\n` : report(i + 1, r));
      }
    } finally {
      await fn.stop();
    }
    return failed ? 2 : 0;
  } catch (e) {
    if (e instanceof HarnessError) {
      io.err(`cdk-nano-enforcer: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function readEvent(file: string | undefined, io: Io): unknown {
  if (file === undefined) return {};
  let text: string;
  try {
    text = file === '-' ? io.stdin?.() ?? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new HarnessError(`cannot read the event file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HarnessError(`the event in ${file} is not JSON: ${(e as Error).message}`);
  }
}

function header(fn: LocalLambda, enforcer: boolean): string {
  const d = fn.description;
  const policy = functionEnvironment(d, enforcer).NANO_ENFORCER_POLICY;
  let mode = 'off';
  if (enforcer && effectiveLayers(d, true).some((l) => l.isEnforcer)) {
    try {
      mode = policy && JSON.parse(policy).m === 'a' ? 'on, ALERT mode' : 'on, BLOCK mode';
    } catch {
      mode = 'on, policy does not parse';
    }
  } else if (enforcer) {
    mode = 'not in this function (no cdk-nano-enforcer layer)';
  }
  const layout = fn.isolation === 'namespace' ? 'Lambda layout (mount namespace)' : 'mapped paths (not the exact Lambda layout)';
  return `${d.constructPath} (${d.logicalId}): ${d.runtime} on Node ${fn.nodeVersion}; enforcer ${mode}; ${layout}`
    + fn.notes.map((n) => `\nnote: ${n}`).join('');
}

function report(n: number, r: InvokeResult): string {
  const lines = [`\n== invocation ${n} (${r.cold ? 'cold' : 'warm'}, ${r.durationMs.toFixed(0)} ms${r.initDurationMs !== undefined ? `, init ${r.initDurationMs.toFixed(0)} ms` : ''}) requestId ${r.requestId}`];
  if (r.error) {
    lines.push(`error: ${r.error.errorType}: ${r.error.errorMessage}`);
  } else {
    lines.push(`response: ${JSON.stringify(r.response)}`);
  }
  lines.push(`security events: ${r.events.length === 0 ? 'none' : r.events.length}`);
  for (const e of r.events) {
    lines.push(`  ${String(e.action).toUpperCase()} ${e.control}: ${e.reason}`);
    lines.push(`    ${JSON.stringify(e)}`);
  }
  lines.push(`logs: ${r.logs.length === 0 ? 'none' : r.logs.length}`);
  for (const l of r.logs) lines.push(`  ${l.replace(/\r/g, '\n    ')}`);
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  main(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
    .then((code) => { process.exitCode = code; })
    .catch((e) => { process.stderr.write(`cdk-nano-enforcer: internal error: ${(e as Error).stack ?? e}\n`); process.exitCode = 1; });
}
