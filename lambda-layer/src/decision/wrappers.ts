// Command wrappers: programs whose real command is one of their arguments.
// unwrap() says what the wrapper would run, with the environment, working
// directory or root it changes, or that it cannot be known.
import { Arg, basename, SPLAT } from './args';
import { env } from './env-wrapper';
import { has, lenientOptions, OptSpec, scanOptions, Seen } from './options';
import { sedExecs } from './sed';

export interface EnvEdit {
  readonly clear: boolean;
  readonly set: readonly (readonly [string, Arg])[];
  readonly unset: readonly string[];
}

export type Unwrapped =
  /** The wrapper runs no other command. */
  | { readonly kind: 'none' }
  | {
    readonly kind: 'run';
    readonly runs: readonly (readonly Arg[])[];
    /** Programs it runs only if it decides to (tar's decompressors): checked for where they resolve, not against the allowlist. */
    readonly mayRuns?: readonly (readonly Arg[])[];
    /** Files the wrapper reads as its program (sed -f): as trusted as a script an interpreter runs. */
    readonly loads?: readonly Arg[];
    /** A variable naming the shell that runs[0] starts when it is set (split --filter: $SHELL, else /bin/sh). */
    readonly shellVar?: string;
    /** What is executed when argv[0] is set apart from it (exec -a, env --argv0). */
    readonly file?: Arg;
    readonly env?: EnvEdit;
    readonly cwd?: Arg;
    readonly root?: Arg;
    /** `command -p`, `sudo`: the default PATH. */
    readonly defaultPath?: boolean;
  }
  /** The wrapper hands a command string to /bin/sh -c. */
  | { readonly kind: 'shell'; readonly code: Arg }
  /** The wrapper starts a shell that reads commands from stdin. */
  | { readonly kind: 'stdin-shell' }
  | { readonly kind: 'unknown'; readonly why: string };

type Handler = (argv: readonly Arg[]) => Unwrapped;

export const unknown = (why: string): Unwrapped => ({ kind: 'unknown', why });

/** Options, then `operands` fixed operands, then the command (absent: `none`). */
const simple = (function simple(tool: string, spec: OptSpec, operands = 0, stop?: (seen: readonly Seen[]) => boolean): Handler {
  return argv => {
    const s = scanOptions(argv, 1, spec, tool);
    if (!s.ok) return unknown(s.why);
    if (stop?.(s.seen)) return { kind: 'none' };
    const i = s.index + operands;
    return i < argv.length ? { kind: 'run', runs: [argv.slice(i)] } : { kind: 'none' };
  };
});

function xargs(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, {
    shortArg: 'aEdILnPs',
    shortOptional: 'eil',
    shortFlag: '0prtxo',
    longArg: ['arg-file', 'delimiter', 'max-lines', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
    longOptional: ['eof', 'replace'],
    longFlag: ['null', 'interactive', 'no-run-if-empty', 'verbose', 'exit', 'open-tty', 'show-limits', 'help', 'version'],
  }, 'xargs');
  if (!s.ok) return unknown(s.why);
  const repl = s.seen.find(o => o.name === 'I' || o.name === 'i' || o.name === 'replace');
  let cmd: Arg[] = argv.slice(s.index);
  if (cmd.length === 0) cmd = ['echo'];
  if (repl) {
    const r = typeof repl.value === 'string' && repl.value !== '' ? repl.value : '{}';
    cmd = cmd.map(a => (typeof a === 'string' && a.includes(r) ? undefined : a));
  } else {
    cmd.push(SPLAT);
  }
  return { kind: 'run', runs: [cmd] };
}

function flock(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, {
    shortArg: 'wEc',
    shortFlag: 'sexnouFhV',
    longArg: ['timeout', 'wait', 'conflict-exit-code', 'command'],
    longFlag: ['shared', 'exclusive', 'unlock', 'nonblock', 'nb', 'close', 'no-fork', 'verbose', 'help', 'version'],
  }, 'flock');
  if (!s.ok) return unknown(s.why);
  const c = s.seen.find(o => o.name === 'c' || o.name === 'command');
  if (c) return { kind: 'shell', code: c.value };
  const rest = argv.slice(s.index + 1);
  if (rest[0] === '-c' || rest[0] === '--command') return { kind: 'shell', code: rest[1] };
  return rest.length ? { kind: 'run', runs: [rest] } : { kind: 'none' };
}

