// A process's memory file from a command line. /proc/<pid>/mem written at an
// offset writes at that address, code pages included, whatever their
// protection: a child that opens node's (/proc/$PPID/mem), its shell's
// (/proc/$$/mem) or its own and seeks (dd seek=) runs native code that no
// exec ever starts (DDexec). The kernel lets any process of the same user do
// it where no Yama ptrace restriction applies (to itself, always). The
// in-process half is requests.ts (evaluateFile); this is what a command
// names: an argument, a redirection, dd's of=, a symlink's target.
//
// The file is always named `mem` (procfs has no hard links), so what matters
// is whether the last component of a path can be `mem` in a process's proc
// directory, or the path is a symlink to one that exists already.
import { Arg, isStatic, normalize, UNKNOWN } from './args';
import { Context } from './context';

/** A process's or thread's proc directory, as realpath() gives it. */
const PROC_DIR = /^\/proc\/[^/]+(\/task\/[^/]+)?$/;

/** 'memory': names a process's memory file; 'unknown': the name is only known at run time and may. */
export type MemoryRisk = 'memory' | 'unknown' | undefined;

/**
 * Whether a path (a text of wordTexts) may name a process's memory file.
 * `sink`: the command opens it itself (a redirection, dd's of=, a symlink's
 * target): then a name only known at run time counts ('unknown'), and so
 * does a symlink that already points to one.
 */
export function memoryRisk(ctx: Context, text: string, cwds: readonly Arg[], sink: boolean): MemoryRisk {
  let risk: MemoryRisk;
  if (text.includes('mem') || text.includes(UNKNOWN)) {
    const paths = text.startsWith('/') || text.startsWith(UNKNOWN) ? [text] : cwds.map(c => `${isStatic(c) ? c : UNKNOWN}/${text}`);
    for (const p of paths) {
      const slash = p.lastIndexOf('/');
      const last = p.slice(slash + 1);
      const u = last.lastIndexOf(UNKNOWN);
      if (u >= 0) {
        // What is only known at run time may hold '/' too: only the text after it is the name's sure end.
        if (sink && 'mem'.endsWith(last.slice(u + 1))) risk = 'unknown';
        continue;
      }
      if (last !== 'mem') continue;
      const dir = p.slice(0, slash) || '/';
      if (dir.includes(UNKNOWN)) return 'memory';
      // A proc directory, one not there yet, or one reached through a place where the line can put a symlink to one.
      const real = ctx.system.realpath(dir);
      if (real === undefined || PROC_DIR.test(real) || ctx.writableOnWay(dir) !== undefined) return 'memory';
    }
  }
  return risk ?? (sink && !text.includes(UNKNOWN) ? existingLink(ctx, text, cwds) : undefined);
}

/** Whether a real path (realpath()'s answer) is a process's or thread's memory file. */
export function isProcessMemory(real: string): boolean {
  return real.endsWith('/mem') && PROC_DIR.test(real.slice(0, -4));
}

/** A symlink that points to a process's memory file now (planted before the spawn). */
function existingLink(ctx: Context, text: string, cwds: readonly Arg[]): MemoryRisk {
  for (const c of text.startsWith('/') ? ['/'] : cwds) {
    if (!isStatic(c)) continue;
    const real = ctx.system.realpath(text.startsWith('/') ? text : normalize(`${c}/${text}`));
    if (real !== undefined && isProcessMemory(real)) return 'memory';
  }
  return undefined;
}

/** An argument that may name a process's memory file, and how sure that is. */
export interface Risky {
  readonly risk: MemoryRisk;
  readonly text: string;
}

/** Whether an option word turns on symlinks for ln or cp (-s, -sf, --symbolic, --symbolic-link). */
function symbolic(a: string): boolean {
  return a === '--symbolic' || a === '--symbolic-link' || /^-[a-zA-Z]*s/.test(a);
}

/**
 * What a command is given that may name a process's memory file, as texts:
 * every argument (a reader or writer of it, a symlink to it), with what
 * the command opens itself marked as a sink: dd's of=, and every operand of
 * ln -s and cp -s (a symlink named anything, to a file named mem).
 */
export function commandRisk(ctx: Context, sem: string, args: readonly string[], cwds: readonly Arg[]): Risky | undefined {
  const links = (sem === 'ln' || sem === 'cp') && args.some(a => a.startsWith('-') && symbolic(a));
  let found: Risky | undefined;
  for (const a of args) {
    let text = a;
    let sink = links && !a.startsWith('-');
    if (sem === 'dd') {
      // dd's operands are NAME=VALUE; one only known at run time may be of=.
      if (a.startsWith('of=')) { text = a.slice(3); sink = true; } else if (a.startsWith(UNKNOWN)) { sink = true; }
    }
    const risk = memoryRisk(ctx, text, cwds, sink);
    if (risk === 'memory') return { risk, text: a };
    if (risk && !found) found = { risk, text: a };
  }
  return found;
}

export const MEMORY_RULE = 'process-memory';

/** Why a command is refused, for `what` (a redirection, an argument) at a risk. */
export function memoryReason(what: string, risk: MemoryRisk): string {
  return risk === 'memory'
    ? `${what} names a process's memory file (/proc/<pid>/mem): what is written there at an offset lands in that process's code`
    : `${what} opens a file only known at run time, which may be a process's memory file (/proc/<pid>/mem): `
      + 'name the file in the line, or pass it in the environment';
}
