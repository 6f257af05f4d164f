// A fixed SystemView for table tests: an in-memory filesystem with symlinks,
// modes, contents and times; writable locations are /tmp, /dev/shm and fd
// targets that have no path. Nothing is patched.
import { createHash } from 'node:crypto';
import type { SystemView } from '../../../lambda-layer/src/types';

export const START = 1_000_000;

export interface FakeFile {
  /** Content; a string is latin1. */
  readonly content?: string | Uint8Array;
  /** A symlink target (absolute or relative). */
  readonly link?: string;
  readonly mode?: number;
  readonly mtimeMs?: number;
  readonly ctimeMs?: number;
}

export const ELF = '\x7fELF\x02\x01\x01' + '\0'.repeat(57);

export function fakeSystem(files: Record<string, FakeFile>, extra: Partial<SystemView> = {}): SystemView {
  const ino = new Map(Object.keys(files).map((k, i) => [k, i + 1]));
  const dirs = new Set<string>(['/']);
  for (const p of Object.keys(files)) for (let d = p.slice(0, p.lastIndexOf('/')); d; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);

  const realpath = (p: string, hops = 0): string | undefined => {
    if (hops > 40) return undefined;
    const parts = p.split('/').filter(Boolean);
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      const seg = parts[i];
      if (seg === '.') continue;
      if (seg === '..') { cur = cur.slice(0, cur.lastIndexOf('/')); continue; }
      const next = cur + '/' + seg;
      const f = files[next];
      if (f?.link !== undefined) {
        const target = f.link.startsWith('/') ? f.link : cur + '/' + f.link;
        if (!target.startsWith('/') || /\(deleted\)$|^\/memfd:/.test(f.link)) return f.link;
        const r = realpath(target, hops + 1);
        if (r === undefined) return undefined;
        cur = r === '/' ? '' : r;
      } else if (f || dirs.has(next)) {
        cur = next;
      } else {
        return undefined;
      }
    }
    return cur || '/';
  };
  const content = (p: string): Buffer | undefined => {
    const r = realpath(p);
    const f = r === undefined ? undefined : files[r];
    if (!f || f.content === undefined) return undefined;
    return typeof f.content === 'string' ? Buffer.from(f.content, 'latin1') : Buffer.from(f.content);
  };
  return {
    realpath: p => realpath(p),
    stat: p => {
      const r = realpath(p);
      if (r === undefined) return undefined;
      const f = files[r];
      if (!f) return dirs.has(r) ? { isFile: false, mode: 0o40755, ctimeMs: 0, mtimeMs: 0, dev: 1, ino: 0 } : undefined;
      return { isFile: true, mode: f.mode ?? 0o100755, ctimeMs: f.ctimeMs ?? 0, mtimeMs: f.mtimeMs ?? 0, dev: 1, ino: ino.get(r)! };
    },
    readHead: (p, n) => content(p)?.subarray(0, n),
    sha256: p => {
      const c = content(p);
      return c && createHash('sha256').update(c).digest('hex');
    },
    isWritableLocation: p => !p.startsWith('/') || /^\/(tmp|dev\/shm|memfd:|proc\/)/.test(p) || /\(deleted\)$/.test(p),
    writableBelow: d => ['/tmp', '/dev/shm', '/proc'].find(w => w === d || w.startsWith(d === '/' ? '/' : `${d}/`)),
    startTimeMs: START,
    preloadPath: '/opt/nano-enforcer/preload.js',
    execPath: '/usr/local/bin/node',
    nodeOptions: '',
    ...extra,
  };
}

/** A machine like Lambda's: system tools, a function in /var/task, an attacker's files in /tmp. */
export const LAMBDA_FILES: Record<string, FakeFile> = {
  '/bin': { link: 'usr/bin' },
  '/usr/bin/dash': { content: ELF },
  '/usr/bin/sh': { link: 'dash' },
  '/usr/bin/bash': { content: ELF },
  '/usr/bin/busybox': { content: ELF },
  '/usr/bin/env': { content: ELF },
  '/usr/bin/ls': { content: ELF },
  '/usr/bin/cat': { content: ELF },
  '/usr/bin/grep': { content: ELF },
  '/usr/bin/base64': { content: ELF },
  '/usr/bin/echo': { content: ELF },
  '/usr/bin/curl': { content: ELF },
  '/usr/bin/nc.openbsd': { content: ELF },
  '/usr/bin/nc': { link: 'nc.openbsd' },
  '/usr/bin/timeout': { content: ELF },
  '/usr/bin/nohup': { content: ELF },
  '/usr/bin/xargs': { content: ELF },
  '/usr/bin/find': { content: ELF },
  '/usr/bin/perl': { content: ELF },
  '/usr/bin/ruby': { content: ELF },
  '/usr/bin/php': { content: ELF },
  '/usr/bin/lua5.4': { content: ELF },
  '/usr/bin/mawk': { content: ELF },
  '/usr/bin/awk': { link: 'mawk' },
  '/usr/bin/python3.11': { content: ELF },
  '/usr/bin/python3': { link: 'python3.11' },
  '/usr/bin/sudo': { content: ELF },
  '/usr/bin/strace': { content: ELF },
  '/usr/local/bin/node': { content: ELF },
  '/usr/bin/node': { link: '../local/bin/node' },
  '/usr/bin/notes': { content: 'just text', mode: 0o100644 },
  '/lib64/ld-linux-x86-64.so.2': { content: ELF },
  '/opt/nano-enforcer/preload.js': { content: '', mode: 0o100644 },
  '/var/task/index.js': { content: '', mode: 0o100644 },
  '/var/task/worker.js': { content: '', mode: 0o100644 },
  '/var/task/run.sh': { content: '#!/bin/sh\necho hi\n' },
  '/var/task/envnode.js': { content: '#!/usr/bin/env node\n' },
  '/var/task/evil-interp.sh': { content: '#!/tmp/evil\n' },
  '/var/task/bin/catdoc': { content: ELF },
  '/var/task/bin/late': { content: ELF, mtimeMs: START + 5000, ctimeMs: START + 5000 },
  '/var/task/addon.node': { content: ELF, mode: 0o100644 },
  '/tmp/evil': { content: ELF },
  '/tmp/evil.sh': { content: '#!/bin/sh\nid\n' },
  '/tmp/evil.js': { content: '', mode: 0o100644 },
  '/tmp/evil.so': { content: ELF },
  '/tmp/evil.node': { content: ELF, mode: 0o100644 },
  '/tmp/data.txt': { content: 'hello', mode: 0o100644 },
  '/tmp/curl': { link: '/usr/bin/bash' },
  '/tmp/ls': { link: '/usr/bin/busybox' },
  '/tmp/tools/jq': { content: ELF },
  '/dev/shm/x': { content: ELF },
  '/proc/self/fd/3': { link: '/memfd:payload (deleted)' },
};
