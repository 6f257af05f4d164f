// Checks one command about to run: resolve it, apply the deny list, then the
// allowlist or drift rule, then look inside it: the program a dynamic loader
// or a '#!' line runs, a wrapper's command, a shell's line, an interpreter's
// inline code, and the environment it gets.
import { Arg, argText, basename, candidates, derive, isStatic, normalize, SPLAT, VarValue, wordTexts } from './args';
import { Context, describeDistrust, MAX_COMMANDS, MAX_DEPTH, namesOf } from './context';
import { environmentProblem } from './environment';
import { inspectExecutable, isDynamicLoader, loaderInvocation } from './executable';
import { Family, familyOf, interpreterUse } from './inline';
import { commandRisk, MEMORY_RULE, memoryReason } from './memory';
import { interpreterNameMatches, isHashEntry, pathEntryMatches } from './patterns';
import { lookup, Resolution } from './resolve';
import { analyzeShell, shellBuiltin, ShellState } from './shell-check';
import type { ShellWord } from './shell-words';
import { isWrapper, Unwrapped, unwrap } from './wrappers';

export interface Invocation {
  /** What is executed (a name looked up on PATH, or a path). */
  readonly file: Arg;
  /** argv, argv[0] included. */
  readonly argv: readonly Arg[];
  readonly vars: Map<string, VarValue[]>;
  readonly cwds: readonly Arg[];
  readonly root: string;
  /** false for '#!' interpreters and the loader's program: no PATH search. */
  readonly search: boolean;
  readonly defaultPath?: boolean;
  /** The shell command this comes from, for reports. */
  readonly origin?: string;
  readonly depth: number;
  /** Set when the command runs inside a shell line: builtins and functions apply. */
  readonly shell?: ShellState;
  /** The shell words of argv, when it comes from a shell line. */
  readonly words?: readonly ShellWord[];
  /**
   * True for a command of a shell line (and what it runs): other commands of
   * the line run between this check and its execution, so the filesystem it
   * is resolved in may change before it runs.
   */
  readonly line?: boolean;
  /**
   * A program the wrapper runs only if it decides to (tar's decompressor of
   * an archive it recognises): where it resolves and whether it is trusted
   * are checked, not the allowlist.
   */
  readonly mayRun?: boolean;
}

const MULTICALL = new Set(['busybox', 'toybox']);
/** A file that is a file descriptor of the process reading it. */
export const FD_PATH = /^\/(dev\/(stdin|fd\/\d+)|proc\/(self|thread-self|\d+)\/fd\/\d+)$/;

export const checkInvocation = (function checkInvocation(ctx: Context, inv: Invocation): void {
  if (ctx.stopped) return;
  const base = { argv: inv.argv, command: inv.origin, file: typeof inv.file === 'string' ? inv.file : undefined };
  if (++ctx.commands > MAX_COMMANDS || inv.depth > MAX_DEPTH) {
    return ctx.refuse({ ...base, reason: 'the command nests too deeply to be checked', rule: 'too-complex', always: true });
  }
  const file = inv.file;
  if (!isStatic(file)) {
    return ctx.refuse({ ...base, reason: 'the command name is only known at run time', rule: 'dynamic-command', always: true });
  }
  // The deny list by name holds whatever the name resolves to, even nothing.
  const named = ctx.blockedBy(namesOf(file, inv.argv[0]), [], undefined);
  if (named) return ctx.refuse({ ...base, reason: `${file} is on the deny list (${named})`, rule: 'blocked' });
  if (inv.shell && !file.includes('/')) {
    if (inv.shell.functions.has(file)) return; // its body is among the line's commands
    if (shellBuiltin(ctx, inv, inv.shell)) return;
  }
  const found = lookup(ctx.system, file, { vars: inv.vars, cwds: inv.cwds, root: inv.root, search: inv.search, defaultPath: inv.defaultPath });
  if (!found.ok) return ctx.refuse({ ...base, reason: found.unknown, rule: 'dynamic-command', always: true });
  // Where nothing is yet but a program could be put before it runs: a path in
  // a writable location (curl -o /tmp/x && /tmp/x), or a PATH directory in
  // one searched before the hit. A top-level spawn runs what is there now, so
  // for it only a command found nowhere counts.
  if (inv.line || found.found.length === 0) {
    for (const p of found.missing) {
      const w = ctx.writableOnWay(p);
      if (w) {
        return ctx.refuse({
          ...base,
          resolved: normalize(p),
          rule: 'writable-location',
          reason: `${file} could be created at ${normalize(p)} before it runs (${w} is a writable location)`,
        });
      }
    }
  }
  // Nothing would run: let the call fail natively (ENOENT, or the shell's 'not found').
  if (found.found.length === 0) return;
  for (const r of found.found) checkResolved(ctx, inv, r);
});

