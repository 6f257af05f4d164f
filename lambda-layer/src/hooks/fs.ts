/* eslint-disable no-bitwise */ // open flags and file modes are bit fields
// protectTmp: no executable content (ELF, `#!`) and no chmod +x in a writable
// place. Hooked on the fs binding, below every fs export: writeFile(Sync),
// write streams, fs.promises and FileHandle, copyFile, cp (file by file, or a
// whole tree in C++: cpSyncCopyDir), rename, link and chmod all end in these
// functions.
//
// Ordinary data must keep its speed: an open for writing is tracked only when
// its path is in a writable place; a write is looked at only on a tracked fd,
// and only when it touches the first four bytes; the decision is asked only
// when those bytes are a magic number (or a mode gains x bits).
// The preload wraps the binding and sends the engine only the opens in a
// writable place (and, once the engine is loaded, every write and close);
// these are the wrappers' bodies.
/* eslint-disable @typescript-eslint/no-shadow */ // each body takes its wrapper's name
import type { Stats } from 'fs';
import { c, isBytes } from '../captured';
import { ownAccess, permit } from '../gate';
import type { FileRequest } from '../types';
import type { AnyFn, Handler } from './handler';
import { kernelPath } from './kernel-path';
import { eacces } from './refusal';
import { isWritablePath } from './writable';

/**
 * An fd opened for writing in a writable place: its path, its offset as far
 * as this fd moved it, what it wrote into the first four bytes, and whether
 * it appends (O_APPEND: a write lands at the file's end, wherever that is).
 */
interface Tracked { readonly fd: number; path: string; pos: number; head: number[]; readonly append: boolean }

const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_APPEND = 0o2000;
const EXEC_BITS = 0o111;
const HEAD = 64;

const tracked = new Map<number, Tracked>();

/** The path of fd when the fs hooks saw it opened for writing in a writable place (WASI's stdio: hooks/wasi.ts). */
export function writablePathOf(fd: number): string | undefined {
  return tracked.get(fd)?.path;
}
/** The fs binding's kUsePromises marker, from the preload. */
let kUsePromises: () => unknown = () => undefined;
export const setUsePromises = (function setUsePromises(get: () => unknown): void {
  kUsePromises = get;
});
const apply = (f: Function, t: unknown, a: ArrayLike<unknown>): unknown => c.apply(f, t, a);

function absolute(p: unknown): string | undefined {
  let s: string;
  if (typeof p === 'string') s = p;
  else if (isBytes(c, p)) s = apply(c.bufToString, p, ['utf8']) as string;
  else return undefined;
  // Decide on what the kernel opens (a NUL, a symlink before '..').
  return kernelPath(s);
}

function isMagic(b: ArrayLike<number>, n: number): boolean {
  if (n >= 2 && b[0] === 0x23 && b[1] === 0x21) return true; // #!
  return n >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46; // \x7fELF
}

/** Fails the binding call the way it fails natively for this calling convention. */
function fail(req: unknown, err: Error): unknown {
  if (req !== undefined && req === kUsePromises()) return apply(c.reject, Promise, [err]);
  if (req !== null && typeof req === 'object' && typeof (req as { oncomplete?: unknown }).oncomplete === 'function') {
    apply(c.nextTick, process, [() => apply((req as { oncomplete: AnyFn }).oncomplete, req, [err])]);
    return undefined;
  }
  throw err;
}

/** First bytes and mode of an existing file (the source of a copy/rename/link): the enforcer's own read. */
function inspect(path: string): { head?: Uint8Array; mode?: number } {
  return ownAccess(() => inspectFile(path));
}

function inspectFile(path: string): { head?: Uint8Array; mode?: number } {
  let fd = -1;
  try {
    fd = apply(c.openSync, c.fs, [path, 'r']) as number;
    const mode = (apply(c.fstatSync, c.fs, [fd]) as Stats).mode;
    const head = new Uint8Array(HEAD);
    let n = 0;
    try {
      n = apply(c.readSync, c.fs, [fd, head, 0, HEAD, 0]) as number;
    } catch {
      // A directory: no content.
    }
    return { head: head.subarray(0, n), mode };
  } catch {
    return {};
  } finally {
    if (fd >= 0) try { apply(c.closeSync, c.fs, [fd]); } catch { /* already closed */ }
  }
}

