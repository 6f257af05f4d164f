// The non-process requests: native addons, worker threads, and writes that
// could put executable content in a writable place (protectTmp).
import { anyExecuteBit, basename, isDirectoryMode, permissionBits, showArgv } from './args';
import { Context, describeDistrust, namesOf } from './context';
import { isElf, isShebang } from './executable';
import { isProcessMemory, MEMORY_RULE } from './memory';
import { underAny } from './patterns';
import type { AddonRequest, Control, Decision, FileRequest, InspectorRequest, V8FlagsRequest, WasiRequest, WorkerRequest } from '../types';

const CODE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader']);

/** A refusal with its detail and rule (index.ts's own spawn refusals too). */
export function refusal(control: Control, reason: string, rule: string, detail: Record<string, unknown>, always?: boolean): Decision {
  return { allow: false, control, reason, ...(always ? { always } : {}), detail: { ...detail, rule } };
}

/** A file this process would load as code: deny list, then writable location or drift. */
function loadProblem(ctx: Context, p: string, what: string, control: 'process' | 'tmp', detail: Record<string, unknown>): Decision | undefined {
  const real = ctx.system.realpath(p);
  if (real === undefined) return undefined; // the load fails natively
  const blocked = ctx.blockedBy(namesOf(p, real), [p, real], real);
  if (blocked) return refusal(control, `${what} ${real} is on the deny list (${blocked})`, 'blocked', { ...detail, resolved: real });
  const d = ctx.distrust(real);
  if (d) return refusal(control, describeDistrust(what, real, d), d === 'writable' ? 'writable-location' : 'drift', { ...detail, resolved: real });
  return undefined;
}

export function evaluateAddon(ctx: Context, r: AddonRequest): Decision {
  return loadProblem(ctx, r.path, 'the native addon', 'process', { api: r.api, file: r.path }) ?? { allow: true };
}

/**
 * Workers run in this process, so the allowlist (about executables) does not
 * apply; what they load does: eval code is inline node code, a file must be
 * trusted, and execArgv may not add --require/--import/--loader of an
 * untrusted file or open the inspector. A worker's env is only its
 * process.env view: it cannot drop the preload (NODE_OPTIONS is read once per
 * process), so it is not checked.
 */