const checkResolved = (function checkResolved(ctx: Context, inv: Invocation, r: Resolution): void {
  const { system, policy } = ctx;
  const file = inv.file as string;
  const argv0 = inv.argv[0];
  const real = basename(r.resolved);
  const applet = MULTICALL.has(real) && isStatic(argv0) && !MULTICALL.has(basename(argv0)) ? basename(argv0) : undefined;
  const base = { argv: inv.argv, command: inv.origin, file, resolved: r.resolved };
  const refuse = (reason: string, rule: string, always?: boolean) => ctx.refuse({ ...base, reason, rule, always });

  const names = namesOf(file, argv0, r.path, r.resolved);
  const paths = [r.path, r.resolved];
  const blocked = ctx.blockedBy(names, paths, r.resolved);
  if (blocked) return refuse(`${applet ?? file} (${r.resolved}) is on the deny list (${blocked})`, 'blocked');

  // Names the program is known by: what it is, and the name it was found under in a trusted directory.
  const pathDir = r.path.slice(0, r.path.lastIndexOf('/')) || '/';
  const trustedAlias = !system.isWritableLocation(system.realpath(pathDir) ?? pathDir) ? basename(r.path) : undefined;
  const distrust = ctx.distrust(r.resolved);
  if (policy.allowed && !inv.mayRun) {
    let byHash = false;
    const hit = policy.allowed.find(e => {
      if (isHashEntry(e)) {
        byHash = (system.sha256(r.resolved) ?? '').toLowerCase() === e.slice(7).toLowerCase();
        return byHash;
      }
      if (e.startsWith('/')) return pathEntryMatches(system, e, [r.resolved]);
      if (applet) return e === applet;
      if (e === real) return true;
      // The name it was found under counts only when that directory is trusted (not a symlink planted in /tmp).
      return e === trustedAlias;
    });
    if (!hit) return refuse(`${applet ?? file} (${r.resolved}) is not in the allowlist`, 'allowlist');
    if (!byHash && distrust) return refuse(describeDistrust(applet ?? file, r.resolved, distrust), distrust === 'writable' ? 'writable-location' : 'drift');
  } else if (distrust) {
    return refuse(describeDistrust(applet ?? file, r.resolved, distrust), distrust === 'writable' ? 'writable-location' : 'drift');
  }
  if (inv.line) {
    // A symlink or directory in a writable location can be swapped by an earlier command of the line.
    const w = ctx.writableOnWay(r.raw);
    if (w) return refuse(`${applet ?? file} (${r.resolved}) is reached through ${w}, a writable location, where it can be replaced before it runs`, 'writable-location');
  }

  // An argument naming a process's memory file: dd of=/proc/$PPID/mem, ln -s /proc/1/mem /tmp/x (memory.ts).
  const texts = inv.words ? inv.words.slice(1).flatMap(w => wordTexts(w, inv.vars, inv.cwds)) : inv.argv.slice(1).map(argText);
  const mem = commandRisk(ctx, applet ?? real, texts, inv.cwds);
  if (mem) {
    refuse(memoryReason(`${applet ?? file}'s argument ${mem.text.replace(/\0/g, '...')}`, mem.risk), MEMORY_RULE, mem.risk === 'memory');
    if (ctx.stopped) return;
  }

  const info = inspectExecutable(system, r.resolved);
  if (info.kind === 'elf' && info.interp) {
    const d = ctx.distrustPath(info.interp);
    if (d) return refuse(describeDistrust(`the ELF interpreter of ${file}`, info.interp, d), 'loader');
  }
  const sem = applet ?? real;
  const known = [sem, real, ...(trustedAlias && !applet ? [trustedAlias] : [])];
  const family: Family | undefined = familyOf(sem) ?? (applet ? undefined : familyOf(basename(r.path)));
  const isNode = family === 'node' || (system.execPath !== undefined && r.resolved === system.execPath);

  const env = environmentProblem(ctx, inv.vars, inv.cwds, isNode ? 'node' : family, isNode);
  if (env) ctx.refuse({ ...base, ...env });
  if (ctx.stopped) return;

  const child = (over: Partial<Invocation> & Pick<Invocation, 'file' | 'argv'>): Invocation =>
    ({ vars: inv.vars, cwds: inv.cwds, root: inv.root, search: true, origin: inv.origin, depth: inv.depth + 1, line: inv.line, ...over });

  if (info.kind === 'script') {
    // A wrapper written as a script (Debian's valgrind) still runs what its arguments name.
    if (isWrapper(sem)) runWrapper(ctx, inv, sem, inv.argv);
    if (ctx.stopped) return;
    // The kernel runs: interpreter [optional-arg] script args...; the script itself was checked above.
    const argv: Arg[] = [info.interp, ...(info.arg !== undefined ? [info.arg] : []), r.path, ...inv.argv.slice(1)];
    return checkInvocation(ctx, child({ file: info.interp, argv, search: false }));
  }
  if (isDynamicLoader(real)) {
    const li = loaderInvocation(inv.argv);
    if (li.unknown) return refuse(li.unknown, 'dynamic-command', true);
    for (const lib of li.libraries) {
      if (lib === undefined) return refuse('the dynamic loader is given a library only known at run time', 'loader', true);
      const d = lib.includes('/') ? ctx.distrustPath(lib) : undefined;
      if (d) return refuse(describeDistrust('the dynamic loader is given the library', lib, d), 'loader');
    }
    if (li.index === undefined) return;
    return checkInvocation(ctx, child({ file: inv.argv[li.index] as Arg, argv: inv.argv.slice(li.index), search: false }));
    return;
  }
  if (isWrapper(sem)) return runWrapper(ctx, inv, sem, applet ? [applet, ...inv.argv.slice(1)] : inv.argv);
  if (family === 'shell') return analyzeShell(ctx, inv, sem, known);
  if (family) {
    const use = interpreterUse(family, inv.argv);
    if (use.unknown) return refuse(use.unknown, 'dynamic-command', true);
    if (use.inline && !policy.allowInlineCode.some(e => known.some(n => interpreterNameMatches(e, n)))) {
      return refuse(use.stdin
        ? `${sem} would read its program from stdin (inline code)`
        : `${sem} is given inline code (${use.inline})`, 'inline-code', use.stdin);
    }
    for (const f of use.loads) checkLoadedFile(ctx, inv, f, sem);
    if ('script' in use) checkLoadedFile(ctx, inv, use.script, sem, true);
    if ('module' in use) checkModuleInCwd(ctx, inv, use.module, sem);
  }
});