function chroot(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, { longArg: ['userspec', 'groups'], longFlag: ['skip-chdir', 'help', 'version'] }, 'chroot');
  if (!s.ok) return unknown(s.why);
  if (s.index >= argv.length) return { kind: 'none' };
  const root = argv[s.index];
  const rest = argv.slice(s.index + 1);
  return rest.length ? { kind: 'run', runs: [rest], root } : { kind: 'stdin-shell' };
}

function sudo(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, {
    shortArg: 'aCcDgpRrTtUuh',
    shortFlag: 'ABbEeHiKklNnPSsVv',
    longArg: ['auth-type', 'close-from', 'login-class', 'chdir', 'group', 'prompt', 'chroot', 'role', 'type', 'command-timeout', 'other-user', 'user', 'host'],
    longFlag: ['askpass', 'bell', 'background', 'preserve-env', 'edit', 'set-home', 'login', 'remove-timestamp', 'reset-timestamp', 'list', 'no-update', 'non-interactive', 'preserve-groups', 'stdin', 'shell', 'version', 'validate', 'help'],
  }, 'sudo');
  if (!s.ok) return unknown(s.why);
  if (has(s.seen, 'e', 'edit', 'l', 'list', 'v', 'validate', 'k', 'K', 'V', 'version', 'help', 'reset-timestamp', 'remove-timestamp')) return { kind: 'none' };
  let i = s.index;
  const set: [string, Arg][] = [];
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) break;
    set.push([a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]);
  }
  const rest = argv.slice(i);
  if (rest.length === 0) return has(s.seen, 'i', 's', 'login', 'shell') ? { kind: 'stdin-shell' } : { kind: 'none' };
  return { kind: 'run', runs: [rest], env: { clear: false, set, unset: [] } };
}

const su = (function su(tool: string): Handler {
  return argv => {
    const s = scanOptions(argv, 1, {
      shortArg: 'cgGsuwC',
      shortFlag: 'flmpPT',
      longArg: ['command', 'session-command', 'group', 'supp-group', 'shell', 'user', 'whitelist-environment'],
      longFlag: ['fast', 'login', 'preserve-environment', 'pty', 'no-pty', 'help', 'version'],
    }, tool);
    if (!s.ok) return unknown(s.why);
    const c = s.seen.find(o => o.name === 'c' || o.name === 'command' || o.name === 'C' || o.name === 'session-command');
    if (c) return { kind: 'shell', code: c.value };
    return { kind: 'stdin-shell' };
  };
});

/** The command of find's -exec from argv[from] to ';' or '+' ('{}' is a file name only known at run time); where it ends. */
function execCommand(argv: readonly Arg[], from: number): { cmd: Arg[]; end: number } {
  const cmd: Arg[] = [];
  let i = from;
  for (; i < argv.length && argv[i] !== ';' && argv[i] !== '+'; i++) {
    const w = argv[i];
    cmd.push(typeof w === 'string' && w.includes('{}') ? undefined : w);
  }
  return { cmd, end: i };
}

function find(argv: readonly Arg[]): Unwrapped {
  const runs: Arg[][] = [];
  const mayRuns: Arg[][] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === SPLAT) return unknown('find is given arguments only known at run time');
    if (a === undefined) {
      // A word only known at run time may be -exec (X=-exec; find . "$X" /tmp/x ';'): what follows it is what that would run.
      const { cmd } = execCommand(argv, i + 1);
      if (cmd.length && cmd[0] !== undefined) mayRuns.push(cmd);
    } else if (a === '-exec' || a === '-execdir' || a === '-ok' || a === '-okdir') {
      const { cmd, end } = execCommand(argv, i + 1);
      if (cmd.length) runs.push(cmd);
      i = end;
    }
  }
  return runs.length || mayRuns.length ? { kind: 'run', runs, mayRuns } : { kind: 'none' };
}