/**
 * Directories deeper than this in a copied tree are not walked: through a
 * symlink loop, with dereference, the walk would never end.
 */
const MAX_TREE_DEPTH = 32;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/**
 * A tree about to be copied into a writable place: each regular file in it
 * (through symlinks when the copy dereferences them, as documented and as
 * the file-by-file path does; Node 22.23's and 24's C++ copy keeps links
 * inside the tree as links, so this is stricter there) decided as a copy
 * of that file. The first refused one, or
 * undefined. By mode bits, not Stats methods (user code can replace those).
 */
/**
 * A copy (or move, or link) of source to dest, a writable place: asks the
 * decision when the source starts with a magic number or is a regular file
 * with x bits; everything else is plain data.
 */
function copyAllowed(api: string, source: string, dest: string): boolean {
  const { head, mode } = inspect(source);
  const executableFile = mode !== undefined && (mode & EXEC_BITS) !== 0 && (mode & S_IFMT) === S_IFREG;
  if (!executableFile && (head === undefined || !isMagic(head, head.length))) return true;
  return permit(fileRequest(api, dest, { source, ...(head ? { head } : {}), ...(mode === undefined ? {} : { mode }) }));
}

function refusedInTree(src: string, dest: string, dereference: boolean, depth: number): { source: string; dest: string } | undefined {
  let names: string[];
  try {
    names = apply(c.readdirSync, c.fs, [src]) as string[];
  } catch {
    // Not a directory any more, or unreadable: the copy fails natively.
    return undefined;
  }
  for (let i = 0; i < names.length; i++) {
    const source = `${src}/${names[i]}`;
    const target = `${dest}/${names[i]}`;
    let mode: number;
    try {
      mode = (apply(dereference ? c.statSync : c.lstatSync, c.fs, [source]) as Stats).mode;
    } catch {
      continue;
    }
    if ((mode & S_IFMT) === S_IFDIR) {
      const r = depth < MAX_TREE_DEPTH ? refusedInTree(source, target, dereference, depth + 1) : undefined;
      if (r !== undefined) return r;
    } else if ((mode & S_IFMT) === S_IFREG && !copyAllowed('cp', source, target)) {
      return { source, dest: target };
    }
  }
  return undefined;
}

function trackResult(result: unknown, path: string, req: unknown, append: boolean): unknown {
  const track = (fd: unknown): void => {
    const n = typeof fd === 'number' ? fd : (fd as { fd?: unknown } | null)?.fd;
    if (typeof n === 'number' && n >= 0) {
      tracked.set(n, { fd: n, path, pos: 0, head: [-1, -1, -1, -1], append });
      c.track(n, TRACK_ALL);
    }
  };
  if (typeof result === 'number') {track(result);} else if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
    // Node calls these later, outside the preload's window: track in one of their own.
    return apply(c.then, result, [(v: unknown) => { c.inWindow(track, v); return v; }]);
  } else if (req !== null && typeof req === 'object' && typeof (req as { oncomplete?: unknown }).oncomplete === 'function') {
    const done = (req as { oncomplete: AnyFn }).oncomplete;
    (req as { oncomplete: AnyFn }).oncomplete = function oncomplete(this: unknown, ...a: unknown[]) {
      if (a[0] == null) c.inWindow(track, a[1]);
      return apply(done, this, a);
    };
  }
  return result;
}

/** What the preload does with a write on an fd (preload.ts, track()): nothing to decide. */
const TRACK_NONE = 0;
/** Every write to the engine. */
const TRACK_ALL = 1;
/** Writes at the fd's offset go straight through: it is past the first four bytes and only moves forward. */
const TRACK_PAST_HEAD = 2;

/**
 * The file's first four bytes now, as any fd on it wrote them (-1: none),
 * read through /proc/self/fd (the fd itself may be write-only); this fd's own
 * record of them if that fails.
 */
function currentHead(t: Tracked): number[] {
  const b = inspect(`/proc/self/fd/${t.fd}`).head;
  if (b === undefined) return t.head.slice();
  const head = [-1, -1, -1, -1];
  for (let i = 0; i < b.length && i < 4; i++) head[i] = b[i];
  return head;
}