/** A script or module an interpreter reads: it must be as trusted as an executable. */
export function checkLoadedFile(ctx: Context, inv: Invocation, f: Arg, by: string, script = false): void {
  const base = { argv: inv.argv, command: inv.origin };
  if (f === SPLAT) return ctx.refuse({ ...base, reason: `${by} is given a file only known at run time`, rule: 'dynamic-command', always: true });
  if (f === undefined) return ctx.refuse({ ...base, reason: `${by} is given a file only known at run time`, rule: 'dynamic-command', always: true });
  if (f === '') return;
  // /dev/stdin, /dev/fd/N, /proc/<pid>/fd/N: code read from a file descriptor (a pipe, a here-string) is inline code.
  if (FD_PATH.test(f)) {
    if (ctx.policy.allowInlineCode.some(e => interpreterNameMatches(e, by))) return;
    return ctx.refuse({ ...base, file: f, reason: `${by} would read its code from a file descriptor (${f}): inline code`, rule: 'inline-code', always: true });
  }
  // node -r/--import of a bare name loads a package (from the working directory's node_modules first);
  // node's main script is always a path, relative to the working directory.
  if (!script && !f.startsWith('/') && !f.startsWith('.') && !f.includes('/') && by === 'node' && !/\.[cm]?[jt]s$/.test(f)) {
    return checkModuleInCwd(ctx, inv, f, by, 'node_modules/');
  }
  for (const c of f.startsWith('/') ? ['/'] : inv.cwds) {
    if (typeof c !== 'string') return ctx.refuse({ ...base, reason: `${f} is relative and the working directory is only known at run time`, rule: 'dynamic-command', always: true });
    const p = f.startsWith('/') ? f : normalize(c + '/' + f);
    const raw = (inv.root ? inv.root : '') + (f.startsWith('/') ? f : c + '/' + f);
    const real = ctx.system.realpath(inv.root ? inv.root + p : p);
    if (real === undefined || inv.line) {
      // Not there yet (sh /tmp/x.sh before it is downloaded), or reached through a place the line can change.
      const w = ctx.writableOnWay(raw);
      if (w && (real === undefined || !ctx.distrust(real))) {
        return ctx.refuse({
          ...base,
          file: f,
          resolved: normalize(p),
          rule: 'writable-location',
          reason: real === undefined
            ? `${by} would run ${f}, which could be created at ${normalize(p)} before it runs (${w} is a writable location)`
            : `${by} would run ${f} (${real}), reached through ${w}, a writable location, where it can be replaced before it runs`,
        });
      }
    }
    if (real === undefined) continue;
    const blocked = ctx.blockedBy(namesOf(f, real), [p, real], real);
    if (blocked) return ctx.refuse({ ...base, file: f, resolved: real, reason: `${f} (${real}) is on the deny list (${blocked})`, rule: 'blocked' });
    const d = ctx.distrust(real);
    if (d) return ctx.refuse({ ...base, file: f, resolved: real, reason: describeDistrust(`${by} would run`, real, d), rule: d === 'writable' ? 'writable-location' : 'drift' });
  }
}

