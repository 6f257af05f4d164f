// The real SystemView: the filesystem as this process sees it, through fs
// functions captured when this module loads. Writable locations are the
// fixed scratch places of Lambda and Linux (/tmp, /var/tmp, /dev/shm,
// /run/user, ...), fd and memfd paths, deleted files, and any rw tmpfs-like
// mount from /proc/self/mountinfo except the root mount itself, so a
// developer machine whose root filesystem is rw still runs /usr/bin/ls.
import * as fs from 'node:fs';
import { markCacheable, Resolution } from './cache';
import { PRELOAD_PATH } from './environment';
import { MountTable, parseMountinfo, under } from './mounts';
import { Sha256 } from './sha256';
import { WRITABLE_PLACES } from '../hooks/writable';
import type { SystemView } from '../types';

// In the layer, require('fs') is the preload's copy of these functions as they were at start (with realpathNative).
const realpathNative = (fs as unknown as { realpathNative?: typeof fs.realpathSync.native }).realpathNative ?? fs.realpathSync.native;
const statSync = fs.statSync;
const lstatSync = fs.lstatSync;
const readlinkSync = fs.readlinkSync;
const openSync = fs.openSync;
const readSync = fs.readSync;
const closeSync = fs.closeSync;
const readFileSync = fs.readFileSync;
const existsSync = fs.existsSync;

const NO_THROW = { throwIfNoEntry: false } as const;
const FD_LINK = /^\/(?:proc\/(?:self|thread-self|[0-9]+)(?:\/task\/[0-9]+)?\/fd|dev\/fd)\/[0-9]+$/;

export interface SystemViewOptions {
  /** The preload a node child must --require; default: preload.js next to this bundle, else /opt/nano-enforcer/preload.js. */
  readonly preloadPath?: string;
  /** This process's NODE_OPTIONS at start; default: read from /proc/self/environ (unaffected by later process.env changes). */
  readonly nodeOptions?: string;
}

