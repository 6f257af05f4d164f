// Worker threads have their own bindings, so the enforcer must run inside
// each one. A worker runs the NODE_OPTIONS of the environment it is given
// (env: {} drops it), so the Worker constructor is wrapped to hand every
// worker an environment that keeps `--require <preload>` and the policy.
//
// worker_threads is not loaded at init (it costs milliseconds); the wrapper is
// installed when it is first loaded:
// - require / createRequire / module.require: Module._load;
// - process.getBuiltinModule (does not go through Module._load);
// - ESM `import 'node:worker_threads'`: loading internal/worker assigns
//   process.chdir in the main thread, which an accessor sees; a microtask
//   then patches the exports and syncs the ESM bindings, before the
//   importing module evaluates.
// Once patched, the exports object holds the wrapper for every later path.
// `import x = require()`: esbuild turns `import * as` into a getter copy of every
// export at init, which costs cold start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import path = require('path');
import { permit } from '../gate';
import type { WorkerRequest } from '../types';
import { protectedEnv } from './child-env';
import { apply, construct, disguise, lock } from './wrap';

type AnyFn = (...a: unknown[]) => unknown;
interface ModuleCtor { _load: AnyFn; syncBuiltinESMExports?: () => void }

let patched = false;
let loadingRequire: NodeJS.Require;

function isWorkerThreads(id: unknown): boolean {
  return id === 'worker_threads' || id === 'node:worker_threads';
}

function filenameOf(filename: unknown): string {
  if (typeof filename === 'string') return filename;
  if (filename !== null && typeof filename === 'object' && typeof (filename as { href?: unknown }).href === 'string') {
    return (filename as { href: string }).href;
  }
  return String(filename);
}

function wrapWorker(exportsObj: Record<string, unknown>): void {
  const Original = exportsObj.Worker as new (...a: unknown[]) => object;
  if (typeof Original !== 'function') return;
  const SHARE_ENV = exportsObj.SHARE_ENV;
  const cwdNow = process.cwd;

  const wrapper = function Worker(this: unknown, ...a: unknown[]): object {
    // Without `new`, let the original throw its own TypeError.
    if (!new.target) return apply(Original, this, a) as object;
    const [filename, options] = a;
    const opts: Record<string, unknown> = options !== null && typeof options === 'object' ? { ...(options as object) } : {};
    const isEval = opts.eval === true;
    let name = filenameOf(filename);
    if (!isEval && typeof filename === 'string' && !filename.startsWith('data:') && !filename.startsWith('file:')) {
      name = path.resolve(apply(cwdNow, process, []) as string, filename);
    }
    if (opts.env === SHARE_ENV && SHARE_ENV !== undefined) {
      // The worker shares this process's env: make sure it still holds the enforcer.
      const fixed = protectedEnv(process.env as Record<string, string>);
      process.env.NODE_OPTIONS = fixed.NODE_OPTIONS;
      if (fixed.NANO_ENFORCER_POLICY === undefined) delete process.env.NANO_ENFORCER_POLICY;
      else process.env.NANO_ENFORCER_POLICY = fixed.NANO_ENFORCER_POLICY;
    } else {
      const given = opts.env !== null && typeof opts.env === 'object';
      opts.env = protectedEnv((given ? opts.env : process.env) as Record<string, string>);
    }
    const request: WorkerRequest = {
      kind: 'worker',
      api: 'Worker',
      filename: isEval ? String(filename) : name,
      eval: isEval,
      ...(Array.isArray(opts.execArgv) ? { execArgv: (opts.execArgv as unknown[]).map(String) } : {}),
      ...(typeof opts.env === 'object' ? { env: opts.env as Record<string, string> } : {}),
    };
    if (!permit(request)) {
      const e = new Error(`Worker initialization failure: ${isEval ? 'inline code' : name} refused by nano-enforcer`) as Error & { code?: string };
      e.code = 'ERR_WORKER_INIT_FAILED';
      throw e;
    }
    return construct(Original, [filename, opts, ...a.slice(2)], new.target === wrapper ? Original : new.target) as object;
  } as unknown as AnyFn & { prototype: object };
  disguise(wrapper, Original);
  wrapper.prototype = Original.prototype;
  try {
    (Original.prototype as { constructor: unknown }).constructor = wrapper;
  } catch {
    // Keeps working; only `w.constructor === Worker` would differ.
  }
  lock(exportsObj, 'Worker', wrapper);
}

function patchWorkerThreads(exportsObj: unknown): void {
  if (patched || exportsObj === null || typeof exportsObj !== 'object') return;
  patched = true;
  wrapWorker(exportsObj as Record<string, unknown>);
}

export function installWorkerHooks(moduleCtor: ModuleCtor, req: NodeJS.Require): void {
  loadingRequire = req;

  // Already loaded (inside a worker, worker_threads is part of its bootstrap).
  if ((process as unknown as { moduleLoadList?: string[] }).moduleLoadList?.includes('NativeModule worker_threads')) {
    patchWorkerThreads(loadingRequire('worker_threads'));
    return;
  }

  const load = moduleCtor._load;
  const wrappedLoad = function _load(this: unknown, ...a: unknown[]): unknown {
    const result = apply(load, this, a);
    if (!patched && isWorkerThreads(a[0])) patchWorkerThreads(result);
    return result;
  };
  moduleCtor._load = disguise(wrappedLoad, load);

  const p = process as unknown as { getBuiltinModule?: AnyFn };
  const origGetBuiltin = p.getBuiltinModule;
  if (typeof origGetBuiltin === 'function') {
    const wrapped = function getBuiltinModule(this: unknown, ...a: unknown[]): unknown {
      const result = apply(origGetBuiltin, this, a);
      if (!patched && isWorkerThreads(a[0])) patchWorkerThreads(result);
      return result;
    };
    lock(process, 'getBuiltinModule', disguise(wrapped, origGetBuiltin));
  }

  // ESM: see above. process.chdir stays a working function throughout.
  let chdir = process.chdir;
  const sync = moduleCtor.syncBuiltinESMExports;
  const enqueue = queueMicrotask;
  const d = Reflect.getOwnPropertyDescriptor(process, 'chdir');
  if (!d || !d.configurable) return;
  Reflect.defineProperty(process, 'chdir', {
    configurable: true,
    enumerable: d.enumerable,
    get: () => chdir,
    set: (v: typeof chdir) => {
      chdir = v;
      if (patched) return;
      enqueue(() => {
        if (patched) return;
        patchWorkerThreads(loadingRequire('worker_threads'));
        if (sync) apply(sync, moduleCtor, []);
      });
    },
  });
}
