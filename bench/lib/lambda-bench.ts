// Cold starts, warm round trips and RSS through the local Lambda harness
// (real aws-lambda-ric on real Node 22/24, Lambda's layout in a mount namespace).
import { readFileSync, readdirSync } from 'node:fs';
import { CONFIGS, ConfigId, harnessConfig } from './configs';
import { Summary, rotated, summarize } from './stats';
import { LocalLambda } from '../../src/harness';

export interface LambdaFigures {
  readonly initMs: Summary;
  readonly warmUs: Summary;
  readonly rssMb: Summary;
  /** The median of each block of warm invocations, in block order (every config ran every block). */
  readonly warmBlocksUs: number[];
  /** RSS after each block of the second half, in block order. */
  readonly rssBlocksMb: number[];
  /** Its anonymous part (RssAnon), the same way. */
  readonly anonMb: Summary;
  readonly anonBlocksMb: number[];
  /** Kernel work that no syscall count shows, per warm invocation (the whole warm run): minor page faults, voluntary context switches of all threads. */
  readonly minorFaultsPerInvocation: number;
  readonly switchesPerInvocation: number;
}

/** RSS with V8's young generation held at one size (pinnedRss()), over processes. */
export interface PinnedRssFigures {
  readonly rssMb: Summary;
  /** Per round (one process per config each), in round order. */
  readonly rssRoundsMb: number[];
  readonly anonMb: Summary;
  readonly anonRoundsMb: number[];
}

/**
 * V8 doubles the young generation once the bytes that survived scavenges
 * since its last growth pass its size: a step of 1 MB per semi-space, two
 * of them, that the function without the layer takes too, a few hundred or
 * thousand invocations later (Node 22, trivial handler: between 1,000 and
 * 2,000). Where a warm run's RSS is read decides whether one config took
 * the step and the other not. Held fixed at V8's first size, every config
 * has the same young generation and the difference is what the layer keeps.
 */
export const PINNED_YOUNG_GENERATION = ['--min-semi-space-size=1', '--max-semi-space-size=1'];

/** The configs of the pinned pass (not permission: no budget). */
export const PINNED_CONFIGS = ['none', 'layer', 'strict'] as const;

export interface LambdaRunOptions {
  readonly assemblyDir: string;
  readonly nodeVersion: string;
  readonly handler: string;
  readonly coldStarts: number;
  readonly warmInvocations: number;
  readonly log: (m: string) => void;
}

/** Which function, where: what every pass here starts from. */
type FunctionOptions = Pick<LambdaRunOptions, 'assemblyDir' | 'nodeVersion' | 'handler' | 'log'>;

const BLOCK = 100;

/** The bench function of each config, in Lambda's layout (not started yet), with the tag that finds its process. */
async function open(o: FunctionOptions, ids: readonly ConfigId[], nodeArgs?: string[]): Promise<Map<ConfigId, { fn: LocalLambda; tag: string }>> {
  const fns = new Map<ConfigId, { fn: LocalLambda; tag: string }>();
  for (const id of ids) {
    const h = harnessConfig(id, o.handler);
    const fn = await LocalLambda.fromAssembly({
      assemblyDir: o.assemblyDir, functionId: h.functionId, enforcer: h.enforcer, env: h.env, nodeVersion: o.nodeVersion, isolation: 'namespace', nodeArgs,
    });
    fns.set(id, { fn, tag: h.tag });
  }
  return fns;
}

export async function benchLambda(o: LambdaRunOptions): Promise<Record<ConfigId, LambdaFigures>> {
  const ids = CONFIGS.map((c) => c.id);
  const fns = await open(o, ids);
  const init = new Map<ConfigId, number[]>(ids.map((id) => [id, []]));
  const warm = new Map<ConfigId, number[]>(ids.map((id) => [id, []]));
  const rss = new Map<ConfigId, number[]>(ids.map((id) => [id, []]));
  const anon = new Map<ConfigId, number[]>(ids.map((id) => [id, []]));
  const warmBlocks = new Map<ConfigId, number[]>(ids.map((id) => [id, []]));
  const kernel = new Map<ConfigId, { faults: number; switches: number; n: number }>(ids.map((id) => [id, { faults: 0, switches: 0, n: 0 }]));
  try {
    for (let round = 0; round < o.coldStarts; round++) {
      for (const id of rotated(ids, round)) {
        const { fn } = fns.get(id)!;
        const r = await fn.invoke({ round });
        check(r, id, o);
        if (!r.cold || r.initDurationMs === undefined) throw new Error(`${id}: expected a cold start`);
        init.get(id)!.push(r.initDurationMs);
        await fn.stop(false);
      }
    }
    o.log(`  ${o.handler} on Node ${o.nodeVersion}: ${o.coldStarts} cold starts per config done`);
    // Warm: one process per config, warmed up, then blocks of invocations in rotating order.
    for (const id of ids) {
      for (let i = 0; i < 50; i++) check(await fns.get(id)!.fn.invoke({ warmup: i }), id, o);
    }
    const blocks = Math.ceil(o.warmInvocations / BLOCK);
    for (let b = 0; b < blocks; b++) {
      for (const id of rotated(ids, b)) {
        const { fn, tag } = fns.get(id)!;
        const block: number[] = [];
        const before = processCounters(tag);
        for (let i = 0; i < BLOCK; i++) {
          const r = await fn.invoke({ i });
          check(r, id, o);
          if (r.cold) throw new Error(`${id}: a warm invocation came back cold`);
          block.push(r.durationMs * 1000);
        }
        const after = processCounters(tag);
        const k = kernel.get(id)!;
        k.faults += after.minorFaults - before.minorFaults;
        k.switches += after.switches - before.switches;
        k.n += BLOCK;
        warm.get(id)!.push(...block);
        warmBlocks.get(id)!.push(summarize(block).median);
        // RSS after each block of the second half of the warm run.
        if (b >= Math.floor(blocks / 2)) {
          const m = memoryMb(fns.get(id)!.tag);
          rss.get(id)!.push(m.rss);
          anon.get(id)!.push(m.anon);
        }
      }
    }
    o.log(`  ${o.handler} on Node ${o.nodeVersion}: ${blocks * BLOCK} warm invocations per config done`);
  } finally {
    await Promise.all([...fns.values()].map(({ fn }) => fn.stop()));
  }
  const out = {} as Record<ConfigId, LambdaFigures>;
  for (const id of ids) {
    out[id] = {
      initMs: summarize(init.get(id)!),
      warmUs: summarize(warm.get(id)!, true),
      rssMb: summarize(rss.get(id)!),
      warmBlocksUs: warmBlocks.get(id)!,
      rssBlocksMb: rss.get(id)!,
      anonMb: summarize(anon.get(id)!),
      anonBlocksMb: anon.get(id)!,
      minorFaultsPerInvocation: kernel.get(id)!.faults / kernel.get(id)!.n,
      switchesPerInvocation: kernel.get(id)!.switches / kernel.get(id)!.n,
    };
  }
  return out;
}