export const createSystemView = (function createSystemView(startTimeMs?: number, options: SystemViewOptions = {}): SystemView {
  let table: MountTable | undefined;
  const mounts = (): MountTable => {
    if (!table) {
      let info = '';
      try {
        info = readFileSync('/proc/self/mountinfo', 'latin1');
      } catch {
        // No mount table: no writable mounts beyond the fixed places, nothing immutable.
      }
      table = new MountTable(parseMountinfo(info));
    }
    return table;
  };
  const hashes = new Map<string, string>();

  const stat = (p: string) => {
    try {
      const s = statSync(p, NO_THROW);
      if (!s) return undefined;
      return { isFile: s.isFile(), mode: s.mode, ctimeMs: s.ctimeMs, mtimeMs: s.mtimeMs, dev: s.dev, ino: s.ino, size: s.size };
    } catch {
      return undefined;
    }
  };

  const realpath = (p: string): string | undefined => {
    // An fd link may name something that has no path any more (memfd, a deleted file): report its target.
    if (FD_LINK.test(p)) {
      try {
        const target = readlinkSync(p);
        if (!target.startsWith('/') || / \(deleted\)$/.test(target) || target.startsWith('/memfd:')) return target;
      } catch {
        return undefined;
      }
    }
    try {
      return realpathNative(p);
    } catch {
      return undefined;
    }
  };

  const isWritableLocation = (p: string): boolean => {
    if (!p.startsWith('/') || p.startsWith('/memfd:') || / \(deleted\)$/.test(p) || FD_LINK.test(p)) return true;
    if (p.startsWith('/proc/')) return true;
    if (WRITABLE_PLACES.some(d => under(p, d))) return true;
    return mounts().scratch.some(m => under(p, m));
  };

  const writableBelow = (dir: string): string | undefined => {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return [...WRITABLE_PLACES, '/proc', ...mounts().scratch].find(w => w === dir || w.startsWith(prefix));
  };

  /**
   * Paths (without symlinks) that are on immutable mounts all the way down
   * and are not symlinks themselves: facts that cannot change, so a later
   * resolution through them (the next command found in /usr/bin) needs no
   * lstat for them.
   */
  const settled = new Set<string>();

  /**
   * Resolves p as the kernel does (each symlink followed, '..' after it):
   * IMMUTABLE when every path on the way is on an immutable mount,
   * READ_ONLY when none is in a writable location, else WRITABLE.
   */
  const resolution = (p: string): Resolution => {
    if (!p.startsWith('/')) return Resolution.WRITABLE;
    let parts = p.split('/');
    let at = '';
    let links = 0;
    let level = mounts().isImmutable('/') ? Resolution.IMMUTABLE : Resolution.READ_ONLY;
    for (let i = 0; i < parts.length; i++) {
      const c = parts[i];
      if (c === '' || c === '.') continue;
      if (c === '..') {
        at = at.slice(0, at.lastIndexOf('/'));
        continue;
      }
      const next = at + '/' + c;
      if (settled.has(next)) {
        at = next;
        continue;
      }
      if (isWritableLocation(next)) return Resolution.WRITABLE;
      if (level === Resolution.IMMUTABLE && !mounts().isImmutable(next)) level = Resolution.READ_ONLY;
      try {
        const st = lstatSync(next, { throwIfNoEntry: false });
        // Missing from a read-only place: it stays missing (the cache replays its stat unless the place is immutable).
        if (!st) return level;
        if (st.isSymbolicLink()) {
          // The kernel's limit on symlinks in one resolution.
          if (++links > 40) return Resolution.WRITABLE;
          const target = readlinkSync(next);
          parts = target.split('/').concat(parts.slice(i + 1));
          i = -1;
          if (target.startsWith('/')) at = '';
          continue;
        }
      } catch {
        return Resolution.WRITABLE;
      }
      if (level === Resolution.IMMUTABLE) settled.add(next);
      at = next;
    }
    return level;
  };

  const readHead = (p: string, length: number): Uint8Array | undefined => {
    let fd: number | undefined;
    try {
      fd = openSync(p, 'r');
      const buf = Buffer.alloc(Math.min(Math.max(length, 0), 1048576));
      const n = readSync(fd, buf, 0, buf.length, 0);
      return buf.subarray(0, n);
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) try { closeSync(fd); } catch { /* closed already */ }
    }
  };

  const sha256 = (p: string): string | undefined => {
    const st = stat(p);
    if (!st || !st.isFile) return undefined;
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = hashes.get(key);
    if (hit) return hit;
    let fd: number | undefined;
    try {
      fd = openSync(p, 'r');
      // Our own SHA-256, not node:crypto's Hash, which user code can replace (sha256.ts).
      const h = new Sha256();
      const buf = Buffer.alloc(65536);
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf, n);
      const hex = h.hex();
      if (hashes.size > 256) hashes.clear();
      hashes.set(key, hex);
      return hex;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) try { closeSync(fd); } catch { /* closed already */ }
    }
  };

  let preloadPath = options.preloadPath;
  if (preloadPath === undefined) {
    const sibling = typeof __dirname === 'string' ? __dirname + '/preload.js' : '';
    preloadPath = sibling && existsSync(sibling) ? sibling : PRELOAD_PATH;
  }
  let nodeOptions = options.nodeOptions;
  if (nodeOptions === undefined) {
    try {
      const env = readFileSync('/proc/self/environ', 'latin1').split('\0');
      nodeOptions = (env.find(e => e.startsWith('NODE_OPTIONS=')) ?? 'NODE_OPTIONS=').slice(13);
    } catch {
      nodeOptions = '';
    }
  }
  const view: SystemView = {
    realpath,
    stat,
    readHead,
    sha256,
    isWritableLocation,
    writableBelow,
    startTimeMs: startTimeMs ?? Date.now() - process.uptime() * 1000,
    preloadPath,
    execPath: realpath(process.execPath),
    nodeOptions,
  };
  // Its stat() answers real identities: spawn decisions may be remembered (cache.ts).
  markCacheable(view, resolution);
  return view;
});