/**
 * A module found from the working directory (python -m name, node -r name):
 * refused when a working directory is a writable location, where the line
 * could put the module first.
 */
export function checkModuleInCwd(ctx: Context, inv: Invocation, m: Arg, by: string, prefix = ''): void {
  const base = { argv: inv.argv, command: inv.origin };
  if (!isStatic(m)) return ctx.refuse({ ...base, reason: `${by} is given a module only known at run time`, rule: 'dynamic-command', always: true });
  const top = prefix + m.split('.')[0];
  for (const c of inv.cwds) {
    if (typeof c !== 'string') return ctx.refuse({ ...base, reason: `${by} loads ${m} from the working directory, which is only known at run time`, rule: 'dynamic-command', always: true });
    const w = ctx.writableOnWay((inv.root ? inv.root : '') + c + '/' + top);
    if (w) return ctx.refuse({ ...base, file: m, resolved: normalize(c + '/' + top), rule: 'writable-location', reason: `${by} would load ${m} from the working directory ${c}, a writable location (${w})` });
  }
}

/** Checks what a wrapper (env, nohup, timeout, exec, command, ...) runs. */
export function runWrapper(ctx: Context, inv: Invocation, name: string, argv: readonly Arg[]): void {
  const child = (over: Partial<Invocation> & Pick<Invocation, 'file' | 'argv'>): Invocation =>
    ({ vars: inv.vars, cwds: inv.cwds, root: inv.root, search: true, origin: inv.origin, depth: inv.depth + 1, line: inv.line, ...over });
  const u: Unwrapped = unwrap(name, argv);
  const base = { argv: inv.argv, command: inv.origin, file: typeof inv.file === 'string' ? inv.file : undefined };
  switch (u.kind) {
    case 'none': return;
    case 'unknown': return ctx.refuse({ ...base, reason: u.why, rule: 'dynamic-command', always: true });
    case 'stdin-shell': return checkInvocation(ctx, child({ file: '/bin/sh', argv: ['sh', '-s'] }));
    case 'shell':
      if (!isStatic(u.code)) return ctx.refuse({ ...base, reason: 'the command string is only known at run time', rule: 'dynamic-command', always: true });
      return checkInvocation(ctx, child({ file: '/bin/sh', argv: ['sh', '-c', u.code] }));
    case 'run': {
      let vars = inv.vars;
      if (u.env) {
        vars = u.env.clear ? new Map() : derive(vars);
        for (const n of u.env.unset) vars.set(n, [null]);
        for (const [n, v] of u.env.set) vars.set(n, [v === SPLAT ? undefined : v]);
      }
      let cwds = inv.cwds;
      if ('cwd' in u) {
        const c = u.cwd;
        cwds = isStatic(c) ? inv.cwds.map(d => (c.startsWith('/') ? c : isStatic(d) ? normalize(d + '/' + c) : undefined)) : [undefined];
      }
      let root = inv.root;
      if (u.root !== undefined) {
        if (!isStatic(u.root)) return ctx.refuse({ ...base, reason: 'the chroot directory is only known at run time', rule: 'dynamic-command', always: true });
        const abs = u.root.startsWith('/') ? u.root : isStatic(inv.cwds[0]) ? normalize(inv.cwds[0] + '/' + u.root) : undefined;
        if (abs === undefined) return ctx.refuse({ ...base, reason: 'the chroot directory is only known at run time', rule: 'dynamic-command', always: true });
        root = abs === '/' ? inv.root : (inv.root + abs);
      }
      const keepShell = inv.shell && ['exec', 'command', 'builtin'].includes(name);
      for (const f of u.loads ?? []) checkLoadedFile(ctx, inv, f, name, true);
      for (const run of u.mayRuns ?? []) checkInvocation(ctx, child({ file: run[0], argv: run, vars, cwds, root, mayRun: true }));
      for (const [n, run] of u.runs.entries()) {
        if (u.shellVar !== undefined) {
          // The shell is the variable's value where it is set (split --filter: $SHELL).
          for (const v of candidates(vars, u.shellVar)) {
            if (v === undefined) return ctx.refuse({ ...base, reason: `the shell ($${u.shellVar}) is only known at run time`, rule: 'dynamic-command', always: true });
            const sh = v === null || v === '' ? run[0] : v;
            checkInvocation(ctx, child({ file: sh, argv: [sh, ...run.slice(1)], vars, cwds, root }));
          }
          continue;
        }
        const file = n === 0 && 'file' in u ? u.file : run[0];
        if (file === SPLAT || run[0] === SPLAT) return ctx.refuse({ ...base, reason: 'the command name is only known at run time', rule: 'dynamic-command', always: true });
        const shell = keepShell ? inv.shell : undefined;
        checkInvocation(ctx, child({ file, argv: run, vars, cwds, root, defaultPath: u.defaultPath, shell }));
      }
      return;
    }
  }
}
