// Native code loaded into this process: require('x.node') goes through
// Module._extensions['.node'], which calls process.dlopen; so does every
// direct use. node:sqlite's DatabaseSync#loadExtension dlopens a file too
// (the preload hooks it at start; see installNativeLoaders). Only a file in
// a writable place (or reached through /proc) needs the decision; the
// preload filters the others out until the engine is loaded.
import { c } from '../captured';
import { lastReason, permit } from '../gate';
import type { Handler } from './handler';
import { kernelPath } from './kernel-path';
import { isWritablePath } from './writable';

/**
 * Throws the API's own failure unless loading `file` may go ahead. A NUL
 * (C reads up to it) stays for the decision to refuse: resolving would drop it.
 */
function checkLoad(api: string, file: string, what: string, code: string): void {
  const nul = file.includes('\0');
  const path = nul ? file : kernelPath(file);
  if (!(nul || isWritablePath(path)) || permit({ kind: 'addon', api, path })) return;
  const e = new Error(`${path}: cannot load this ${what} (refused by nano-enforcer: ${lastReason})`) as Error & { code?: string };
  e.code = code;
  throw e;
}

export const dlopen: Handler = (origDlopen) => function (this: unknown, a: unknown[]): unknown {
  // Node turns a filename that is not a string into one (its toString, or a Buffer's): that is done here, once, and
  // what is decided on is what dlopen gets (an object whose toString answers differently the second time was loaded).
  const file = a.length > 1 ? String(a[1]) : undefined;
  if (file !== undefined) {
    a = [a[0], file, ...a.slice(2)];
    checkLoad('dlopen', file, 'native addon', 'ERR_DLOPEN_FAILED');
  }
  return c.apply(origDlopen, this, a);
};

/**
 * DatabaseSync#loadExtension(path, entryPoint): SQLite tries path, then path
 * + '.so'; both are decided on. The preload sends only string paths here
 * (anything else throws natively, unread).
 */
export const loadExtension: Handler = (orig) => function (this: unknown, a: unknown[]): unknown {
  const file = a[0] as string;
  checkLoad('loadExtension', file, 'SQLite extension', 'ERR_LOAD_SQLITE_EXTENSION');
  checkLoad('loadExtension', `${file}.so`, 'SQLite extension', 'ERR_LOAD_SQLITE_EXTENSION');
  return c.apply(orig, this, a);
};
