// node:wasi: a WASI instance reads and writes the host directories it is
// given (preopens) from C (uvwasi), below the fs binding, so the /tmp and
// decoy-file hooks never see what it does there. The preload hooks the WASI
// constructor at start (see installNativeLoaders); this is its body. The
// options are read once, here, and Node gets that copy: what was decided on
// is what uvwasi opens.
import { c } from '../captured';
import { lastReason, permit } from '../gate';
import { writablePathOf } from './fs';
import type { AnyFn, Handler } from './handler';

/** The options the WASI constructor reads, as one read of each. */
const KEYS = ['version', 'args', 'env', 'stdin', 'stdout', 'stderr', 'returnOnExit'];
/** Its stdio options and their defaults: uvwasi writes to these fds in C too (fd_write on 0 writes if the fd is writable). */
const STDIO: readonly [string, number][] = [['stdin', 0], ['stdout', 1], ['stderr', 2]];

export const WASI: Handler = (orig) => {
  const Original = orig as unknown as (new (...a: unknown[]) => object) & AnyFn;
  return function (this: unknown, a: unknown[], newTarget?: AnyFn): object {
    // Without `new`, let the original throw its own TypeError.
    if (!newTarget) return c.apply(Original, this, a) as object;
    // new WASI() (the original's default options) or options it refuses itself: nothing is opened.
    const target = (newTarget as { prototype?: unknown }).prototype === Original.prototype ? Original : newTarget;
    const options = a[0];
    if (options === null || typeof options !== 'object') return c.construct(Original, a, target) as object;
    const given = options as Record<string, unknown>;
    const opts: Record<string, unknown> = {};
    for (const k of KEYS) opts[k] = given[k];
    const preopens = given.preopens;
    const hostPaths: string[] = [];
    // An array Node refuses itself, unread.
    if (preopens !== null && typeof preopens === 'object' && !Array.isArray(preopens)) {
      // Node reads Object.entries and Strings both sides: so does this, once.
      // No prototype: a guest path named __proto__ stays a preopen.
      const copy = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(preopens)) {
        const host = String(v);
        copy[k] = host;
        hostPaths.push(c.resolve(c.apply(c.cwd, process, []) as string, host));
      }
      opts.preopens = copy;
    } else {
      opts.preopens = preopens;
    }
    // An fd the fs hooks saw opened for writing in a writable place (fd 1 too, after a close and an open).
    const stdio: string[] = [];
    for (const [k, d] of STDIO) {
      const fd = opts[k] === undefined ? d : opts[k];
      const p = typeof fd === 'number' ? writablePathOf(fd) : undefined;
      if (p !== undefined) stdio.push(p);
    }
    if ((hostPaths.length !== 0 || stdio.length !== 0) && !permit({ kind: 'wasi', api: 'WASI', preopens: hostPaths, stdio })) {
      const e = new Error(`UVWASI_EACCES, uvwasi_init (refused by nano-enforcer: ${lastReason})`) as Error & Record<string, unknown>;
      e.errno = 2;
      e.code = 'UVWASI_EACCES';
      e.syscall = 'uvwasi_init';
      throw e;
    }
    return c.construct(Original, [opts, ...a.slice(1)], target) as object;
  };
};
