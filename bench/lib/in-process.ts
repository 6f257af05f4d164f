// Measurements in a plain node process on the real binaries, with and without
// the preload (host paths, the function's synthesized policy and decoys).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Summary, rotated, summarize } from './stats';
import { describeFunction } from '../../src/harness';
import { readOnlyRoot } from '../../src/harness/sandbox';

const SCRIPTS = join(__dirname, '..', 'scripts');

export type InProcessConfig = 'none' | 'layer' | 'strict';
export const IN_PROCESS_CONFIGS: InProcessConfig[] = ['none', 'layer', 'strict'];

/** The environment a config gives a plain node process: the synthesized policy and decoys, the preload by its host path. */
export function processEnv(assemblyDir: string, c: InProcessConfig): NodeJS.ProcessEnv {
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  if (c === 'none') return base;
  const fn = describeFunction(assemblyDir, c === 'layer' ? 'Bench/Default/realistic' : 'Bench/Strict/realistic');
  return { ...base, ...fn.environment, NODE_OPTIONS: `--require ${assemblyPreload(assemblyDir)}` };
}

/** The preload as synthesized into the assembly: a snapshot, unlike assets/layer/, which a concurrent build may replace mid-run. */
export function assemblyPreload(assemblyDir: string): string {
  const layer = describeFunction(assemblyDir, 'Bench/Default/realistic').layers.find((l) => l.isEnforcer);
  if (!layer) throw new Error('the bench app has no enforcer layer');
  return join(layer.dir, 'nano-enforcer', 'preload.js');
}

function runJson(node: string, args: string[], env: NodeJS.ProcessEnv): any {
  const r = spawnSync(node, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${node} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export interface SpawnFigures {
  /** Per spawnSync('/bin/true'), microseconds. */
  readonly perSpawnUs: Summary;
  /** The median per spawn of each round, in round order (every config ran every round). */
  readonly roundsUs: number[];
  /** The first spawn in a process (loads the decision code lazily), microseconds. */
  readonly firstUs: Summary;
}

/**
 * Spawns are timed where the filesystem is as on Lambda, read-only but for
 * /tmp: a private mount namespace with the root remounted read-only (what the
 * harness does for every function). There the enforcer's cached decision
 * about /bin/true needs no stat; on a rw root it re-checks the file.
 */
export function benchSpawn(assemblyDir: string, node: string, rounds: number, perRound: number): Record<InProcessConfig, SpawnFigures> {
  const per = new Map<InProcessConfig, number[]>(IN_PROCESS_CONFIGS.map((c) => [c, []]));
  const first = new Map<InProcessConfig, number[]>(IN_PROCESS_CONFIGS.map((c) => [c, []]));
  const rounds_ = new Map<InProcessConfig, number[]>(IN_PROCESS_CONFIGS.map((c) => [c, []]));
  const { command, args } = readOnlyRoot(`exec '${node}' '${join(SCRIPTS, 'spawn-cost.js')}' ${perRound}`);
  for (let round = 0; round < rounds; round++) {
    for (const c of rotated(IN_PROCESS_CONFIGS, round)) {
      const r = runJson(command, args, processEnv(assemblyDir, c));
      per.get(c)!.push(...r.samples);
      first.get(c)!.push(r.first);
      rounds_.get(c)!.push(summarize(r.samples).median);
    }
  }
  const out = {} as Record<InProcessConfig, SpawnFigures>;
  for (const c of IN_PROCESS_CONFIGS) out[c] = { perSpawnUs: summarize(per.get(c)!), roundsUs: rounds_.get(c)!, firstUs: summarize(first.get(c)!) };
  return out;
}

export interface UploadFigures {
  /** The process's first upload. */
  readonly ms: Summary;
  /** Each round's time, in round order. */
  readonly roundsMs: number[];
  readonly mbPerS: Summary;
  /** The second upload in the same process (a new connection). */
  readonly warmMs: Summary;
  readonly warmRoundsMs: number[];
}

export async function benchUpload(assemblyDir: string, node: string, rounds: number, megabytes: number):
Promise<Record<InProcessConfig, UploadFigures>> {
  const sink = spawn(process.execPath, [join(SCRIPTS, 'sink.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      sink.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())));
      sink.once('exit', () => reject(new Error('the upload listener exited')));
    });
    const ms = new Map<InProcessConfig, number[]>(IN_PROCESS_CONFIGS.map((c) => [c, []]));
    const warm = new Map<InProcessConfig, number[]>(IN_PROCESS_CONFIGS.map((c) => [c, []]));
    for (let round = 0; round < rounds; round++) {
      for (const c of rotated(IN_PROCESS_CONFIGS, round)) {
        const r = await runJsonAsync(node, [join(SCRIPTS, 'upload.js'), String(port), String(megabytes)], processEnv(assemblyDir, c));
        ms.get(c)!.push(r.ms);
        warm.get(c)!.push(r.warmMs);
      }
    }
    const out = {} as Record<InProcessConfig, UploadFigures>;
    for (const c of IN_PROCESS_CONFIGS) {
      const t = ms.get(c)!;
      const w = warm.get(c)!;
      out[c] = { ms: summarize(t), roundsMs: t, mbPerS: summarize(t.map((x) => megabytes / (x / 1000))), warmMs: summarize(w), warmRoundsMs: w };
    }
    return out;
  } finally {
    sink.kill();
  }
}

// Async: the listener runs in this process's child and must keep being served.
function runJsonAsync(node: string, args: string[], env: NodeJS.ProcessEnv): Promise<any> {
  return new Promise((resolve, reject) => {
    const p = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.once('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`${args.join(' ')} failed: ${err}`))));
  });
}