function watch(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, {
    shortArg: 'dnq',
    shortFlag: 'bcCeEgtwxhvpr',
    shortOptional: '',
    longArg: ['interval', 'equexit'],
    longOptional: ['differences'],
    longFlag: ['beep', 'color', 'no-color', 'errexit', 'chgexit', 'exec', 'no-title', 'no-wrap', 'no-linewrap', 'precise', 'no-rerun', 'help', 'version'],
  }, 'watch');
  if (!s.ok) return unknown(s.why);
  const rest = argv.slice(s.index);
  if (rest.length === 0) return { kind: 'none' };
  if (has(s.seen, 'x', 'exec')) return { kind: 'run', runs: [rest] };
  if (rest.some(a => typeof a !== 'string')) return { kind: 'shell', code: undefined };
  return { kind: 'shell', code: rest.join(' ') };
}

function script(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, {
    shortArg: 'cEIOBmT',
    shortFlag: 'aefqthV',
    longArg: ['command', 'echo', 'log-in', 'log-out', 'log-io', 'logging-format', 'log-timing', 'output-limit'],
    longFlag: ['append', 'return', 'flush', 'force', 'quiet', 'timing', 'help', 'version'],
  }, 'script');
  if (!s.ok) return unknown(s.why);
  const c = s.seen.find(o => o.name === 'c' || o.name === 'command');
  return c ? { kind: 'shell', code: c.value } : { kind: 'stdin-shell' };
}

const shellBuiltin = (function shellBuiltin(tool: string, spec: OptSpec): Handler {
  return argv => {
    const s = scanOptions(argv, 1, spec, tool);
    if (!s.ok) return unknown(s.why);
    if (has(s.seen, 'v', 'V')) return { kind: 'none' };
    const rest = argv.slice(s.index);
    if (!rest.length) return { kind: 'none' };
    const argv0 = s.seen.find(o => o.name === 'a');
    if (argv0) return { kind: 'run', runs: [[argv0.value, ...rest.slice(1)]], file: rest[0] };
    return { kind: 'run', runs: [rest], defaultPath: has(s.seen, 'p') };
  };
});

function busybox(argv: readonly Arg[]): Unwrapped {
  const rest = argv.slice(1);
  if (rest.length === 0 || (typeof rest[0] === 'string' && rest[0].startsWith('-'))) return { kind: 'none' };
  return { kind: 'run', runs: [rest] };
}

const SH = '/bin/sh';

/** Why a permuting tool's argument only known at run time is refused: it may be one of the options that run commands. */
const dynamicArg = (tool: string): Unwrapped =>
  unknown(`${tool} is given an argument only known at run time, which may be an option that runs a command ('--' before such operands keeps them operands)`);

/** GNU sed: the commands its script's `e` commands run; a script file must be trusted; --sandbox refuses them all. */
function sed(argv: readonly Arg[]): Unwrapped {
  const o = lenientOptions(argv, { shortArg: 'efl', shortOptional: 'i', longArg: ['expression', 'file', 'line-length'], longOptional: ['in-place'], longFlag: ['sandbox'] });
  if (!o) return dynamicArg('sed');
  if (has(o.seen, 'sandbox')) return { kind: 'none' };
  const scripts = o.seen.filter(x => x.name === 'e' || x.name === 'expression').map(x => x.value);
  const files = o.seen.filter(x => x.name === 'f' || x.name === 'file').map(x => x.value);
  if (scripts.length === 0 && files.length === 0) scripts.push(o.operands[0]);
  if (scripts.some(x => typeof x !== 'string')) return unknown('sed is given a script only known at run time');
  if (files.includes('-')) return unknown('sed would read its script from stdin');
  const execs = sedExecs(scripts.join('\n'));
  if (!execs.ok) return unknown(execs.why);
  return { kind: 'run', runs: execs.commands.map(c => [SH, '-c', c]), loads: files };
}

