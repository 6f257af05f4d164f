// `npm run bench`: the cost of the enforcer against the same function without
// it, in one run, with budget verdicts (docs: ../../shared design
// architecture.md, issue 6). `npm run bench -- --smoke` (or BENCH_SMOKE=1):
// few iterations, no verdicts, for CI.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { detectIsolation, nodeBinary, nodeVersionForMajor, runtimeClientDir } from '../src/harness';
import { countInstructions, countSyscalls, stracePath, valgrindPath } from './lib/callgrind';
import { CONFIGS, ConfigId, harnessConfig, permissionFlags } from './lib/configs';
import { IN_PROCESS_CONFIGS, assemblyPreload, benchSpawn, benchUpload } from './lib/in-process';
import { LambdaFigures, PINNED_CONFIGS, PINNED_YOUNG_GENERATION, PinnedRssFigures, benchLambda, pinnedRss } from './lib/lambda-bench';
import { Row, compare, pairedVerdict, table } from './lib/report';
import { Summary, pairedWith, rotated, summarize } from './lib/stats';
import { benchSynth } from './lib/synth';

const REPO = join(__dirname, '..');
const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const P = smoke
  ? { cold: 1, warm: 100, cgTrivial: 1, cgRealistic: 0, cgNodes: ['24'], cgWarm: 20, cgWarmRuns: 1, scWarm: [10, 30], spawnRounds: 1, spawnPer: 20, uploadRounds: 1, uploadMb: 10, synthFunctions: 5, synthRuns: 1, pinRounds: 1, pinInvocations: 50 }
  : { cold: 20, warm: 2000, cgTrivial: 5, cgRealistic: 3, cgNodes: ['22', '24'], cgWarm: 1000, cgWarmRuns: 2, scWarm: [50, 550], spawnRounds: 30, spawnPer: 100, uploadRounds: 11, uploadMb: 100, synthFunctions: 500, synthRuns: 9, pinRounds: 11, pinInvocations: 500 };
const NODES = ['22', '24'];
/** The configs the valgrind passes count (a smoke run: two). */
const CG_IDS: readonly ConfigId[] = smoke ? ['none', 'layer'] : ['none', 'layer', 'strict'];
const HANDLERS = ['trivial', 'realistic'];
const LABEL = Object.fromEntries(CONFIGS.map((c) => [c.id, c.label])) as Record<ConfigId, string>;
const SCAN_NOTE = 'the upload rows of config (3) include the honeypots\' scan of outbound bytes (decoys configured), in a fresh process: the scanner\'s tables are built, and its code compiled, during the upload';
const WARM_SCAN_NOTE = 'the same process\'s second upload, on a new connection: the scanner is built and compiled; what is left is the scan of each write';

const log = (m: string) => process.stderr.write(`${m}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

function verdict(ok: boolean): 'PASS' | 'MISS' | undefined {
  return smoke ? undefined : ok ? 'PASS' : 'MISS';
}

/** How a measured config compares with the baseline's same rounds, and the budget its verdict rests on (none: no verdict). */
interface Against {
  readonly base: Summary;
  readonly rounds: number[];
  readonly baseRounds: number[];
  readonly how: 'delta' | 'ratio';
  readonly limit: number;
  readonly budget?: string;
}

/**
 * A wall-clock or RSS row: pooled medians against the baseline, and the
 * per-round comparison with its confidence interval that the verdict rests
 * on (report.ts). The baseline's own row (no `against`) is the bare figure.
 */
function measured(row: Omit<Row, 'delta' | 'ratio' | 'paired' | 'pairedAs' | 'budget' | 'verdict'>, against?: Against): Row {
  if (!against) return row;
  const p = pairedWith(against.rounds, against.baseRounds, against.how);
  const budgeted = against.budget === undefined ? {} : { budget: against.budget, verdict: smoke ? undefined : pairedVerdict(p, against.limit) };
  return { ...row, ...compare(row.value, against.base), paired: p, pairedAs: against.how, ...budgeted };
}

/** System calls whose count depends on when the other side answers (waiting), not on the work done. */
const WAITS = new Set(['poll', 'ppoll', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'futex']);
/** What this machine's kernel charges for a minor page fault and for a system call (bench/scripts/kernel-cost.js), µs. */
interface KernelCosts { readonly faultUs: number; readonly syscallUs: number; readonly faultsSeen: number }

function kernelCosts(node: string): KernelCosts {
  const r = spawnSync(nodeBinary(nodeVersionForMajor(node)), [join(__dirname, 'scripts', 'kernel-cost.js')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kernel-cost.js failed on Node ${node}: ${r.stderr}`);
  const k = JSON.parse(r.stdout.trim()) as KernelCosts;
  // The fault cost is per fault seen: it must have seen the pages it touched.
  if (k.faultsSeen < 4096) throw new Error(`kernel-cost.js saw ${k.faultsSeen} page faults for 8192 fresh pages: its fault cost would be wrong`);
  return k;
}