/**
 * RSS per config (not permission: no budget) with the young generation
 * pinned, in rounds: each round starts a fresh process per config, in
 * rotating order, serves `invocations` after 50 warm-up ones, and reads its
 * RSS. Fresh processes, because what the malloc arenas of V8's threads hold
 * differs by a megabyte or more from one process to the next (seen in
 * /proc/<pid>/smaps), whichever the config: one process per config would make
 * that the verdict.
 */
export async function pinnedRss(
  o: FunctionOptions & { rounds: number; invocations: number },
): Promise<Record<(typeof PINNED_CONFIGS)[number], PinnedRssFigures>> {
  const ids = PINNED_CONFIGS;
  const fns = await open(o, ids, PINNED_YOUNG_GENERATION);
  const rss = new Map<ConfigId, number[]>(ids.map((id) => [id, []]));
  const anon = new Map<ConfigId, number[]>(ids.map((id) => [id, []]));
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const id of rotated(ids, round)) {
        const { fn, tag } = fns.get(id)!;
        for (let i = 0; i < 50 + o.invocations; i++) check(await fn.invoke({ i }), id, o);
        const m = memoryMb(tag);
        rss.get(id)!.push(m.rss);
        anon.get(id)!.push(m.anon);
        await fn.stop(false);
      }
    }
    o.log(`  ${o.handler} on Node ${o.nodeVersion}: ${o.rounds} processes per config, ${o.invocations} invocations each, with the young generation pinned done`);
  } finally {
    await Promise.all([...fns.values()].map(({ fn }) => fn.stop()));
  }
  const figures = (id: ConfigId): PinnedRssFigures => ({
    rssMb: summarize(rss.get(id)!), rssRoundsMb: rss.get(id)!, anonMb: summarize(anon.get(id)!), anonRoundsMb: anon.get(id)!,
  });
  return { none: figures('none'), layer: figures('layer'), strict: figures('strict') };
}

type Outcome = { error?: { errorType: string; errorMessage: string }; response?: unknown; logs: string[] };

function check(r: Outcome, id: ConfigId, o: FunctionOptions): void {
  if (r.error) throw new Error(`${id} ${o.handler} on Node ${o.nodeVersion} failed: ${r.error.errorType}: ${r.error.errorMessage}\n${r.logs.join('\n')}`);
  const res = r.response as { status?: number; error?: string } | undefined;
  if (o.handler === 'realistic' && res?.status !== 0) throw new Error(`${id}: the realistic handler's allowed spawn did not run: ${JSON.stringify(res)}`);
}

/** Minor page faults (/proc/<pid>/stat) and voluntary context switches of every thread of the runtime process. */
function processCounters(tag: string): { minorFaults: number; switches: number } {
  const pid = runtimePid(tag);
  // After the command's closing parenthesis: state is field 3, minflt field 10.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let switches = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      switches += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // A thread that ended.
    }
  }
  return { minorFaults: Number(fields[7]), switches };
}

/** The runtime process of the tag (the largest: a passing child of the handler is far smaller). */
function runtimePid(tag: string): string {
  let best = '';
  let bestKb = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`BENCH_TAG=${tag}`)) continue;
      const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      if (kb > bestKb) {
        bestKb = kb;
        best = pid;
      }
    } catch {
      // The process ended between readdir and read.
    }
  }
  if (!best) throw new Error(`no runtime process with BENCH_TAG=${tag}`);
  return best;
}

/**
 * VmRSS of the runtime process, and its anonymous part (RssAnon: heap and
 * the like; the rest is file pages, mostly the node binary's code that ran,
 * shared with the page cache), found by the tag in its environment (the
 * harness does not expose the pid).
 */
export function memoryMb(tag: string): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${runtimePid(tag)}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024 };
}