/** What GNU tar runs: -I/--use-compress-program, --to-command, --checkpoint-action=exec=, -F/--info-script (through sh -c), the compressor of -z and the like. */
const TAR_COMPRESSORS: Record<string, string> = {
  z: 'gzip',
  gzip: 'gzip',
  gunzip: 'gzip',
  ungzip: 'gzip',
  j: 'bzip2',
  bzip2: 'bzip2',
  J: 'xz',
  xz: 'xz',
  Z: 'compress',
  compress: 'compress',
  uncompress: 'compress',
  lzip: 'lzip',
  lzma: 'lzma',
  lzop: 'lzop',
  zstd: 'zstd',
};
/** The programs those options name, once each: what tar may run to read an archive it finds compressed. */
const TAR_DECOMPRESSORS: string[] = [];
for (const k in TAR_COMPRESSORS) if (!TAR_DECOMPRESSORS.includes(TAR_COMPRESSORS[k])) TAR_DECOMPRESSORS.push(TAR_COMPRESSORS[k]);
function tar(argv: readonly Arg[]): Unwrapped {
  const shortArg = 'bCfFgHIKLNTVX';
  let args = argv;
  // Old style: a first argument without '-' is a cluster of letters whose values follow it, in order.
  const first = argv[1];
  if (typeof first === 'string' && first !== '' && !first.startsWith('-')) {
    const rest = argv.slice(2);
    const moved: Arg[] = [];
    for (const c of first) {
      if (shortArg.includes(c)) {
        if (rest.length === 0) break;
        moved.push(`-${c}`, rest.shift() as Arg);
      } else {
        moved.push(`-${c}`);
      }
    }
    args = [argv[0], ...moved, ...rest];
  }
  const o = lenientOptions(args, {
    shortArg,
    longArg: ['use-compress-program', 'to-command', 'checkpoint-action', 'info-script', 'new-volume-script', 'rsh-command', 'rmt-command'],
    longFlag: ['gzip', 'gunzip', 'ungzip', 'bzip2', 'xz', 'compress', 'uncompress', 'lzip', 'lzma', 'lzop', 'zstd', 'extract', 'get', 'list', 'diff', 'compare'],
  });
  if (!o) return dynamicArg('tar');
  const runs: Arg[][] = [];
  // Reading an archive without a compression option, tar recognises a compressed one and runs its decompressor by name.
  const reads = has(o.seen, 'x', 't', 'd', 'extract', 'get', 'list', 'diff', 'compare');
  const told = o.seen.some(x => TAR_COMPRESSORS[x.name] !== undefined || x.name === 'I' || x.name === 'use-compress-program');
  const mayRuns = reads && !told ? TAR_DECOMPRESSORS.map(c => [c, '-d']) : [];
  for (const { name, value } of o.seen) {
    const compressor = TAR_COMPRESSORS[name];
    if (compressor !== undefined) {
      runs.push([compressor]);
    } else if (name === 'I' || name === 'use-compress-program' || name === 'to-command' || name === 'F' || name === 'info-script' || name === 'new-volume-script') {
      runs.push([SH, '-c', value]);
    } else if (name === 'checkpoint-action') {
      if (typeof value !== 'string') return unknown('tar is given a checkpoint action only known at run time');
      if (value.startsWith('exec=')) runs.push([SH, '-c', value.slice(5)]);
    } else if (name === 'rsh-command' || name === 'rmt-command') {
      runs.push([value]);
    }
  }
  return runs.length || mayRuns.length ? { kind: 'run', runs, mayRuns } : { kind: 'none' };
}

/** GNU split --filter=COMMAND: run by $SHELL -c (or /bin/sh). */
function split(argv: readonly Arg[]): Unwrapped {
  const o = lenientOptions(argv, { shortArg: 'abClnt', longArg: ['filter', 'additional-suffix', 'bytes', 'line-bytes', 'lines', 'number', 'separator', 'suffix-length'] });
  if (!o) return dynamicArg('split');
  const runs = o.seen.filter(x => x.name === 'filter').map((x): Arg[] => [SH, '-c', x.value]);
  return runs.length ? { kind: 'run', runs, shellVar: 'SHELL' } : { kind: 'none' };
}