/**
 * The trivial handler's warm verdict, from instruction counts. Its added
 * time is bounded above by the added instructions times the baseline's
 * median round trip over its instructions per invocation: that charges every
 * microsecond of the round trip (the harness's side, the kernel, the
 * network) to the runtime process's instructions. To that, the kernel work
 * the count does not see: each added non-waiting system call (the strace
 * rows) and each added minor page fault (counted over the wall-clock run,
 * where the young generation is not pinned), at what this machine charges
 * for one (kernelCosts; fewer count as none).
 */
function warmInstructionRows(rows: Row[], node: string, handler: string, wc: Partial<Record<ConfigId, number[]>>,
  sc: Partial<Record<ConfigId, Record<string, number>>>, f: Record<ConfigId, LambdaFigures>, costs: KernelCosts): void {
  const baseRoundTripUs = f.none.warmUs.median;
  const what = `warm invocation, instructions (init + ${P.cgWarm} invocations less init, per invocation)`;
  const base = summarize(wc.none!);
  const usPerInstruction = baseRoundTripUs / base.median;
  const nonWaiting = (id: ConfigId) => Object.entries(sc[id]!).reduce((t, [k, v]) => t + (WAITS.has(k) ? 0 : v), 0);
  const syscallsOf = (id: ConfigId) => Object.values(sc[id]!).reduce((t, v) => t + v, 0);
  for (const id of Object.keys(wc) as ConfigId[]) {
    const v = summarize(wc[id]!);
    const row = { node, subject: handler, config: LABEL[id] };
    rows.push({ ...row, what, unit: 'instr', value: v, ...(id === 'none' ? {} : compare(v, base)) });
    const calls = nonWaiting(id);
    const addedCalls = calls - nonWaiting('none');
    rows.push({
      ...row,
      what: `warm invocation, system calls but waits, per invocation (strace, ${P.scWarm[0]} to ${P.scWarm[1]})`,
      unit: 'calls',
      value: { n: 1, median: calls, min: calls, max: calls },
      ...(id === 'none' ? {} : { delta: addedCalls }),
      note: `without ${[...WAITS].join(', ')} (their count depends on when the other side answers); with them: ${syscallsOf(id).toFixed(2)}`,
    });
    const faults = f[id].minorFaultsPerInvocation;
    const addedFaults = faults - f.none.minorFaultsPerInvocation;
    rows.push({
      ...row,
      what: 'warm invocation, minor page faults per invocation (the wall-clock run)',
      unit: 'faults',
      value: { n: 1, median: faults, min: faults, max: faults },
      ...(id === 'none' ? {} : { delta: addedFaults }),
      note: `voluntary context switches per invocation, all threads: ${f[id].switchesPerInvocation.toFixed(2)}`,
    });
    if (id === 'none') continue;
    const instrUs = (v.median - base.median) * usPerInstruction;
    const kernelUs = Math.max(0, addedCalls) * costs.syscallUs + Math.max(0, addedFaults) * costs.faultUs;
    const addedUs = instrUs + kernelUs;
    rows.push({
      ...row,
      what: 'warm added = Δ instructions x (median round trip (1) / its instructions) + Δ system calls and page faults x their cost',
      unit: 'µs',
      value: { n: 1, median: addedUs, min: addedUs, max: addedUs },
      delta: addedUs,
      budget: '<= +10 µs at p50 (upper bound)',
      verdict: verdict(addedUs <= 10),
      note: `instructions ${instrUs.toFixed(2)} µs (${(usPerInstruction * 1000).toFixed(2)} ns each: the whole round trip charged to them); `
        + `kernel ${kernelUs.toFixed(2)} µs (${Math.max(0, addedCalls).toFixed(2)} calls at ${costs.syscallUs.toFixed(2)} µs, `
        + `${Math.max(0, addedFaults).toFixed(2)} faults at ${costs.faultUs.toFixed(2)} µs)`,
    });
  }
}

