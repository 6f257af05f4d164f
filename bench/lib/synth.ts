// `cdk synth` (the real CLI) of an app of N inline-code Node.js functions,
// with and without the aspect, alternating.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Summary, summarize } from './stats';

const REPO = join(__dirname, '..', '..');

export function synthOnce(functions: number, aspect: boolean): number {
  const out = mkdtempSync(join(tmpdir(), 'nano-enforcer-synth-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(join(REPO, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '--output', out, '--app', 'npx ts-node --transpile-only --prefer-ts-exts bench/app/synth-app.ts'], {
      cwd: REPO, encoding: 'utf8', env: { ...process.env, BENCH_FUNCTIONS: String(functions), BENCH_ASPECT: aspect ? '1' : '0' },
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`cdk synth failed: ${r.stdout}${r.stderr}`);
    const template = readFileSync(join(out, 'Synth0.template.json'), 'utf8');
    if (template.includes('NANO_ENFORCER_POLICY') !== aspect) throw new Error(`the synthesized app ${aspect ? 'lacks' : 'has'} the enforcer`);
    return ms;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function benchSynth(functions: number, runs: number): { without: Summary; with: Summary; withoutRuns: number[]; withRuns: number[] } {
  const without: number[] = [];
  const withAspect: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so that a warming cache favours neither.
    for (const aspect of i % 2 ? [true, false] : [false, true]) (aspect ? withAspect : without).push(synthOnce(functions, aspect));
  }
  return { without: summarize(without), with: summarize(withAspect), withoutRuns: without, withRuns: withAspect };
}