/** GNU sort --compress-program=PROG: PROG, found on PATH, compresses its temporary files. */
function sort(argv: readonly Arg[]): Unwrapped {
  const o = lenientOptions(argv, { shortArg: 'kotST', longArg: ['compress-program', 'key', 'output', 'field-separator', 'buffer-size', 'temporary-directory', 'files0-from', 'batch-size', 'parallel', 'random-source', 'sort'] });
  if (!o) return dynamicArg('sort');
  const runs = o.seen.filter(x => x.name === 'compress-program').map((x): Arg[] => [x.value, '-d']);
  return runs.length ? { kind: 'run', runs } : { kind: 'none' };
}

/**
 * make runs its makefiles' recipes through a shell: the makefiles (-f, or
 * the default names in the directory it works in) are its program and must
 * be as trusted as a script; --eval is inline code; SHELL=... on its
 * command line names the shell the recipes run in.
 */
function make(argv: readonly Arg[]): Unwrapped {
  const o = lenientOptions(argv, {
    shortArg: 'CfIjlLoOWE',
    longArg: ['directory', 'file', 'makefile', 'include-dir', 'jobs', 'load-average', 'max-load', 'old-file', 'assume-old', 'output-sync',
      'what-if', 'new-file', 'assume-new', 'eval', 'debug', 'jobserver-style', 'shuffle'],
  });
  if (!o) return dynamicArg('make');
  if (has(o.seen, 'E', 'eval')) return unknown('make is given inline code (--eval)');
  const dirs = o.seen.filter(x => x.name === 'C' || x.name === 'directory').map(x => x.value);
  if (dirs.some(d => typeof d !== 'string')) return unknown('make is given a directory only known at run time');
  let dir = '.';
  for (const d of dirs as string[]) dir = d.startsWith('/') ? d : `${dir}/${d}`;
  const inDir = (f: Arg): Arg => (typeof f !== 'string' || f.startsWith('/') || dir === '.' ? f : `${dir}/${f}`);
  let loads: Arg[] = o.seen.filter(x => x.name === 'f' || x.name === 'file' || x.name === 'makefile').map(x => inDir(x.value));
  if (loads.includes('-') || loads.includes(inDir('-'))) return unknown('make would read its makefile from stdin');
  if (loads.length === 0) loads = ['GNUmakefile', 'makefile', 'Makefile'].map(inDir);
  const runs: Arg[][] = [];
  for (const a of o.operands) {
    if (typeof a !== 'string') return unknown('make is given an argument only known at run time where a variable may be set');
    const m = /^SHELL\s*[:!?+]?=(.*)$/.exec(a);
    if (m) runs.push([m[1].trim()]);
  }
  return { kind: 'run', runs, loads };
}

/**
 * setarch and its personality names (x86_64, linux64, i386, ...), which are
 * links to it: called as setarch, the architecture is its first argument,
 * unless that is an option; under another name (argv[0], as setarch reads
 * it), the name is the architecture. Without a program: /bin/sh.
 */
function setarch(argv: readonly Arg[]): Unwrapped {
  const a0 = argv[0];
  const asSetarch = typeof a0 === 'string' && basename(a0) === 'setarch';
  const a1 = argv[1];
  const skip = asSetarch && typeof a1 === 'string' && !a1.startsWith('-') ? 1 : 0;
  const s = scanOptions(argv, 1 + skip, {
    shortFlag: 'BFILRSTXZ3vhV',
    longFlag: ['32bit', 'fdpic-funcptrs', 'short-inode', 'addr-compat-layout', 'addr-no-randomize', 'whole-seconds', 'sticky-timeouts',
      'read-implies-exec', 'mmap-page-zero', '3gb', '4gb', 'uname-2.6', 'verbose', 'list', 'help', 'version'],
  }, 'setarch');
  if (!s.ok) return unknown(s.why);
  if (has(s.seen, 'list', 'h', 'help', 'V', 'version') || (asSetarch && argv.length === 1)) return { kind: 'none' };
  return s.index < argv.length ? { kind: 'run', runs: [argv.slice(s.index)] } : { kind: 'stdin-shell' };
}

