// Worker threads have their own bindings, so the enforcer must run inside
// each one. A worker runs the NODE_OPTIONS of the environment it is given
// (env: {} drops it), so every worker gets an environment that keeps
// `--require <preload>` and the policy. The preload wraps the Worker
// constructor when worker_threads is first loaded; this is the body.
import { c } from '../captured';
import { permit } from '../gate';
import type { WorkerRequest } from '../types';
import { protectedEnv } from './child-env';
import { urlFrom } from './file-url';
import type { AnyFn, Handler } from './handler';

/**
 * The script a worker gets, as what goes to Node and the name decided on: a
 * string as given. Node takes any object with an href and a protocol for a
 * URL and then reads its pathname, so an object is read once, for its href;
 * Node gets a URL made from that href with the URL captured at start, and a
 * file: URL's name is its path (what Node's fileURLToPath returns). An
 * object without a string href there goes to Node as the string decided on
 * (its href could be one at Node's own read). Throws for an href that is
 * not a URL, as Node would.
 */
function scriptOf(filename: unknown): { given: unknown; name: string } {
  const isObject = filename !== null && (typeof filename === 'object' || typeof filename === 'function');
  const href = isObject ? (filename as { href?: unknown }).href : undefined;
  if (typeof href !== 'string') {
    const name = String(filename);
    return { given: isObject ? name : filename, name };
  }
  const u = urlFrom(href);
  return { given: u.url, name: u.path ?? u.href };
}

export const Worker: Handler = (orig) => {
  const Original = orig as unknown as (new (...a: unknown[]) => object) & AnyFn;
  // The exports object: its SHARE_ENV symbol. Loaded already, since the preload wraps its Worker.
  const SHARE_ENV = (c.requireBuiltin('worker_threads') as { SHARE_ENV?: unknown }).SHARE_ENV;
  return function (this: unknown, a: unknown[], newTarget?: AnyFn): object {
    // Without `new`, let the original throw its own TypeError.
    if (!newTarget) return c.apply(Original, this, a) as object;
    const [filename, options] = a;
    const opts: Record<string, unknown> = options !== null && typeof options === 'object' ? { ...(options as object) } : {};
    const isEval = opts.eval === true;
    const script = isEval ? { given: filename, name: String(filename) } : scriptOf(filename);
    let name = script.name;
    if (!isEval && typeof filename === 'string' && !filename.startsWith('data:') && !filename.startsWith('file:')) {
      name = c.resolve(c.apply(c.cwd, process, []) as string, filename);
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
    // Node turns each execArgv entry into a string itself: it gets the strings decided on, not entries that could answer differently.
    if (Array.isArray(opts.execArgv)) opts.execArgv = (opts.execArgv as unknown[]).map(String);
    const request: WorkerRequest = {
      kind: 'worker',
      api: 'Worker',
      filename: isEval ? String(filename) : name,
      eval: isEval,
      ...(Array.isArray(opts.execArgv) ? { execArgv: opts.execArgv as string[] } : {}),
      ...(typeof opts.env === 'object' ? { env: opts.env as Record<string, string> } : {}),
    };
    if (!permit(request)) {
      const e = new Error(`Worker initialization failure: ${isEval ? 'inline code' : name} refused by nano-enforcer`) as Error & { code?: string };
      e.code = 'ERR_WORKER_INIT_FAILED';
      throw e;
    }
    // new Worker() reaches here with the preload's wrapper, whose prototype is the original's.
    const target = (newTarget as { prototype?: unknown }).prototype === Original.prototype ? Original : newTarget;
    return c.construct(Original, [script.given, opts, ...a.slice(2)], target) as object;
  };
};
