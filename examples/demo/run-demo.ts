// `npm run demo`: synthesize examples/demo with the real cdk CLI, then send
// legitimate requests and attacks to both functions through the local Lambda
// harness (real aws-lambda-ric, Lambda's layout), once without the layer and
// once with it, and print what happened: judged by effects (did the miner
// phone home? did the listener get a shell? did the credentials leak?).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DocumentServer, FunctionName, Lab, Outcome, SCENARIOS, Scenario, ShellListener } from './attack-lab';
import { LocalLambda, runtimeClientDir } from '../../src/harness';

export interface DemoRow {
  readonly scenario: Scenario;
  readonly without: Outcome;
  readonly with: Outcome & { readonly events: string[] };
}

/** Synthesizes the demo app into a new directory and returns it. */
export function synthesizeDemo(mode: 'BLOCK' | 'ALERT' = 'BLOCK'): string {
  const repo = path.join(__dirname, '..', '..');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-demo-'));
  const synth = spawnSync(path.join(repo, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', out, '-c', `nanoEnforcerMode=${mode}`], {
    cwd: __dirname,
    encoding: 'utf8',
  });
  if (synth.status !== 0) throw new Error(`cdk synth of examples/demo failed:\n${synth.stdout}${synth.stderr}`);
  return out;
}

/** Runs every scenario against both functions, without and with the enforcer. */
export async function runDemo(assemblyDir: string, log: (line: string) => void = () => undefined): Promise<DemoRow[]> {
  const lab: Lab = { docs: await new DocumentServer().start(), listener: await new ShellListener().start() };
  const fns = new Map<string, LocalLambda>();
  const lambda = async (fn: FunctionName, enforcer: boolean) => {
    const key = `${fn}:${enforcer}`;
    if (!fns.has(key)) fns.set(key, await LocalLambda.fromAssembly({ assemblyDir, functionId: `NanoEnforcerDemo/${fn}`, enforcer }));
    return fns.get(key)!;
  };
  const run = async (scenario: Scenario, enforcer: boolean) => {
    const fn = await lambda(scenario.fn, enforcer);
    await fn.stop(false); // each request gets a cold start and a fresh /tmp, so none sees another's leftovers
    lab.docs.reset();
    lab.listener.reset();
    const r = await fn.invoke(scenario.event(lab));
    const response = r.response as { statusCode?: number; body?: string } | undefined;
    const outcome = await scenario.judge(lab, response ?? (r.error ? { body: `${r.error.errorType}: ${r.error.errorMessage}` } : undefined));
    // Work the handler left running (a socket callback) logs after the response.
    const late = await fn.lateOutput();
    return { ...outcome, events: [...r.events, ...late.events].map((e) => `${e.action}: ${e.reason}`) };
  };
  try {
    const rows: DemoRow[] = [];
    for (const scenario of SCENARIOS) {
      log(`  ${scenario.fn}: ${scenario.name}`);
      const without = await run(scenario, false);
      const withEnforcer = await run(scenario, true);
      rows.push({ scenario, without, with: withEnforcer });
    }
    return rows;
  } finally {
    await Promise.all([...fns.values()].map((fn) => fn.stop()));
    await Promise.all([lab.docs.stop(), lab.listener.stop()]);
  }
}

function verdict(o: Outcome, attack: boolean): string {
  if (!attack) return o.summary;
  return `${o.compromised ? 'COMPROMISED' : 'safe'}: ${o.summary}`;
}

function printTable(rows: DemoRow[]): void {
  const table = rows.map((r) => [
    r.scenario.fn,
    r.scenario.name,
    verdict(r.without, r.scenario.attack),
    verdict(r.with, r.scenario.attack),
    r.with.events[0] ?? '',
  ]);
  const header = ['function', 'request', 'without the enforcer', 'with the enforcer (BLOCK)', 'its event'];
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...table.map((row) => row[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

async function main(): Promise<void> {
  console.log('cdk-nano-enforcer demo');
  console.log('- the real Lambda runtime client (built into the cache on first use; minutes on a fresh machine)');
  runtimeClientDir({ log: (m) => console.log(`  ${m}`) });
  console.log('- cdk synth examples/demo');
  const assemblyDir = synthesizeDemo();
  console.log('- requests, each on a cold start, without and with the layer');
  const rows = await runDemo(assemblyDir, console.log);
  fs.rmSync(assemblyDir, { recursive: true, force: true });
  console.log('');
  printTable(rows);

  const attacks = rows.filter((r) => r.scenario.attack);
  const stopped = attacks.filter((r) => r.without.compromised && !r.with.compromised).length;
  const unchanged = rows.filter((r) => !r.scenario.attack && r.without.summary === r.with.summary).length;
  const legit = rows.length - attacks.length;
  console.log('');
  console.log(`${stopped} of ${attacks.length} attacks stopped; ${unchanged} of ${legit} legitimate requests unchanged.`);
  if (stopped !== attacks.length || unchanged !== legit) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