/** runcon: with -t/-u/-r/-l the command is the first operand; without them, a context comes first. */
function runcon(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, { shortArg: 'turl', shortFlag: 'c', longArg: ['type', 'user', 'role', 'range'], longFlag: ['compute', 'help', 'version'] }, 'runcon');
  if (!s.ok) return unknown(s.why);
  if (has(s.seen, 'help', 'version')) return { kind: 'none' };
  const i = s.index + (s.seen.some(o => o.value !== undefined) ? 0 : 1);
  return i < argv.length ? { kind: 'run', runs: [argv.slice(i)] } : { kind: 'none' };
}

/** sg GROUP [-c] COMMAND: the command goes to /bin/sh -c; without one, a shell that reads stdin. */
function sg(argv: readonly Arg[]): Unwrapped {
  let i = 1;
  if (argv[i] === '-') i++;
  if (i >= argv.length) return { kind: 'stdin-shell' };
  i++;
  if (argv[i] === '-c') i++;
  if (i >= argv.length) return { kind: 'stdin-shell' };
  const rest = argv.slice(i);
  if (rest.some(a => typeof a !== 'string')) return { kind: 'shell', code: undefined };
  return { kind: 'shell', code: (rest as string[]).join(' ') };
}

/** start-stop-daemon --start: --startas (or --exec) with the arguments after '--'; --chroot and --chdir. */
function startStopDaemon(argv: readonly Arg[]): Unwrapped {
  const s = scanOptions(argv, 1, {
    shortArg: 'pxnugcsarNdPIkOR',
    shortFlag: 'SKTHVbCmtoqv',
    longArg: ['pid', 'ppid', 'pidfile', 'exec', 'name', 'user', 'group', 'chuid', 'signal', 'startas', 'chroot', 'chdir', 'nicelevel', 'procsched',
      'iosched', 'umask', 'notify-timeout', 'output', 'retry'],
    longFlag: ['start', 'stop', 'status', 'help', 'version', 'background', 'notify-await', 'no-close', 'make-pidfile', 'remove-pidfile', 'test',
      'oknodo', 'quiet', 'verbose'],
  }, 'start-stop-daemon');
  if (!s.ok) return unknown(s.why);
  if (!has(s.seen, 'S', 'start') || has(s.seen, 't', 'test')) return { kind: 'none' };
  const value = (...names: string[]): Arg | undefined => s.seen.filter(o => names.includes(o.name)).pop()?.value;
  const program = value('a', 'startas') ?? value('x', 'exec');
  if (program === undefined) return { kind: 'none' };
  const root = value('r', 'chroot');
  const cwd = value('d', 'chdir');
  return { kind: 'run', runs: [[program, ...argv.slice(s.index)]], ...(root !== undefined ? { root } : {}), ...(cwd !== undefined ? { cwd } : {}) };
}

/** capsh: '--' runs its shell (--shell=, default /bin/bash) with the arguments after it; '==' runs capsh again. */
function capsh(argv: readonly Arg[]): Unwrapped {
  let shell: Arg = '/bin/bash';
  let root: Arg | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return unknown('capsh is given an argument only known at run time');
    if (a.startsWith('--shell=')) {shell = a.slice(8);} else if (a.startsWith('--chroot=')) {root = a.slice(9);} else if (a === '--' || a === '==') {
      return { kind: 'run', runs: [[a === '--' ? shell : 'capsh', ...argv.slice(i + 1)]], ...(root !== undefined ? { root } : {}) };
    }
  }
  return { kind: 'none' };
}

