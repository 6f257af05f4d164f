// Instructions for init (to the runtime's first `next`), or init plus n
// invocations, counted by valgrind (callgrind):
// the runtime process exactly as the harness plans it (mount namespace, real
// ric, the function's environment), with valgrind put in front of node. Noise
// does not move this count much (run-to-run spread about 0.5 %).
// Also, the same way under strace (-c): the process's system calls, to show
// that the layer adds none on a warm invocation, where the instruction
// count then accounts for all the work it adds.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { HarnessConfig } from './configs';
import { RuntimeApiServer, describeFunction, nodeBinary, nodeVersionForMajor, runtimeClientDir } from '../../src/harness';
import { planProcess } from '../../src/harness/sandbox';

function toolPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const valgrindPath = (): string | undefined => toolPath('valgrind');
export const stracePath = (): string | undefined => toolPath('strace');

/** Instructions (callgrind, user space, every thread) of init and then `invocations` invocations. */
export async function countInstructions(
  assemblyDir: string, nodeMajor: string, c: HarnessConfig, valgrind: string, invocations = 1, nodeArgs: readonly string[] = [],
): Promise<number> {
  // --predictable: V8 without concurrent GC and compiler threads, whose interleaving under valgrind moves a
  // whole-init count by ~2 % from run to run.
  // The namespace's root is read-only and its /tmp dies with it: no profile file, the total from callgrind's log (stderr).
  const stderr = await traced(assemblyDir, nodeMajor, c, `${valgrind} --tool=callgrind --callgrind-out-file=/dev/null`, ['--predictable', ...nodeArgs], invocations);
  const m = /^==\d+== Collected : (\d+)$/m.exec(stderr);
  if (!m) throw new Error(`no total in callgrind's log:\n${stderr.slice(-2000)}`);
  return Number(m[1]);
}

/** System calls (strace -f -c: every thread) of init and then `invocations` invocations, by name. */
export async function countSyscalls(
  assemblyDir: string, nodeMajor: string, c: HarnessConfig, strace: string, invocations: number, nodeArgs: readonly string[] = [],
): Promise<Record<string, number>> {
  const stderr = await traced(assemblyDir, nodeMajor, c, `${strace} -f -c`, nodeArgs, invocations);
  // % time, seconds, usecs/call, calls, [errors,] syscall; the summary table is the last thing strace writes.
  const table = stderr.slice(stderr.lastIndexOf('% time'));
  const calls: Record<string, number> = {};
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 5 && /^\d/.test(f[0]) && f[f.length - 1] !== 'total') calls[f[f.length - 1]] = Number(f[3]);
  }
  if (Object.keys(calls).length === 0) throw new Error(`no summary in strace's output:\n${stderr.slice(-2000)}`);
  return calls;
}

/**
 * Runs the function's runtime process under `tool` (a command line that
 * ends with the program to run), node getting `nodeArgs` first, through
 * init and `invocations` invocations; at the next `next`, SIGTERM to the
 * tool (which makes both tools write their summary), and the tool's stderr.
 */
async function traced(
  assemblyDir: string, nodeMajor: string, c: HarnessConfig, tool: string, nodeArgs: readonly string[], invocations: number,
): Promise<string> {
  const server = new RuntimeApiServer();
  const api = await server.start();
  const plan = planProcess({
    fn: describeFunction(assemblyDir, c.functionId),
    enforcer: c.enforcer,
    nodeBinary: nodeBinary(nodeVersionForMajor(nodeMajor)),
    runtimeClientDir: runtimeClientDir(),
    runtimeApi: api,
    isolation: 'namespace',
    extraEnv: c.env,
  });
  const args = [...plan.args];
  const script = args[args.length - 1];
  const node = 'exec /var/lang/bin/node ';
  if (!script.includes(node)) throw new Error('the harness no longer starts node the way this bench expects (src/harness/sandbox.ts)');
  args[args.length - 1] = script.replace(node, `exec ${tool} /var/lang/bin/node ${nodeArgs.map((a) => `${a} `).join('')}`);
  let nexts = 0;
  let onNext = (): void => undefined;
  server.onNext = () => {
    nexts++;
    onNext();
  };
  const nextCount = (n: number) => new Promise<void>((resolve) => {
    onNext = () => nexts >= n && resolve();
    onNext();
  });
  const child = spawn(plan.command, args, { cwd: plan.cwd, env: plan.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    await Promise.race([nextCount(1), closed.then(() => Promise.reject(new Error(`the runtime under its tool exited during init:\n${stderr.slice(-2000)}`)))]);
    for (let i = 1; i <= invocations; i++) {
      const { outcome } = server.invoke({ payload: '{}', deadlineMs: Date.now() + 600_000, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench' });
      const r = await outcome;
      if (r.error !== undefined) throw new Error(`invocation ${i} under its tool failed: ${r.error}`);
      // Back at `next`: init and i invocations are done.
      await nextCount(i + 1);
    }
    // At `next`: SIGTERM lets the tool write its counts. strace detaches
    // instead, and node (its child, holding the pipe) would keep waiting.
    const nodePid = children(child.pid!)[0];
    child.kill('SIGTERM');
    await exited;
    if (nodePid !== undefined) {
      try {
        process.kill(nodePid, 'SIGKILL');
      } catch {
        // Already gone (valgrind: node is the tool's own process).
      }
    }
    await closed;
    return stderr;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.stop();
    plan.cleanup();
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
