// Instructions for init (to the runtime's first `next`), or init plus one
// invocation, counted by valgrind (callgrind):
// the runtime process exactly as the harness plans it (mount namespace, real
// ric, the function's environment), with valgrind put in front of node. Noise
// does not move this count much (run-to-run spread about 0.5 %).
import { execFileSync, spawn } from 'node:child_process';
import { HarnessConfig } from './configs';
import { RuntimeApiServer, describeFunction, nodeBinary, nodeVersionForMajor, runtimeClientDir } from '../../src/harness';
import { planProcess } from '../../src/harness/sandbox';

export function valgrindPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v valgrind'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function countInstructions(
  assemblyDir: string, nodeMajor: string, c: HarnessConfig, valgrind: string, invocations: 0 | 1 = 1,
): Promise<number> {
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
  // --predictable: V8 without concurrent GC and compiler threads, whose interleaving under valgrind moves a
  // whole-init count by ~2 % from run to run.
  // The namespace's root is read-only and its /tmp dies with it: no profile file, the total from callgrind's log (stderr).
  args[args.length - 1] = script.replace(node, `exec ${valgrind} --tool=callgrind --callgrind-out-file=/dev/null /var/lang/bin/node --predictable `);
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
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    await Promise.race([nextCount(1), closed.then(() => Promise.reject(new Error(`the runtime under valgrind exited during init:\n${stderr.slice(-2000)}`)))]);
    if (invocations === 1) {
      const { outcome } = server.invoke({ payload: '{}', deadlineMs: Date.now() + 600_000, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench' });
      const r = await outcome;
      if (r.error !== undefined) throw new Error(`the invocation under valgrind failed: ${r.error}`);
      // Back at `next`: init and one invocation are done.
      await nextCount(2);
    }
    // At `next`: SIGTERM lets valgrind write its counts.
    child.kill('SIGTERM');
    await closed;
    const m = /^==\d+== Collected : (\d+)$/m.exec(stderr);
    if (!m) throw new Error(`no total in callgrind's log:\n${stderr.slice(-2000)}`);
    return Number(m[1]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.stop();
    plan.cleanup();
  }
}
