// Native addons: require('x.node') goes through Module._extensions['.node'],
// which calls process.dlopen; so does every direct use. Only an addon in a
// writable place (or reached through /proc) needs the decision.
// `import x = require()`: esbuild turns `import * as` into a getter copy of every
// export at init, which costs cold start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import path = require('path');
import { permit } from '../gate';
import { apply, disguise, lock } from './wrap';
import { isWritablePath } from './writable';

export function installAddonHook(): void {
  const origDlopen = process.dlopen as unknown as (...a: unknown[]) => unknown;
  if (typeof origDlopen !== 'function') return;
  const cwdNow = process.cwd;
  const wrapper = function dlopen(this: unknown, ...a: unknown[]): unknown {
    const file = a[1];
    if (typeof file === 'string') {
      const abs = path.resolve(apply(cwdNow, process, []) as string, file);
      if (isWritablePath(abs) && !permit({ kind: 'addon', api: 'dlopen', path: abs })) {
        const e = new Error(`${abs}: cannot load a native addon from a writable location (refused by nano-enforcer)`) as Error & { code?: string };
        e.code = 'ERR_DLOPEN_FAILED';
        throw e;
      }
    }
    return apply(origDlopen, this, a);
  };
  lock(process, 'dlopen', disguise(wrapper, origDlopen));
}