/** Checks a write of `bytes` at `position` (null: the current offset, or the end when appending) to a tracked fd. */
function writeAllowed(api: string, t: Tracked, bytes: ArrayLike<number>, position: unknown, total: number): boolean {
  const explicit = typeof position === 'number' && position >= 0;
  let at = explicit ? position : t.pos;
  // O_APPEND: the end of the file, which another fd, a truncate or another process may have moved.
  if (t.append && !explicit) {
    try {
      at = (apply(c.fstatSync, c.fs, [t.fd]) as Stats).size;
    } catch {
      at = 0;
    }
  }
  if (at < 4 && total > 0) {
    // What the first four bytes will be: the file's as they are (other fds, earlier writes), then this write's.
    const head = at === 0 && bytes.length >= 4 ? [-1, -1, -1, -1] : currentHead(t);
    for (let i = 0; i < bytes.length && at + i < 4; i++) head[at + i] = bytes[i];
    let known = 0;
    while (known < 4 && head[known] >= 0) known++;
    if (isMagic(head, known)) {
      const sample = at === 0 ? Uint8Array.from(Array.prototype.slice.call(bytes, 0, HEAD) as number[]) : Uint8Array.from(head.slice(0, known));
      if (!permit({ kind: 'file', api, path: t.path, head: sample })) return false;
    }
    t.head = head;
  }
  if (!explicit) {
    t.pos = at + total;
    // The offset only moves forward (Node has no lseek): later writes at it cannot reach the head.
    if (!t.append && t.pos >= 4) c.track(t.fd, TRACK_PAST_HEAD);
  }
  return true;
}

// The getters of a typed array's and a DataView's memory, read when the
// bundle loads (in the window: the originals). A plain \`b.buffer\` would
// find an own property user code put on the written array first: an own
// \`buffer\` or \`byteOffset\` showed the check other bytes than the ELF
// the binding wrote.
const typedArrayPrototype = Reflect.getPrototypeOf(Uint8Array.prototype) as object;
const getter = (o: object, k: string) => Reflect.getOwnPropertyDescriptor(o, k)!.get!;
const VIEW_GETTERS = [typedArrayPrototype, DataView.prototype].map((o) => [getter(o, 'buffer'), getter(o, 'byteOffset'), getter(o, 'byteLength')]);

/** An ArrayBufferView's memory and length, by its internal slots; throws for anything else. */
function viewParts(b: unknown): [ArrayBuffer, number, number] {
  // A typed array (a Buffer is one) has a toStringTag; a DataView has none from that getter.
  const g = VIEW_GETTERS[apply(c.bytesTag, b, []) === undefined ? 1 : 0];
  return [apply(g[0], b, []) as ArrayBuffer, apply(g[1], b, []) as number, apply(g[2], b, []) as number];
}

function view(buffer: unknown, offset: unknown, length: unknown): Uint8Array {
  const [memory, at, size] = viewParts(buffer);
  const off = typeof offset === 'number' ? offset : 0;
  const len = typeof length === 'number' ? length : size - off;
  return new Uint8Array(memory, at + off, Math.max(0, Math.min(len, HEAD)));
}

function encode(s: unknown, encoding: unknown): Uint8Array {
  const str = String(s).slice(0, HEAD);
  return apply(c.bufferFrom, Buffer, [str, typeof encoding === 'string' ? encoding : 'utf8']) as Uint8Array;
}

/** The proc filesystem's device, read at the first write-open that needs it. */
let procDev: number | undefined;

/**
 * Could opening path for writing reach a process's memory file
 * (/proc/<pid>/mem)? One lstat: a file on the proc filesystem (also through
 * a directory symlink: /tmp/d -> /proc/self) or a symlink (a /tmp link, an
 * fd link) goes to the decision, which resolves it; a plain tmpfs file or a
 * missing one cannot be.
 */
