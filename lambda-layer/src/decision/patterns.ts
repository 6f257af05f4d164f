// Policy entries: a bare name, an absolute path, an absolute glob (* ? **),
// or sha256:<hex>. Globs are anchored; '*' and '?' stay within one path
// segment, '**' crosses segments.
import type { SystemView } from '../types';

const globCache = new Map<string, RegExp>();

export const isHashEntry = (function isHashEntry(e: string): boolean {
  return /^sha256:[0-9a-fA-F]{64}$/.test(e);
});

export function isGlob(e: string): boolean {
  return /[*?]/.test(e);
}

export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    let src = '^';
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i];
      if (c === '*' && glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          src += '(?:.*/)?';
        } else {
          src += '.*';
        }
      } else if (c === '*') {
        src += '[^/]*';
      } else if (c === '?') {
        src += '[^/]';
      } else {
        src += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
      }
    }
    re = new RegExp(src + '$');
    if (globCache.size > 512) globCache.clear();
    globCache.set(glob, re);
  }
  return re;
}

/** The entry with the literal directory before its first wildcard put through realpath. */
export function realEntry(system: SystemView, entry: string): string {
  if (!isGlob(entry)) return system.realpath(entry) ?? entry;
  const cut = entry.slice(0, entry.search(/[*?]/));
  const dir = cut.slice(0, cut.lastIndexOf('/'));
  if (!dir) return entry;
  const real = system.realpath(dir);
  return real === undefined ? entry : (real === '/' ? '' : real) + entry.slice(dir.length);
}

/** True when an absolute path or glob entry names one of the paths. */
export function pathEntryMatches(system: SystemView, entry: string, paths: readonly string[]): boolean {
  const forms = [entry, realEntry(system, entry)];
  for (const f of forms) {
    if (isGlob(f)) {
      const re = globToRegExp(f);
      if (paths.some(p => re.test(p))) return true;
    } else if (paths.includes(f)) {
      return true;
    }
  }
  return false;
}

/** True when the path is at or under one of the (glob) paths of allowedWritablePaths. */
export const underAny = (function underAny(system: SystemView, entries: readonly string[], path: string): boolean {
  for (const e of entries) {
    const f = realEntry(system, e).replace(/\/+$/, '');
    if (isGlob(f)) {
      if (globToRegExp(f).test(path) || globToRegExp(f + '/**').test(path)) return true;
    } else if (path === f || path.startsWith(f + '/') || path === e || path.startsWith(e.replace(/\/+$/, '') + '/')) {
      return true;
    }
  }
  return false;
});

/**
 * Interpreter names for allowInlineCode: exact, or the entry plus a version
 * suffix ('python' matches python3 and python3.12, 'python3' matches python3.12
 * but not python2); node and nodejs are the same interpreter.
 */
export function interpreterNameMatches(entry: string, name: string): boolean {
  const norm = (n: string) => (n === 'nodejs' ? 'node' : n);
  const e = norm(entry);
  const n = norm(name);
  return n === e || (n.startsWith(e) && /^[\d.]+$/.test(n.slice(e.length)));
}
