// Runs a batch of checks in a real `node` child process with the enforcer
// preloaded (NODE_OPTIONS=--require assets/layer/nano-enforcer/preload.js),
// the way Lambda starts a function, and splits its output per check.
//
// A check is `check(name, async () => value)` in the script; the child prints
// `CHECK <name>`, then the events the enforcer writes while it runs, then
// `RESULT <json>`, all with synchronous writes to fd 1, so every event lands
// under the check that caused it. The batch ends with `DONE`, which proves the
// function kept running after every refusal.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir } from '../../src/harness/node-binaries';

export const REPO = resolve(__dirname, '..', '..');
/** The built layer; `npx projen bundle:layer` makes it. */
export const LAYER_DIR = process.env.NANO_ENFORCER_TEST_LAYER_DIR ?? join(REPO, 'assets', 'layer', 'nano-enforcer');
export const PRELOAD = join(LAYER_DIR, 'preload.js');

export interface EnforcerEvent {
  readonly source: string;
  readonly version: number;
  readonly control: string;
  readonly action: string;
  readonly reason: string;
  readonly requestId?: string;
  readonly detail: Record<string, any>;
}

export interface CheckResult {
  /** What the check returned. */
  readonly value: any;
  /** What it threw (or rejected with), if it did. */
  readonly error?: { code?: string; message: string; syscall?: string; path?: string; errno?: number };
  readonly events: EnforcerEvent[];
}

export interface Batch {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Events written before the first check (init). */
  readonly initEvents: EnforcerEvent[];
  /** True when the script got to its end. */
  readonly done: boolean;
  result(name: string): CheckResult;
}

export interface BatchOptions {
  /** NANO_ENFORCER_POLICY as an object (JSON-encoded) or raw string; undefined: not set. */
  readonly policy?: object | string;
  /** More files in the function's directory (its /var/task). */
  readonly files?: Record<string, string>;
  readonly env?: Record<string, string>;
  /** Extra node flags before the script. */
  readonly nodeArgs?: string[];
  readonly timeoutMs?: number;
}

// The checks' runtime: defined in the child, before the checks.
const HARNESS = `
const fs = require('fs');
const __out = fs.writeSync.bind(fs, 1);
const __checks = [];
globalThis.check = (name, fn) => { __checks.push([name, fn]); };
globalThis.TMP = fs.mkdtempSync('/tmp/ne-it-');
globalThis.exists = (p) => fs.existsSync(p);
globalThis.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
globalThis.exitOf = (child) => new Promise((r) => { let err; child.on('error', (e) => { err = e; r({ error: { code: e.code, message: e.message, syscall: e.syscall, path: e.path } }); }); child.on('close', (code) => { if (!err) r({ code }); }); });
setImmediate(async () => {
  for (const [name, fn] of __checks) {
    __out('CHECK ' + name + '\\n');
    let rec;
    try {
      rec = { value: await fn() };
    } catch (e) {
      rec = { error: { code: e && e.code, message: String(e && e.message), syscall: e && e.syscall, path: e && e.path, errno: e && e.errno } };
    }
    __out('RESULT ' + JSON.stringify(rec === undefined ? {} : rec) + '\\n');
  }
  __out('DONE\\n');
  fs.rmSync(TMP, { recursive: true, force: true });
});
`;

let counter = 0;

/**
 * A fresh directory standing in for the function's code. Not in /tmp (the
 * writable place), and not in the checkout either, which CI may clone under /tmp.
 */
export function functionDir(): string {
  const base = join(cacheDir(), 'integration');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `fn-${process.pid}-${counter++}-`));
}

/**
 * A layer that has only preload.js and `files` (by default late.js and
 * window.js: no engine.js, decision.js, honeypots.js), for a describe block:
 * what the preload decides alone works, what needs the missing files is an
 * internal fault. Returns a getter for its preload's path.
 */
export function preloadOnlyLayer(files: readonly string[] = ['window.js', 'late.js']): () => string {
  let dir = '';
  beforeAll(() => {
    dir = functionDir();
    copyFileSync(PRELOAD, join(dir, 'preload.js'));
    for (const f of files) copyFileSync(join(LAYER_DIR, f), join(dir, f));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return () => join(dir, 'preload.js');
}

export function runChecks(node: string, checks: string, options: BatchOptions = {}): Batch {
  const dir = functionDir();
  writeFileSync(join(dir, 'index.js'), `${HARNESS}\n${checks}\n`);
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content);
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    NODE_OPTIONS: `--require ${PRELOAD}`,
    ...options.env,
  };
  if (options.policy !== undefined) {
    env.NANO_ENFORCER_POLICY = typeof options.policy === 'string' ? options.policy : JSON.stringify(options.policy);
  }
  try {
    const r = spawnSync(node, [...(options.nodeArgs ?? []), join(dir, 'index.js')], {
      cwd: dir, env, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024,
    });
    return parse(r.status, r.stdout ?? '', r.stderr ?? '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parse(status: number | null, stdout: string, stderr: string): Batch {
  const results = new Map<string, CheckResult>();
  const initEvents: EnforcerEvent[] = [];
  let events = initEvents;
  let name: string | undefined;
  let done = false;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('{"source":"nano-enforcer"')) {
      events.push(JSON.parse(line));
    } else if (line.startsWith('CHECK ')) {
      name = line.slice(6);
      events = [];
    } else if (line.startsWith('RESULT ') && name !== undefined) {
      results.set(name, { ...JSON.parse(line.slice(7)), events });
    } else if (line === 'DONE') {
      done = true;
    }
  }
  return {
    status,
    stdout,
    stderr,
    initEvents,
    done,
    result(check: string): CheckResult {
      const r = results.get(check);
      if (!r) throw new Error(`check '${check}' has no result; stdout:\n${stdout}\nstderr:\n${stderr}`);
      return r;
    },
  };
}
