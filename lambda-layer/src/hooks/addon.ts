// Native addons: require('x.node') goes through Module._extensions['.node'],
// which calls process.dlopen; so does every direct use. Only an addon in a
// writable place (or reached through /proc) needs the decision; the preload
// filters the others out until the engine is loaded.
import { c } from '../captured';
import { lastReason, permit } from '../gate';
import type { Handler } from './handler';
import { kernelPath } from './kernel-path';
import { isWritablePath } from './writable';

export const dlopen: Handler = (origDlopen) => function (this: unknown, a: unknown[]): unknown {
  // Node turns a filename that is not a string into one (its toString, or a Buffer's): that is done here, once, and
  // what is decided on is what dlopen gets (an object whose toString answers differently the second time was loaded).
  const file = a.length > 1 ? String(a[1]) : undefined;
  if (file !== undefined) {
    a = [a[0], file, ...a.slice(2)];
    // A NUL (dlopen reads the path up to it) stays for the decision to refuse: resolving would drop the segment holding it.
    const nul = file.includes('\0');
    const abs = nul ? file : kernelPath(file);
    if ((nul || isWritablePath(abs)) && !permit({ kind: 'addon', api: 'dlopen', path: abs })) {
      const e = new Error(`${abs}: cannot load this native addon (refused by nano-enforcer: ${lastReason})`) as Error & { code?: string };
      e.code = 'ERR_DLOPEN_FAILED';
      throw e;
    }
  }
  return c.apply(origDlopen, this, a);
};