export function evaluateWorker(ctx: Context, r: WorkerRequest): Decision {
  const detail = { api: r.api, file: r.eval ? '<inline>' : r.filename };
  const inlineAllowed = ctx.policy.allowInlineCode.some(e => e === 'node' || e === 'nodejs');
  const isData = !r.eval && /^data:/i.test(r.filename);
  if ((r.eval || isData) && !inlineAllowed) {
    return refusal('process', `a worker is given inline code (${r.eval ? 'eval: true' : 'a data: URL'})`, 'inline-code', detail);
  }
  const args = r.execArgv ?? [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (/^--inspect(-brk|-wait)?$/.test(name)) return refusal('process', `a worker's execArgv opens the inspector (${a})`, 'worker-exec-argv', { ...detail, argv: showArgv(args) });
    if (CODE_OPTIONS.has(name)) {
      const v = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : args[++i];
      if (v === undefined) continue;
      const p = v.startsWith('file:') ? decodeURIComponent(v.replace(/^file:\/\//, '')) : v;
      if (p.startsWith('/') || p.startsWith('.')) {
        const problem = loadProblem(ctx, p, `a worker's ${name}`, 'process', { ...detail, argv: showArgv(args) });
        if (problem) return problem;
      }
    }
  }
  if (r.eval || isData) return { allow: true };
  let p = r.filename;
  if (/^file:/i.test(p)) {
    // The hook hands over a URL object's path (hooks/worker.ts); a file: string is one Node itself refuses
    // (ERR_WORKER_PATH): read here without the URL class, which the decision does not have as it was at start.
    try {
      p = decodeURIComponent(p.replace(/^file:(?:\/\/(?:localhost)?)?/i, '').replace(/[?#][^]*$/, ''));
    } catch {
      return refusal('process', `a worker's URL cannot be read (${p.slice(0, 200)})`, 'worker', detail, true);
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(p)) {
    return refusal('process', `a worker is loaded from a ${p.slice(0, p.indexOf(':'))}: URL`, 'worker', detail);
  }
  return loadProblem(ctx, p, 'the worker script', 'process', detail) ?? { allow: true };
}


/**
 * No write to a process's memory file, whatever the policy's protectTmp;
 * then protectTmp: no executable content or execute bits in a writable
 * location.
 */
export function evaluateFile(ctx: Context, r: FileRequest): Decision {
  const { system, policy } = ctx;
  const real = system.realpath(r.path);
  // A process's memory (or one of its threads'): what is written at an offset lands at that address, in code pages too.
  if (real !== undefined && isProcessMemory(real)) {
    const detail = { api: r.api, path: r.path, ...(real !== r.path ? { resolved: real } : {}) };
    return refusal('process', `writing to ${real} writes into a running process's memory, its code included`, MEMORY_RULE, detail);
  }
  if (!policy.protectTmp) return { allow: true };
  const dir = r.path.slice(0, r.path.lastIndexOf('/')) || '/';
  const rdir = system.realpath(dir) ?? dir;
  const dest = real ?? (rdir === '/' ? '' : rdir) + '/' + basename(r.path);
  if (!system.isWritableLocation(dest) && !system.isWritableLocation(r.path)) return { allow: true };
  if (underAny(system, policy.allowedWritablePaths, dest)) return { allow: true };
  const detail: Record<string, unknown> = { api: r.api, path: r.path };
  if (dest !== r.path) detail.resolved = dest;
  if (r.source !== undefined) detail.source = r.source;
  const kind = (h: Uint8Array | undefined) => (h && isElf(h) ? 'an ELF executable' : h && isShebang(h) ? "a '#!' script" : undefined);
  const k = kind(r.head);
  if (k) return refusal('tmp', `writing ${k} to ${dest}, a writable location`, 'tmp-executable-content', detail);
  // A directory's x bits are search permission, not execution (a mkdir's mode, and the chmod
  // of a directory that fs.cp makes with its source's mode).
  if (r.mode !== undefined && anyExecuteBit(r.mode) && !/mkdir/i.test(r.api) && !isDirectoryMode(system.stat(dest)?.mode)) {
    return refusal('tmp', `setting execute permission (mode 0o${permissionBits(r.mode).toString(8)}) on ${dest}, a writable location`, 'tmp-executable-mode', detail);
  }
  if (r.source !== undefined) {
    const sk = kind(system.readHead(r.source, 4));
    if (sk) return refusal('tmp', `copying ${sk} (${r.source}) to ${dest}, a writable location`, 'tmp-executable-content', detail);
    const st = system.stat(r.source);
    if (st && st.isFile && anyExecuteBit(st.mode) && !/copy/i.test(r.api)) {
      return refusal('tmp', `moving an executable file (${r.source}) to ${dest}, a writable location`, 'tmp-executable-mode', detail);
    }
    if (st && st.isFile && anyExecuteBit(st.mode)) {
      return refusal('tmp', `copying an executable file (${r.source}) to ${dest}, a writable location`, 'tmp-executable-mode', detail);
    }
  }
  return { allow: true };
}

/**
 * protectTmp: a WASI instance reads and writes the directories it is given
 * from C (uvwasi), where no /tmp check sees what it writes. A preopened
 * directory in a writable location, or above one ('/'), is refused, unless
 * it lies inside an allowed writable path.
 */
export function evaluateWasi(ctx: Context, r: WasiRequest): Decision {
  const { system, policy } = ctx;
  if (!policy.protectTmp) return { allow: true };
  const allowed = policy.allowedWritablePaths;
  for (const p of r.preopens) {
    const real = system.realpath(p) ?? p;
    const detail: Record<string, unknown> = { api: r.api, path: p, preopens: r.preopens };
    if (real !== p) detail.resolved = real;
    // Writable as written too: a symlink in /tmp (to /var/task) can be pointed elsewhere before uvwasi opens it.
    if (system.isWritableLocation(p) || system.isWritableLocation(real)) {
      if (underAny(system, allowed, p) && underAny(system, allowed, real)) continue;
      const shown = real === p ? p : `${p} (${real})`;
      return refusal('tmp', `a WASI instance is given ${shown}, a writable location, to write in below the /tmp checks`, 'wasi-preopen', detail);
    }
    const below = system.writableBelow(real);
    if (below !== undefined) {
      const what = below === real ? `${real},` : `${real}, which holds ${below},`;
      return refusal('tmp', `a WASI instance is given ${what} a writable location, to write in below the /tmp checks`, 'wasi-preopen', detail);
    }
  }
  for (const p of r.stdio ?? []) {
    if (underAny(system, allowed, p)) continue;
    return refusal('tmp', `a WASI instance is given ${p}, a writable location, as its stdio, to write to below the /tmp checks`, 'wasi-stdio', { api: r.api, path: p });
  }
  return { allow: true };
}

/**
 * V8 flags that only tune the heap, the stack or what V8 prints. Any other
 * flag set at run time may hand code the engine's internals:
 * --allow-natives-syntax gives it V8's runtime functions, with which it ran
 * machine code of its own on Node 20, 22 and 24 (a WebAssembly module's
 * serialized code, edited and deserialized), and flags such as
 * --no-wasm-bounds-checks turn off the checks that keep WebAssembly in its
 * memory. So every other flag is refused (reported in ALERT mode).
 */
const V8_SIZES = ['max-old-space-size', 'max-semi-space-size', 'min-semi-space-size', 'max-heap-size', 'initial-heap-size', 'initial-old-space-size',
  'stack-trace-limit', 'stack-size'];
const HARMLESS_V8_FLAGS = new Set(['expose-gc', 'trace-gc', 'trace-gc-verbose', 'trace-gc-nvp', ...V8_SIZES]);

/** The flags of a V8 flags string that are not harmless (as written), or the first word that is not a flag. */
export function unsafeV8Flags(flags: string): string[] {
  const out: string[] = [];
  let valueFor: string | undefined;
  for (const w of flags.split(/\s+/)) {
    if (w === '') continue;
    const m = /^--?([A-Za-z0-9_-]+)(=.*)?$/.exec(w);
    if (!m) {
      // The value of the flag before it (--stack-size 2000), or a word V8 would read otherwise.
      if (valueFor === undefined || !/^[0-9]+$/.test(w)) out.push(w);
      valueFor = undefined;
      continue;
    }
    const name = m[1].replace(/_/g, '-');
    const base = HARMLESS_V8_FLAGS.has(name) ? name : name.replace(/^no-?/, '');
    if (!HARMLESS_V8_FLAGS.has(base)) out.push(w);
    valueFor = m[2] === undefined && V8_SIZES.includes(name) ? name : undefined;
  }
  return out;
}

export function evaluateV8Flags(r: V8FlagsRequest): Decision {
  const unsafe = unsafeV8Flags(r.flags);
  if (unsafe.length === 0) return { allow: true };
  return refusal('tamper', `v8.setFlagsFromString(${JSON.stringify(r.flags.slice(0, 200))}): V8 flags other than the heap, stack and GC tracing `
    + `ones (${unsafe.slice(0, 5).join(' ')}) can hand code the engine's internals, with which it runs machine code of its own`,
  'v8-flags', { api: 'setFlagsFromString', flags: unsafe.slice(0, 20) });
}

const INSPECTOR_WAYS: Record<InspectorRequest['api'], string> = {
  Connection: 'an inspector session (inspector.Session#connect)',
  MainThreadConnection: "a worker's inspector session on the main thread (inspector.Session#connectToMainThread)",
  open: "opening the inspector's port (inspector.open)",
  SIGUSR1: "SIGUSR1, Node's signal to open the inspector's port",
};

/**
 * The inspector reads every closure and calls any function it finds there:
 * the originals the hooks hold included, which then run unchecked. So it is
 * the switch that turns the enforcer off, whatever the policy allows.
 * SIGUSR1 no longer opens it (the preload took the signal over at start), so
 * its refusal is reported as blocked in every mode.
 */
export function evaluateInspector(r: InspectorRequest): Decision {
  return refusal('tamper', `${INSPECTOR_WAYS[r.api]}: the inspector lets code read the enforcer's own functions and call what they guard`,
    'inspector', { api: r.api }, r.api === 'SIGUSR1');
}