async function main(): Promise<void> {
  if (detectIsolation().isolation !== 'namespace') throw new Error(`the bench needs Lambda's exact layout (root on Linux, unshare -m): ${detectIsolation().reason}`);
  const valgrind = valgrindPath();
  if (!valgrind) throw new Error('valgrind is not installed (apt-get install valgrind): the init verdict rests on its instruction counts');
  const strace = stracePath();
  if (!strace) throw new Error('strace is not installed (apt-get install strace): the warm verdict of the trivial handler rests on its system call counts');
  const machine = {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    kernel: os.release(),
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAverageAtStart: os.loadavg(),
    date: new Date().toISOString(),
    nodes: Object.fromEntries(NODES.map((m) => [m, nodeVersionForMajor(m)])),
    benchRunner: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    layerSourceDirty: git(['status', '--porcelain', '--', 'lambda-layer']) !== '',
  };
  log(`${smoke ? 'SMOKE run' : 'full run'} on ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`);
  runtimeClientDir({ log });

  const assemblyDir = mkdtempSync(join(os.tmpdir(), 'nano-enforcer-bench-'));
  const rows: Row[] = [];
  const preload = { path: '', sha256: '' };
  const raw: Record<string, unknown> = {};
  try {
    log(`[${elapsed()}] cdk synth of the bench app`);
    const s = spawnSync(join(REPO, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '--output', assemblyDir, '--app', 'npx ts-node --transpile-only --prefer-ts-exts bench/app/app.ts'], { cwd: REPO, encoding: 'utf8' });
    if (s.status !== 0) throw new Error(`cdk synth of bench/app failed: ${s.stdout}${s.stderr}`);
    // Everything below runs the layer as synthesized here, whatever later builds do to assets/layer/.
    preload.path = assemblyPreload(assemblyDir);
    preload.sha256 = createHash('sha256').update(readFileSync(preload.path)).digest('hex').slice(0, 16);

    // 1. Cold starts, warm round trips, RSS: harness, every config, both handlers, both nodes.
    const lambda: Record<string, Record<ConfigId, LambdaFigures>> = {};
    const pinned: Record<string, Awaited<ReturnType<typeof pinnedRss>>> = {};
    for (const node of NODES) {
      for (const handler of HANDLERS) {
        log(`[${elapsed()}] harness: ${handler} on Node ${node} (${P.cold} cold starts, ${P.warm} warm invocations per config)`);
        lambda[`${node}/${handler}`] = await benchLambda({ assemblyDir, nodeVersion: node, handler, coldStarts: P.cold, warmInvocations: P.warm, log });
        log(`[${elapsed()}] harness: ${handler} on Node ${node}, RSS with the young generation pinned (${PINNED_YOUNG_GENERATION.join(' ')})`);
        pinned[`${node}/${handler}`] = await pinnedRss({ assemblyDir, nodeVersion: node, handler, rounds: P.pinRounds, invocations: P.pinInvocations, log });
      }
    }
    raw.lambda = lambda;
    raw.pinnedRss = pinned;

    // 2. Instruction counts: init to the runtime's first `next` (the init
    // verdict), and for the realistic handler init plus its first invocation
    // (which makes the process's first spawn and loads the decision code).
    const counts: Record<string, Partial<Record<ConfigId, number[]>>> = {};
    const firstCounts: Record<string, Partial<Record<ConfigId, number[]>>> = {};
    for (const node of P.cgNodes) {
      for (const handler of HANDLERS) {
        const runs = handler === 'trivial' ? P.cgTrivial : P.cgRealistic;
        if (!runs) continue;
        const ids = CG_IDS;
        const c: Partial<Record<ConfigId, number[]>> = Object.fromEntries(ids.map((id) => [id, []]));
        const f: Partial<Record<ConfigId, number[]>> = Object.fromEntries(ids.map((id) => [id, []]));
        for (let i = 0; i < runs; i++) {
          for (const id of rotated(ids, i)) {
            log(`[${elapsed()}] callgrind: ${handler} on Node ${node}, ${id}, run ${i + 1}/${runs}`);
            c[id]!.push(await countInstructions(assemblyDir, node, harnessConfig(id, handler), valgrind, 0));
            if (handler === 'realistic') f[id]!.push(await countInstructions(assemblyDir, node, harnessConfig(id, handler), valgrind, 1));
          }
        }
        counts[`${node}/${handler}`] = c;
        if (handler === 'realistic') firstCounts[`${node}/${handler}`] = f;
      }
    }
    // The trivial handler's warm invocations, counted: init plus N invocations
    // less init, per invocation (so the first invocation's one-time work is
    // in it, spread over N), with the young generation pinned as in the
    // memory verdict: V8 growing it in one config and not yet in another
    // changes how often it scavenges, by more than the layer's work here.
    // And the system calls per warm invocation (strace, two lengths of run),
    // which must not grow with the layer for the count to hold all the work
    // it adds.
    const warmCounts: Record<string, Partial<Record<ConfigId, number[]>>> = {};
    const warmSyscalls: Record<string, Partial<Record<ConfigId, Record<string, number>>>> = {};
    const kernel: Record<string, KernelCosts> = {};
    for (const node of P.cgNodes) {
      if (!P.cgTrivial) continue;
      const ids = CG_IDS;
      const w: Partial<Record<ConfigId, number[]>> = Object.fromEntries(ids.map((id) => [id, []]));
      for (let i = 0; i < P.cgWarmRuns; i++) {
        for (const id of rotated(ids, i)) {
          log(`[${elapsed()}] callgrind: trivial on Node ${node}, ${id}, init and init + ${P.cgWarm} invocations, run ${i + 1}/${P.cgWarmRuns}`);
          const c = harnessConfig(id, 'trivial');
          const init = await countInstructions(assemblyDir, node, c, valgrind, 0, PINNED_YOUNG_GENERATION);
          const total = await countInstructions(assemblyDir, node, c, valgrind, P.cgWarm, PINNED_YOUNG_GENERATION);
          w[id]!.push((total - init) / P.cgWarm);
        }
      }
      warmCounts[`${node}/trivial`] = w;
      const sc: Partial<Record<ConfigId, Record<string, number>>> = {};
      for (const id of ids) {
        log(`[${elapsed()}] strace: trivial on Node ${node}, ${id}, ${P.scWarm.join(' and ')} invocations`);
        const [a, b] = [P.scWarm[0], P.scWarm[1]];
        const short = await countSyscalls(assemblyDir, node, harnessConfig(id, 'trivial'), strace, a, PINNED_YOUNG_GENERATION);
        const long = await countSyscalls(assemblyDir, node, harnessConfig(id, 'trivial'), strace, b, PINNED_YOUNG_GENERATION);
        sc[id] = Object.fromEntries([...new Set([...Object.keys(short), ...Object.keys(long)])]
          .map((k) => [k, ((long[k] ?? 0) - (short[k] ?? 0)) / (b - a)]));
      }
      warmSyscalls[`${node}/trivial`] = sc;
      kernel[node] = kernelCosts(node);
      log(`[${elapsed()}] kernel costs on Node ${node}: a page fault ${kernel[node].faultUs.toFixed(2)} µs, a system call ${kernel[node].syscallUs.toFixed(2)} µs`);
    }
    raw.instructions = {
      init: counts, initAndFirstInvocation: firstCounts, warmPerInvocation: warmCounts, warmSyscallsPerInvocation: warmSyscalls, kernelCosts: kernel,
    };

    for (const node of NODES) {
      for (const handler of HANDLERS) {
        const f = lambda[`${node}/${handler}`];
        const cg = counts[`${node}/${handler}`];
        const baseInit = f.none.initMs;
        for (const c of CONFIGS) {
          const id = c.id;
          const cmp: { delta?: number; ratio?: number } = id === 'none' ? {} : compare(f[id].initMs, baseInit);
          rows.push({ what: 'init, wall clock (spawn to first next)', node, subject: handler, config: LABEL[id], unit: 'ms', value: f[id].initMs, ...cmp, note: 'noisy: the verdict uses instruction counts' });
        }
        if (cg) {
          const base = summarize(cg.none!);
          rows.push({ what: 'init to first next, instructions', node, subject: handler, config: LABEL.none, unit: 'Minstr', value: scale(base, 1e-6) });
          for (const id of (['layer', 'strict'] as ConfigId[]).filter((x) => cg[x])) {
            const v = summarize(cg[id]!);
            const ratio = v.median / base.median;
            const addedMs = (ratio - 1) * baseInit.median;
            rows.push({ what: 'init to first next, instructions', node, subject: handler, config: LABEL[id], unit: 'Minstr', value: scale(v, 1e-6), delta: (v.median - base.median) / 1e6, ratio });
            rows.push({
              what: 'init added = (ratio-1) x median wall init (1)',
              node,
              subject: handler,
              config: LABEL[id],
              unit: 'ms',
              value: { n: 1, median: addedMs, min: addedMs, max: addedMs },
              delta: addedMs,
              budget: '<= 1 ms',
              verdict: verdict(addedMs <= 1),
            });
          }
        }
        const first = firstCounts[`${node}/${handler}`];
        if (first) {
          const base = summarize(first.none!);
          rows.push({ what: 'init + first invocation, instructions', node, subject: handler, config: LABEL.none, unit: 'Minstr', value: scale(base, 1e-6) });
          for (const id of (['layer', 'strict'] as ConfigId[]).filter((x) => first[x])) {
            const v = summarize(first[id]!);
            rows.push({
              what: 'init + first invocation, instructions',
              node,
              subject: handler,
              config: LABEL[id],
              unit: 'Minstr',
              value: scale(v, 1e-6),
              delta: (v.median - base.median) / 1e6,
              ratio: v.median / base.median,
              note: 'the first invocation makes the process\'s first spawn, which loads the decision code (no budget: see README, Cost)',
            });
          }
        }
        // Per config, against (1) block by block: the warm round trip (with its p99), then RSS in rows of its own.
        type Of<T> = (id: ConfigId) => T;
        const perConfig = (what: string, unit: string, value: Of<Summary>, rounds: Of<number[]>, limit: number, budget?: string, p99 = false,
          ids: readonly ConfigId[] = CONFIGS.map((x) => x.id)) => {
          for (const id of ids) {
            const row = { node, subject: handler, config: LABEL[id] };
            rows.push(measured({ ...row, what, unit, value: value(id) }, id === 'none' ? undefined : {
              base: value('none'),
              rounds: rounds(id),
              baseRounds: rounds('none'),
              how: 'delta',
              limit,
              budget: id === 'layer' || id === 'strict' ? budget : undefined,
            }));
            if (p99 && id !== 'none') rows.push({ ...row, what: `${what}, p99`, unit, value: value(id), stat: 'p99', ...compare(value(id), value('none'), 'p99') });
          }
        };
        const wc = warmCounts[`${node}/${handler}`];
        // With the trivial handler's counts, its verdict rests on them (below): the wall clock here cannot resolve 10 µs.
        perConfig('warm round trip', 'µs', (id) => f[id].warmUs, (id) => f[id].warmBlocksUs, 10, wc ? undefined : '<= +10 µs at p50 (per-block medians)', true);
        if (wc) warmInstructionRows(rows, node, handler, wc, warmSyscalls[`${node}/${handler}`]!, f, kernel[node]!);
        // The memory verdict is the pinned run's (lambda-bench.ts, PINNED_YOUNG_GENERATION): here, when V8 grew
        // each config's young generation decides much of the difference.
        perConfig('RSS after the warm run', 'MB', (id) => f[id].rssMb, (id) => f[id].rssBlocksMb, 1);
        // What of the RSS is the process's own memory (the rest is file pages, mostly node's code).
        perConfig('RSS after the warm run, anonymous part (RssAnon)', 'MB', (id) => f[id].anonMb, (id) => f[id].anonBlocksMb, 1);
        const pin: Partial<Record<ConfigId, PinnedRssFigures>> = pinned[`${node}/${handler}`];
        const pinnedRows = `RSS after ${50 + P.pinInvocations} invocations, young generation pinned`;
        perConfig(pinnedRows, 'MB', (id) => pin[id]!.rssMb, (id) => pin[id]!.rssRoundsMb, 1, '<= +1 MB (per process)', false, PINNED_CONFIGS);
        perConfig(`${pinnedRows}, RssAnon`, 'MB', (id) => pin[id]!.anonMb, (id) => pin[id]!.anonRoundsMb, 1, undefined, false, PINNED_CONFIGS);
      }
    }

    // 3. One allowed spawn, in process, on the real binaries.
    const spawn: Record<string, unknown> = {};
    const upload: Record<string, unknown> = {};
    for (const node of NODES) {
      const bin = nodeBinary(nodeVersionForMajor(node));
      log(`[${elapsed()}] spawnSync('/bin/true') on Node ${node}: ${P.spawnRounds} rounds x ${P.spawnPer} per config`);
      const sp = benchSpawn(assemblyDir, bin, P.spawnRounds, P.spawnPer);
      spawn[node] = sp;
      for (const id of IN_PROCESS_CONFIGS) {
        rows.push(measured({ what: 'allowed spawnSync(/bin/true), per call', node, subject: 'in process', config: LABEL[id], unit: 'µs', value: sp[id].perSpawnUs }, id === 'none' ? undefined : {
          base: sp.none.perSpawnUs, rounds: sp[id].roundsUs, baseRounds: sp.none.roundsUs, how: 'ratio', limit: 1.02, budget: '<= 2 % slower (per-round medians)',
        }));
      }
      for (const id of IN_PROCESS_CONFIGS) {
        const cmp: { delta?: number; ratio?: number } = id === 'none' ? {} : compare(sp[id].firstUs, sp.none.firstUs);
        rows.push({ what: 'first spawn in a process (lazy decision load)', node, subject: 'in process', config: LABEL[id], unit: 'µs', value: sp[id].firstUs, ...cmp });
      }
      log(`[${elapsed()}] upload of ${P.uploadMb} MB to 127.0.0.1 on Node ${node}: ${P.uploadRounds} rounds per config`);
      const up = await benchUpload(assemblyDir, bin, P.uploadRounds, P.uploadMb);
      upload[node] = up;
      for (const [what, figure, perRound, note] of [
        [`upload ${P.uploadMb} MB to 127.0.0.1, time`, 'ms', 'roundsMs', SCAN_NOTE],
        [`upload ${P.uploadMb} MB to 127.0.0.1, the second in the process`, 'warmMs', 'warmRoundsMs', WARM_SCAN_NOTE],
      ] as const) {
        for (const id of IN_PROCESS_CONFIGS) {
          rows.push(measured({
            what,
            node,
            subject: 'in process',
            config: LABEL[id],
            unit: 'ms',
            value: up[id][figure],
            ...(id === 'strict' ? { note } : {}),
          }, id === 'none' ? undefined : {
            base: up.none[figure],
            rounds: up[id][perRound],
            baseRounds: up.none[perRound],
            how: 'ratio',
            limit: 1.05,
            budget: id === 'strict' ? '<= 5 % slower (scan, per round)' : undefined,
          }));
        }
      }
    }
    raw.spawn = spawn;
    raw.upload = upload;

    // 4. cdk synth of many functions, with and without the aspect.
    log(`[${elapsed()}] cdk synth of ${P.synthFunctions} functions, ${P.synthRuns} runs each way`);
    const sy = benchSynth(P.synthFunctions, P.synthRuns);
    raw.synth = sy;
    rows.push({ what: `cdk synth, ${P.synthFunctions} Node functions`, node: process.versions.node.split('.')[0], subject: 'cdk CLI', config: 'without the aspect', unit: 'ms', value: sy.without });
    rows.push(measured({ what: `cdk synth, ${P.synthFunctions} Node functions`, node: process.versions.node.split('.')[0], subject: 'cdk CLI', config: 'with the aspect', unit: 'ms', value: sy.with }, {
      base: sy.without, rounds: sy.withRuns, baseRounds: sy.withoutRuns, how: 'ratio', limit: 1.1, budget: '<= 10 % added (per pair of runs)',
    }));
  } finally {
    rmSync(assemblyDir, { recursive: true, force: true });
  }

  const out = {
    mode: smoke ? 'smoke' : 'full',
    machine: { ...machine, loadAverageAtEnd: os.loadavg() },
    durationS: (Date.now() - started) / 1000,
    parameters: P,
    preload,
    permissionFlags: { trivial: permissionFlags(false), realistic: permissionFlags(true) },
    notes: [SCAN_NOTE, WARM_SCAN_NOTE, 'config (2) uses the aspect\'s default policy; (3) adds the strict allowlist [\'true\'] and honeypots (decoys)'],
    rows,
    raw,
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(`machine: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} -> ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; Node ${Object.values(machine.nodes).join(', ')}; ${machine.date}; commit ${machine.commit}, preload.js sha256 ${preload.sha256}${machine.layerSourceDirty ? ' (lambda-layer/ had uncommitted changes)' : ''}\n`);
  process.stdout.write(`note: ${SCAN_NOTE}.\n`);
  process.stdout.write(`note: ${WARM_SCAN_NOTE}.\n`);
  process.stdout.write(`Node --permission flags: ${permissionFlags(true)} (--allow-child-process only for the realistic handler)\n`);
  if (smoke) {
    process.stdout.write(`smoke run: few iterations, no budget verdicts (${elapsed()}). bench/results.json written.\n`);
    return;
  }
  const verdicts = rows.filter((r) => r.verdict);
  const missed = verdicts.filter((r) => r.verdict === 'MISS');
  process.stdout.write('\nbudgets:\n');
  for (const r of verdicts) {
    const p = r.paired ? `, paired ${r.pairedAs} ${r.paired.median.toFixed(3)} [${r.paired.low.toFixed(3)}, ${r.paired.high.toFixed(3)}] over ${r.paired.n}` : '';
    process.stdout.write(`${r.verdict} ${r.what} | Node ${r.node} | ${r.subject} | ${r.config}: ${r.stat === 'p99' ? 'p99' : 'Δ'} ${r.delta! >= 0 ? '+' : ''}${r.delta!.toFixed(3)} ${r.unit}, ratio ${r.ratio?.toFixed(3) ?? '-'}${p} (budget ${r.budget})\n`);
  }
  const unsure = verdicts.filter((r) => r.verdict === 'UNSURE');
  process.stdout.write(`\n${missed.length === 0 && unsure.length === 0 ? 'every figure is within its budget' : `of ${verdicts.length} budgeted figures, ${missed.length} MISS and ${unsure.length} are UNSURE (the budget is inside their interval)`} (${elapsed()}). bench/results.json written.\n`);
}

function scale(s: { n: number; median: number; min: number; max: number }, k: number) {
  return { n: s.n, median: s.median * k, min: s.min * k, max: s.max * k };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
