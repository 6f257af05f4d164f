// The real SystemView: the filesystem as this process sees it, through fs
// functions captured when this module loads. Writable locations are the
// fixed scratch places of Lambda and Linux (/tmp, /var/tmp, /dev/shm,
// /run/user, ...), fd and memfd paths, deleted files, and any rw tmpfs-like
// mount from /proc/self/mountinfo except the root mount itself, so a
// developer machine whose root filesystem is rw still runs /usr/bin/ls.
import * as fs from 'node:fs';
import { markCacheable } from './cache';
import { PRELOAD_PATH } from './environment';
import type { SystemView } from '../types';

const realpathNative = fs.realpathSync.native;
const statSync = fs.statSync;
const lstatSync = fs.lstatSync;
const readlinkSync = fs.readlinkSync;
const openSync = fs.openSync;
const readSync = fs.readSync;
const closeSync = fs.closeSync;
const readFileSync = fs.readFileSync;
const existsSync = fs.existsSync;
// node:crypto costs milliseconds to load when nothing has loaded it yet: only on the first hash.
let createHash: typeof import('node:crypto').createHash | undefined;
function hasher(): typeof import('node:crypto').createHash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  createHash ??= (require('node:crypto') as typeof import('node:crypto')).createHash;
  return createHash;
}

const FIXED_WRITABLE = ['/tmp', '/var/tmp', '/dev/shm', '/run/user', '/dev/mqueue', '/run/shm', '/var/lock', '/run/lock'];
const TMPFS_LIKE = new Set(['tmpfs', 'ramfs', 'devtmpfs', 'hugetlbfs', 'mqueue']);
const NO_THROW = { throwIfNoEntry: false } as const;
const FD_LINK = /^\/(?:proc\/(?:self|thread-self|[0-9]+)(?:\/task\/[0-9]+)?\/fd|dev\/fd)\/[0-9]+$/;

export interface SystemViewOptions {
  /** The preload a node child must --require; default: preload.js next to this bundle, else /opt/nano-enforcer/preload.js. */
  readonly preloadPath?: string;
  /** This process's NODE_OPTIONS at start; default: read from /proc/self/environ (unaffected by later process.env changes). */
  readonly nodeOptions?: string;
}

/** Mount points (rw, tmpfs-like, not '/') from mountinfo: fields 5 (mount point), 6 (options), then after ' - ' the fs type. */
export function writableMounts(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    const type = line.slice(sep + 3).split(' ')[0];
    const point = (f[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (point === '/' || !point.startsWith('/')) continue;
    if (!(f[5] ?? '').split(',').includes('rw') || !TMPFS_LIKE.has(type)) continue;
    out.push(point);
  }
  return out;
}

function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

export function createSystemView(startTimeMs?: number, options: SystemViewOptions = {}): SystemView {
  let mounts: string[] | undefined;
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
    if (FIXED_WRITABLE.some(d => under(p, d))) return true;
    if (!mounts) {
      try {
        mounts = writableMounts(readFileSync('/proc/self/mountinfo', 'latin1'));
      } catch {
        mounts = [];
      }
    }
    return mounts.some(m => under(p, m));
  };

  /**
   * Resolves p as the kernel does (each symlink followed, '..' after it):
   * true when no path on the way is in a writable location.
   */
  const staysReadOnly = (p: string): boolean => {
    if (!p.startsWith('/')) return false;
    let parts = p.split('/');
    let at = '';
    let links = 0;
    for (let i = 0; i < parts.length; i++) {
      const c = parts[i];
      if (c === '' || c === '.') continue;
      if (c === '..') {
        at = at.slice(0, at.lastIndexOf('/'));
        continue;
      }
      const next = at + '/' + c;
      if (isWritableLocation(next)) return false;
      try {
        const st = lstatSync(next, { throwIfNoEntry: false });
        // Missing from a read-only place: it stays missing (the cache replays its stat, which says so).
        if (!st) return true;
        if (st.isSymbolicLink()) {
          // The kernel's limit on symlinks in one resolution.
          if (++links > 40) return false;
          const target = readlinkSync(next);
          parts = target.split('/').concat(parts.slice(i + 1));
          i = -1;
          if (target.startsWith('/')) at = '';
          continue;
        }
      } catch {
        return false;
      }
      at = next;
    }
    return true;
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
      const h = hasher()('sha256');
      const buf = Buffer.alloc(65536);
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
      const hex = h.digest('hex');
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
    startTimeMs: startTimeMs ?? Date.now() - process.uptime() * 1000,
    preloadPath,
    execPath: realpath(process.execPath),
    nodeOptions,
  };
  // Its stat() answers real identities: spawn decisions may be remembered (cache.ts).
  markCacheable(view, staysReadOnly);
  return view;
}