/** valgrind runs its first argument that is not an option (its options are all glued: --tool=none). */
function valgrind(argv: readonly Arg[]): Unwrapped {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return unknown('valgrind is given an argument only known at run time where its program may be');
    if (!a.startsWith('-')) return { kind: 'run', runs: [argv.slice(i)] };
    if (a === '-h' || a === '--help' || a === '--version' || a === '--help-debug') return { kind: 'none' };
  }
  return { kind: 'none' };
}

const PRLIMIT_RESOURCES = ['core', 'data', 'nice', 'fsize', 'sigpending', 'memlock', 'rss', 'nofile', 'msgqueue', 'rtprio', 'stack', 'cpu', 'nproc', 'as', 'locks', 'rttime'];

const HANDLERS: Record<string, Handler> = {
  env,
  'nohup': simple('nohup', { longFlag: ['help', 'version'] }),
  'timeout': simple('timeout', { shortArg: 'ks', shortFlag: 'fpv', longArg: ['kill-after', 'signal'], longFlag: ['foreground', 'preserve-status', 'verbose', 'help', 'version'] }, 1),
  xargs,
  'setsid': simple('setsid', { shortFlag: 'cfwhV', longFlag: ['ctty', 'fork', 'wait', 'help', 'version'] }),
  'nice': simple('nice', { shortArg: 'n', longArg: ['adjustment'], longFlag: ['help', 'version'], numeric: true }),
  'ionice': simple('ionice', { shortArg: 'cnpPu', shortFlag: 'thV', longArg: ['class', 'classdata', 'pid', 'pgid', 'uid'], longFlag: ['ignore', 'help', 'version'] }, 0,
    seen => has(seen, 'p', 'P', 'u', 'pid', 'pgid', 'uid')),
  'stdbuf': simple('stdbuf', { shortArg: 'ioe', longArg: ['input', 'output', 'error'], longFlag: ['help', 'version'] }),
  chroot,
  flock,
  'time': simple('time', { shortArg: 'fo', shortFlag: 'apqvV', longArg: ['format', 'output'], longFlag: ['append', 'portability', 'quiet', 'verbose', 'help', 'version'] }),
  'command': shellBuiltin('command', { shortFlag: 'pvV' }),
  'exec': shellBuiltin('exec', { shortFlag: 'cl', shortArg: 'a' }),
  'builtin': shellBuiltin('builtin', {}),
  busybox,
  'toybox': busybox,
  sudo,
  'doas': simple('doas', { shortArg: 'aCu', shortFlag: 'Lns' }, 0, seen => has(seen, 'C', 'L')),
  'strace': simple('strace', {
    shortArg: 'abeEIoOpPsSuUX',
    shortFlag: 'AcCdDfFhikNnqrtTvVwxyYzZ',
    longArg: ['columns', 'trace', 'env', 'output', 'attach', 'trace-path', 'string-limit', 'summary-sort-by', 'user', 'summary-columns', 'const-print-style', 'signal', 'status', 'quiet', 'decode-fds'],
    longFlag: ['output-append-mode', 'summary-only', 'summary', 'debug', 'daemonize', 'follow-forks', 'output-separately', 'help', 'instruction-pointer', 'stack-trace', 'relative-timestamps', 'syscall-times', 'verbose', 'version', 'summary-wall-clock', 'absolute-timestamps', 'timestamps', 'seccomp-bpf'],
  }, 0, seen => has(seen, 'p', 'attach', 'h', 'V', 'help', 'version')),
  'ltrace': simple('ltrace', {
    shortArg: 'aAeEFlLnopsuDwxX',
    shortFlag: 'bcCfhiIrStTV',
    longArg: ['align', 'indent', 'library', 'output', 'demangle'],
    longFlag: ['help', 'version', 'no-signals'],
  }, 0, seen => has(seen, 'p', 'h', 'V', 'help', 'version')),
  'taskset': simple('taskset', { shortFlag: 'acphV', longFlag: ['all-tasks', 'cpu-list', 'pid', 'help', 'version'] }, 1, seen => has(seen, 'p', 'pid')),
  'chrt': simple('chrt', { shortArg: 'T', shortFlag: 'abdefiopPrRvhVm', longFlag: ['all-tasks', 'batch', 'deadline', 'fifo', 'idle', 'other', 'pid', 'rr', 'reset-on-fork', 'verbose', 'help', 'version', 'max'] }, 1,
    seen => has(seen, 'p', 'pid', 'm', 'max')),
  'unshare': argv => {
    const r = simple('unshare', {
      shortArg: 'RwS',
      shortFlag: 'imnpuUCTfcrhV',
      longArg: ['root', 'wd', 'setuid', 'setgid', 'propagation', 'map-user', 'map-group', 'map-users', 'map-groups', 'kill-child', 'load-interp', 'boottime', 'monotonic'],
      longOptional: ['ipc', 'mount', 'net', 'pid', 'uts', 'user', 'cgroup', 'time', 'kill-child'],
      longFlag: ['fork', 'mount-proc', 'map-root-user', 'map-current-user', 'map-auto', 'keep-caps', 'help', 'version'],
    })(argv);
    return r.kind === 'none' ? { kind: 'stdin-shell' } : r;
  },
  'nsenter': argv => {
    const r = simple('nsenter', {
      shortArg: 'tSGrwZ',
      shortFlag: 'amuinpUCTFehV',
      longArg: ['target', 'setuid', 'setgid', 'root', 'wd', 'env'],
      longOptional: ['mount', 'uts', 'ipc', 'net', 'pid', 'user', 'cgroup', 'time'],
      longFlag: ['all', 'preserve-credentials', 'no-fork', 'follow-context', 'help', 'version'],
    })(argv);
    return r.kind === 'none' ? { kind: 'stdin-shell' } : r;
  },
  'su': su('su'),
  'runuser': su('runuser'),
  script,
  watch,
  find,
  sed,
  tar,
  split,
  sort,
  make,
  'gmake': make,
  setarch,
  runcon,
  sg,
  'newgrp': () => ({ kind: 'stdin-shell' }),
  'start-stop-daemon': startStopDaemon,
  capsh,
  valgrind,
  'setpriv': simple('setpriv', {
    shortFlag: 'dhV',
    longArg: ['ambient-caps', 'inh-caps', 'bounding-set', 'ruid', 'euid', 'rgid', 'egid', 'reuid', 'regid', 'groups', 'securebits', 'pdeathsig',
      'selinux-label', 'apparmor-profile', 'landlock-access', 'landlock-rule'],
    longFlag: ['dump', 'nnp', 'no-new-privs', 'clear-groups', 'keep-groups', 'init-groups', 'reset-env', 'help', 'version'],
  }, 0, seen => has(seen, 'd', 'dump', 'h', 'help', 'V', 'version')),
  'prlimit': simple('prlimit', {
    shortArg: 'po',
    shortOptional: 'cdefilmnqrstuvxy',
    shortFlag: 'hV',
    longArg: ['pid', 'output'],
    longOptional: PRLIMIT_RESOURCES,
    longFlag: ['noheadings', 'raw', 'verbose', 'help', 'version'],
  }, 0, seen => has(seen, 'p', 'pid', 'h', 'help', 'V', 'version')),
  'uclampset': simple('uclampset', { shortArg: 'mMp', shortFlag: 'asRvhV', longArg: ['pid'], longFlag: ['all-tasks', 'system', 'reset-on-fork', 'verbose', 'help', 'version'] }, 0,
    seen => has(seen, 'p', 'pid', 's', 'system', 'h', 'help', 'V', 'version')),
  // Runs every executable file of a directory, which only the run itself lists.
  'run-parts': () => unknown('run-parts runs every executable in a directory, which is only known when it runs'),
};

export const isWrapper = (function isWrapper(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(HANDLERS, name);
});

/** What a wrapper named `name` (basename) runs, given its argv (argv[0] is the wrapper). */
export function unwrap(name: string, argv: readonly Arg[]): Unwrapped {
  return HANDLERS[name](argv);
}
