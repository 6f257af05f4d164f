// Where a path handed to a system call leads, for the engine's fs, addon and
// honeypot hooks. A plain path.resolve() is not it:
// - C reads a string up to its first NUL (only a raw binding call passes one);
// - the kernel follows a symlink before the '..' after it, so
//   /proc/self/cwd/../../tmp/x is /tmp/x when the cwd is two levels deep,
//   and /var/task/cache/../x is in /tmp when cache links there; a lexical
//   resolve makes them /proc/tmp/x and /var/task/x.
import { c } from '../captured';

/** The absolute path the kernel would reach, as far as the filesystem tells now. */
export function kernelPath(p: string): string {
  const nul = p.indexOf('\0');
  const s = nul < 0 ? p : p.slice(0, nul);
  const abs = s[0] === '/' ? s : `${c.apply(c.cwd, process, []) as string}/${s}`;
  // The end of the last '..' segment: what precedes it is resolved on the filesystem.
  let end = -1;
  for (let i = abs.indexOf('/..'); i >= 0; i = abs.indexOf('/..', i + 1)) {
    if (i + 3 === abs.length || abs[i + 3] === '/') end = i + 3;
  }
  if (end < 0) return c.resolve(abs);
  let real: string;
  try {
    real = c.apply(c.realpathNative, c.fs, [abs.slice(0, end)]) as string;
  } catch {
    // It does not exist (the call then fails natively): as written.
    return c.resolve(abs);
  }
  return c.resolve(real + abs.slice(end));
}
