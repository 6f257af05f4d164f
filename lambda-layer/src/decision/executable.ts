// What kind of file is executed: an ELF (and its PT_INTERP, the dynamic
// loader), a '#!' script (its interpreter and optional argument, as the
// kernel reads them), or anything else. Cached per file identity
// (dev, ino, mtime, ctime) so a rewritten file is read again.
import { baseOf } from './memo';
import type { SystemView } from '../types';

export type ExecInfo =
  | { readonly kind: 'elf'; readonly interp?: string }
  | { readonly kind: 'script'; readonly interp: string; readonly arg?: string }
  | { readonly kind: 'other' };

const HEAD = 1024;
const MAX_HEAD = 64 * 1024;
/** Linux BINPRM_BUF_SIZE: the kernel reads at most this much of a '#!' line. */
const SHEBANG_MAX = 256;

const caches = new WeakMap<SystemView, Map<string, ExecInfo>>();

export const inspectExecutable = (function inspectExecutable(system: SystemView, path: string): ExecInfo {
  const st = system.stat(path);
  const key = st ? `${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}` : undefined;
  let cache = caches.get(baseOf(system));
  if (!cache) {
    cache = new Map();
    caches.set(baseOf(system), cache);
  }
  if (key !== undefined) {
    const hit = cache.get(key);
    if (hit) return hit;
  }
  const info = read(system, path);
  if (key !== undefined) {
    if (cache.size > 1024) cache.clear();
    cache.set(key, info);
  }
  return info;
});

const read = (function read(system: SystemView, path: string): ExecInfo {
  const head = system.readHead(path, HEAD);
  if (!head || head.length < 2) return { kind: 'other' };
  if (head[0] === 0x23 && head[1] === 0x21) return shebang(head);
  if (isElf(head)) return { kind: 'elf', interp: elfInterp(system, path, head) };
  return { kind: 'other' };
});

export const isElf = (function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
});

export function isShebang(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x23 && head[1] === 0x21;
}

function shebang(head: Uint8Array): ExecInfo {
  let end = head.indexOf(0x0a);
  if (end < 0 || end > SHEBANG_MAX) end = Math.min(head.length, SHEBANG_MAX);
  const line = Buffer.from(head.buffer, head.byteOffset, end).toString('latin1').slice(2).replace(/^[ \t]+/, '').replace(/[ \t\r]+$/, '');
  const m = /^([^ \t]*)(?:[ \t]+(.*))?$/.exec(line)!;
  return m[2] ? { kind: 'script', interp: m[1], arg: m[2] } : { kind: 'script', interp: m[1] };
}

/** PT_INTERP of an ELF file, or undefined for a static executable. */
const elfInterp = (function elfInterp(system: SystemView, path: string, head0: Uint8Array): string | undefined {
  let head = head0;
  const is64 = head[4] === 2;
  const le = head[5] !== 2;
  const more = (n: number): boolean => {
    if (head.length >= n) return true;
    if (n > MAX_HEAD) return false;
    head = system.readHead(path, n) ?? head;
    return head.length >= n;
  };
  if (!more(is64 ? 64 : 52)) return undefined;
  const dv = () => new DataView(head.buffer, head.byteOffset, head.length);
  let v = dv();
  const num = (off: number, size: 2 | 4 | 8) =>
    (size === 2 ? v.getUint16(off, le) : size === 4 ? v.getUint32(off, le) : Number(v.getBigUint64(off, le)));
  const phoff = is64 ? num(0x20, 8) : num(0x1c, 4);
  const phentsize = num(is64 ? 0x36 : 0x2a, 2);
  const phnum = num(is64 ? 0x38 : 0x2c, 2);
  if (phentsize < (is64 ? 56 : 32) || !more(phoff + phnum * phentsize)) return undefined;
  v = dv();
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (num(ph, 4) !== 3) continue; // PT_INTERP
    const off = is64 ? num(ph + 8, 8) : num(ph + 4, 4);
    const size = is64 ? num(ph + 0x20, 8) : num(ph + 0x10, 4);
    if (size === 0 || size > 4096 || !more(off + size)) return undefined;
    const bytes = head.subarray(off, off + size);
    const z = bytes.indexOf(0);
    return Buffer.from(bytes.buffer, bytes.byteOffset, z < 0 ? bytes.length : z).toString('latin1');
  }
  return undefined;
});

/** The dynamic loader itself (ld-linux-x86-64.so.2, ld-musl-x86_64.so.1, ld.so, ld-2.31.so). */
export const isDynamicLoader = (function isDynamicLoader(name: string): boolean {
  return /^ld(-linux[^/]*|-musl[^/]*|-[0-9.]+)?\.so(\.[0-9.]+)?$/.test(name) || /^ld-linux[^/]*\.so/.test(name);
});

/**
 * The program a loader invocation runs (`ld.so [options] PROGRAM args`), and
 * the libraries its options load. undefined program: nothing is run.
 */
export interface LoaderInvocation {
  readonly index?: number;
  readonly libraries: readonly (string | undefined)[];
  readonly unknown?: string;
}

export function loaderInvocation(args: readonly (string | undefined | symbol)[]): LoaderInvocation {
  const libraries: (string | undefined)[] = [];
  const withValue = new Set(['--library-path', '--preload', '--audit', '--argv0', '--inhibit-rpath', '--glibc-hwcaps-prefix', '--glibc-hwcaps-mask']);
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== 'string') return { libraries, unknown: 'the dynamic loader is given an argument only known at run time' };
    if (a === '--') return { index: i + 1 < args.length ? i + 1 : undefined, libraries };
    if (!a.startsWith('--')) return { index: i, libraries };
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (withValue.has(name)) {
      const val = eq < 0 ? args[++i] : a.slice(eq + 1);
      if (typeof val === 'symbol') return { libraries, unknown: 'the dynamic loader is given an argument only known at run time' };
      if (name === '--preload' || name === '--audit' || name === '--library-path') libraries.push(...(val === undefined ? [undefined] : val.split(/[ :]/).filter(Boolean)));
    } else if (a === '--list' || a === '--verify' || a === '--help' || a === '--version' || a === '--list-tunables' || a === '--list-diagnostics') {
      return { libraries };
    }
  }
  return { libraries };
}
