// Native addons: require('x.node') goes through Module._extensions['.node'],
// which calls process.dlopen; so does every direct use. Only an addon in a
// writable place (or reached through /proc) needs the decision; the preload
// filters the others out until the engine is loaded.
import { c } from '../captured';
import { permit } from '../gate';
import type { Handler } from './handler';
import { isWritablePath } from './writable';

export const dlopen: Handler = (origDlopen) => function (this: unknown, a: unknown[]): unknown {
  const file = a[1];
  if (typeof file === 'string') {
    const abs = c.resolve(c.apply(c.cwd, process, []) as string, file);
    if (isWritablePath(abs) && !permit({ kind: 'addon', api: 'dlopen', path: abs })) {
      const e = new Error(`${abs}: cannot load a native addon from a writable location (refused by nano-enforcer)`) as Error & { code?: string };
      e.code = 'ERR_DLOPEN_FAILED';
      throw e;
    }
  }
  return c.apply(origDlopen, this, a);
};