function mayBeMemory(path: string): boolean {
  const st = apply(c.lstatSync, c.fs, [path, { throwIfNoEntry: false }]) as Stats | undefined;
  if (st === undefined) return false;
  if (st.isSymbolicLink()) return true;
  procDev ??= (apply(c.statSync, c.fs, ['/proc/self']) as Stats).dev;
  return st.dev === procDev;
}

const fileRequest = (function fileRequest(api: string, path: string, extra: Partial<FileRequest> = {}): FileRequest {
  return { kind: 'file', api, path, ...extra };
});

/** The bodies of the fs binding's wrappers, by the preload's handler names. */
export const fsHandlers: Record<string, Handler> = {};
{
  const hook = (name: string, make: (orig: AnyFn) => AnyFn): void => {
    fsHandlers[name] = (orig) => {
      const f = make(orig);
      return function (this: unknown, a: unknown[]) { return apply(f, this, a); };
    };
  };

  const openHook = (api: string, syscall: string) => (orig: AnyFn) => function open(this: unknown, ...a: unknown[]) {
    const flags = a[1] as number;
    if (typeof flags !== 'number' || (flags & O_ACCMODE) === 0) return apply(orig, this, a);
    const path = absolute(a[0]);
    if (path === undefined || !isWritablePath(path)) return apply(orig, this, a);
    // A process's memory, written at the offset of an address: its code, whatever the page's protection.
    if (mayBeMemory(path) && !permit(fileRequest(api, path))) return fail(a[3], eacces(syscall, path));
    const mode = a[2];
    if ((flags & O_CREAT) !== 0 && typeof mode === 'number' && (mode & EXEC_BITS) !== 0
      && !permit(fileRequest(api, path, { mode }))) return fail(a[3], eacces(syscall, path));
    return trackResult(apply(orig, this, a), path, a[3], (flags & O_APPEND) !== 0);
  };
  hook('open', openHook('open', 'open'));
  hook('openFileHandle', openHook('open', 'open'));

  hook('close', (orig) => function close(this: unknown, ...a: unknown[]) {
    if (tracked.size !== 0 && tracked.delete(a[0] as number)) c.track(a[0] as number, TRACK_NONE);
    return apply(orig, this, a);
  });
  hook('fhClose', (fhClose) => function close(this: { fd?: number }, ...a: unknown[]) {
    if (tracked.size !== 0) try { if (tracked.delete(this.fd as number)) c.track(this.fd as number, TRACK_NONE); } catch { /* closed already */ }
    return apply(fhClose, this, a);
  });

  // writeBuffer(fd, buffer, offset, length, position, req)
  hook('writeBuffer', (orig) => function writeBuffer(this: unknown, ...a: unknown[]) {
    const t = tracked.size === 0 ? undefined : tracked.get(a[0] as number);
    if (t && !writeAllowed('write', t, view(a[1], a[2], a[3]), a[4], typeof a[3] === 'number' ? a[3] : 0)) return fail(a[5], eacces('write', t.path));
    return apply(orig, this, a);
  });
  // writeBuffers(fd, buffers, position, req)
  hook('writeBuffers', (orig) => function writeBuffers(this: unknown, ...a: unknown[]) {
    const t = tracked.size === 0 ? undefined : tracked.get(a[0] as number);
    // The list is late.js's copy (listCopy), read once: what the binding writes.
    if (t && Array.isArray(a[1])) {
      const copy = a[1] as unknown[];
      const bytes: number[] = [];
      let total = 0;
      for (let j = 0; j < copy.length; j++) {
        total += viewParts(copy[j])[2];
        if (bytes.length >= HEAD) continue;
        const v = view(copy[j], 0, undefined);
        for (let i = 0; i < v.length && bytes.length < HEAD; i++) bytes[bytes.length] = v[i];
      }
      if (!writeAllowed('write', t, bytes, a[2], total)) return fail(a[3], eacces('write', t.path));
    }
    return apply(orig, this, a);
  });
  // writeString(fd, string, position, encoding, req)
  hook('writeString', (orig) => function writeString(this: unknown, ...a: unknown[]) {
    const t = tracked.size === 0 ? undefined : tracked.get(a[0] as number);
    if (t) {
      const bytes = encode(a[1], a[3]);
      const total = c.byteLength(String(a[1]), (typeof a[3] === 'string' ? a[3] : 'utf8') as BufferEncoding);
      if (!writeAllowed('write', t, bytes, a[2], total)) return fail(a[4], eacces('write', t.path));
    }
    return apply(orig, this, a);
  });
  // writeFileUtf8(pathOrFd, data, flags, mode): writeFileSync with a string.
  hook('writeFileUtf8', (orig) => function writeFileUtf8(this: unknown, ...a: unknown[]) {
    const target = a[0];
    if (typeof target === 'number') {
      const t = tracked.size === 0 ? undefined : tracked.get(target);
      if (t && !writeAllowed('writeFile', t, encode(a[1], 'utf8'), null, c.byteLength(String(a[1])))) return fail(undefined, eacces('write', t.path));
      return apply(orig, this, a);
    }
    const path = absolute(target);
    if (path !== undefined && isWritablePath(path)) {
      const head = encode(a[1], 'utf8');
      const mode = typeof a[3] === 'number' && (a[3] & EXEC_BITS) !== 0 ? a[3] : undefined;
      if ((isMagic(head, head.length) || mode !== undefined)
        && !permit(fileRequest('writeFile', path, { head, ...(mode === undefined ? {} : { mode }) }))) {
        return fail(undefined, eacces('open', path));
      }
    }
    return apply(orig, this, a);
  });

  // copyFile(src, dest, mode, req), rename(from, to, req), link(existing, new, req),
  // cpSyncOverrideFile(src, dest, mode, preserveTimestamps)
  const transfer = (api: string, reqIndex: number) => (orig: AnyFn) => function move(this: unknown, ...a: unknown[]) {
    const dest = absolute(a[1]);
    if (dest === undefined || !isWritablePath(dest)) return apply(orig, this, a);
    const source = absolute(a[0]) ?? String(a[0]);
    if (!copyAllowed(api, source, dest)) return fail(reqIndex < 0 ? undefined : a[reqIndex], eacces(api, source, dest));
    return apply(orig, this, a);
  };
  hook('copyFile', transfer('copyfile', 3));
  hook('rename', transfer('rename', 2));
  hook('link', transfer('link', 2));
  hook('cpSyncOverrideFile', transfer('cp', -1));
  // cpSyncCopyDir(src, dest, force, dereference, errorOnExist, verbatimSymlinks, preserveTimestamps):
  // fs.cpSync of a directory without a filter (Node >= 22.?) copies the whole tree in C++.
  hook('cpSyncCopyDir', (orig) => function cpSyncCopyDir(this: unknown, ...a: unknown[]) {
    const dest = absolute(a[1]);
    if (dest === undefined || !isWritablePath(dest)) return apply(orig, this, a);
    const source = absolute(a[0]) ?? String(a[0]);
    const refused = refusedInTree(source, dest, a[3] === true, 0);
    if (refused !== undefined) throw eacces('cp', refused.source, refused.dest);
    return apply(orig, this, a);
  });

  // chmod(path, mode, req), fchmod(fd, mode, req)
  hook('chmod', (orig) => function chmod(this: unknown, ...a: unknown[]) {
    const mode = a[1];
    if (typeof mode !== 'number' || (mode & EXEC_BITS) === 0) return apply(orig, this, a);
    const path = absolute(a[0]);
    if (path !== undefined && isWritablePath(path) && !permit(fileRequest('chmod', path, { mode }))) {
      return fail(a[2], eacces('chmod', path));
    }
    return apply(orig, this, a);
  });
  hook('fchmod', (orig) => function fchmod(this: unknown, ...a: unknown[]) {
    const mode = a[1];
    if (typeof mode !== 'number' || (mode & EXEC_BITS) === 0) return apply(orig, this, a);
    let path = tracked.get(a[0] as number)?.path;
    if (path === undefined) {
      try {
        path = apply(c.readlinkSync, c.fs, [`/proc/self/fd/${a[0]}`]) as string;
      } catch {
        path = undefined;
      }
    }
    if (path !== undefined && isWritablePath(path) && !permit(fileRequest('fchmod', path, { mode }))) {
      return fail(a[2], eacces('fchmod', path));
    }
    return apply(orig, this, a);
  });
}
