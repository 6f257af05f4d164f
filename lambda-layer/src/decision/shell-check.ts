// A shell invocation: its options (-c line, script, or code from stdin), the
// commands of its line in order, and the builtins that change what later
// commands resolve to (cd, export, PATH=, unset) or run code that cannot be
// known (eval, alias, hash -p, source of an untrusted file).
import { Arg, isStatic, normalize, SPLAT, VarValue, Vars } from './args';
import { Context } from './context';
import { checkInvocation, checkLoadedFile, Invocation, runWrapper } from './invocation';
import { interpreterNameMatches } from './patterns';
import { lookup } from './resolve';
import { ASSIGNMENT, parseShell, ShellCommand, ShellSyntaxError, stripPrefix } from './shell-parser';
import type { ShellWord } from './shell-words';

export interface ShellState {
  readonly functions: ReadonlySet<string>;
  /** Every value a variable may have at some point of the line (assignments add, never replace). */
  readonly vars: Map<string, VarValue[]>;
  readonly cwds: Arg[];
}

const NO_EXEC = new Set([':', 'true', 'false', 'echo', 'printf', 'test', '[', 'pwd', 'set', 'shift', 'exit', 'return', 'break', 'continue',
  'wait', 'umask', 'ulimit', 'times', 'jobs', 'fg', 'bg', 'kill', 'getopts', 'shopt', 'type', 'unalias', 'dirs', 'popd', 'disown',
  'suspend', 'caller', 'compgen', 'complete', 'compopt', 'help', 'history', 'logout', 'bind', 'let', 'wait', 'ulimit']);
const SETS_VARS = new Set(['export', 'readonly', 'declare', 'typeset', 'local']);
const READS_VARS = new Set(['read', 'mapfile', 'readarray']);

export function analyzeShell(ctx: Context, inv: Invocation, sem: string, names: readonly string[]): void {
  const refuse = (reason: string, rule: string, always?: boolean) =>
    ctx.refuse({ argv: inv.argv, command: inv.origin, file: String(inv.file), reason, rule, always });
  const argv = inv.argv;
  let c = false;
  let stdin = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!isStatic(a)) return refuse(`${sem} is given an argument only known at run time where an option may be`, 'dynamic-command', true);
    if (a === '--' || a === '-') { i++; break; }
    if (a.startsWith('--')) {
      if (a === '--rcfile' || a === '--init-file') checkLoadedFile(ctx, inv, argv[++i], sem);
      continue;
    }
    if (!/^[-+]./.test(a)) break;
    for (const ch of a.slice(1)) {
      if (ch === 'c') c = true;
      else if (ch === 's' || ch === 'i') stdin = true;
      else if (ch === 'o' || ch === 'O') i++;
    }
  }
  if (c) {
    const code = argv[i];
    if (code === undefined && i >= argv.length) return refuse(`${sem} -c is given no command string`, 'parse');
    if (!isStatic(code)) return refuse(`${sem} -c is given a command string only known at run time`, 'dynamic-command', true);
    return checkLine(ctx, inv, code, { vars: new Map(inv.vars), cwds: inv.cwds.slice() });
  }
  if (stdin || i >= argv.length) {
    if (ctx.policy.allowInlineCode.some(e => names.some(n => interpreterNameMatches(e, n)))) return;
    return refuse(`${sem} would read commands from stdin (inline code)`, 'inline-code', true);
  }
  checkLoadedFile(ctx, inv, argv[i], sem);
}

/** Checks every command of a shell line, in order, within one shell state. */
export function checkLine(ctx: Context, inv: Invocation, code: string, outer: Omit<ShellState, 'functions'>): void {
  let parsed;
  try {
    parsed = parseShell(code);
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    return ctx.refuse({ argv: inv.argv, command: code.slice(0, 200), reason: `the shell line cannot be parsed (${e.message})`, rule: 'parse', always: true });
  }
  const state: ShellState = { functions: parsed.functions, vars: outer.vars, cwds: outer.cwds };
  for (const cmd of parsed.commands) {
    if (ctx.stopped) return;
    checkShellCommand(ctx, inv, cmd, state);
  }
}

function checkShellCommand(ctx: Context, inv: Invocation, cmd: ShellCommand, state: ShellState): void {
  if (cmd.words.length === 0) {
    for (const a of cmd.assignments) addValues(state.vars, a.name, assignedValues(a.value, state.vars));
    return;
  }
  let vars = state.vars;
  if (cmd.assignments.length) {
    vars = new Map(vars);
    for (const a of cmd.assignments) vars.set(a.name, assignedValues(a.value, state.vars));
  }
  const argv: Arg[] = [];
  for (const w of cmd.words) argv.push(wordArg(w));
  checkInvocation(ctx, {
    file: argv[0],
    argv,
    vars,
    cwds: state.cwds,
    root: inv.root,
    search: true,
    origin: cmd.text,
    depth: inv.depth + 1,
    shell: state,
    words: cmd.words,
  });
}

/** A word as one argument: its text, undefined (one unknown field) or SPLAT (unknown fields). */
export function wordArg(w: ShellWord): Arg {
  if (w.glob) return SPLAT;
  let out = '';
  let known = true;
  for (const p of w.parts) {
    if (p.kind === 'lit') out += p.text;
    else if (!p.quoted || (p.kind === 'dyn' && p.splat)) return SPLAT;
    else known = false;
  }
  return known ? out : undefined;
}

/** Values an assignment may give: $NAME and ${NAME} expand with the values known so far. */
export function assignedValues(w: ShellWord, vars: Vars): VarValue[] {
  let outs: VarValue[] = [''];
  for (const p of w.parts) {
    if (p.kind === 'lit') {outs = outs.map(o => (o === undefined || o === null ? o : o + p.text));} else if (p.kind === 'param') {
      const vals = vars.get(p.name) ?? [null];
      const next: VarValue[] = [];
      for (const o of outs) for (const v of vals) next.push(o === undefined || v === undefined ? undefined : (o ?? '') + (v ?? ''));
      outs = next.length > 16 ? [undefined] : next;
    } else {outs = [undefined];}
  }
  return outs;
}

function addValues(vars: Map<string, VarValue[]>, name: string, vals: readonly VarValue[]): void {
  const cur = vars.get(name) ?? [null];
  const next = cur.slice();
  for (const v of vals) if (!next.includes(v)) next.push(v);
  vars.set(name, next.length > 32 ? [undefined] : next);
}

/** Handles a builtin; false when the name is not one (it is then run from PATH). */
export function shellBuiltin(ctx: Context, inv: Invocation, state: ShellState): boolean {
  const name = inv.file as string;
  const argv = inv.argv;
  const refuse = (reason: string, rule = 'dynamic-command', always = true) =>
    ctx.refuse({ argv, command: inv.origin, file: name, reason, rule, always });
  const args = argv.slice(1);
  if (NO_EXEC.has(name)) return true;
  switch (name) {
    case 'eval':
      refuse('eval runs code only known at run time');
      return true;
    case 'alias':
      if (args.some(a => !isStatic(a) || a.includes('='))) refuse('alias defines a command that cannot be checked');
      return true;
    case 'hash':
      if (args.some(a => !isStatic(a) || /^-[a-z]*p/.test(a))) refuse('hash -p maps a command name to another file');
      return true;
    case 'enable':
      if (args.some(a => !isStatic(a) || /^-[a-z]*f/.test(a))) refuse('enable -f loads a builtin from a shared object');
      return true;
    case 'fc':
      if (args.some(a => a === '-s' || !isStatic(a))) refuse('fc -s re-runs a command from history');
      return true;
    case 'trap': {
      const code = args[0];
      if (code === undefined || code === '-' || code === '' || code === '-p' || code === '-l' || code === '--') return true;
      if (!isStatic(code)) { refuse('trap is given code only known at run time'); return true; }
      checkLine(ctx, inv, code, state);
      return true;
    }
    case '.': case 'source': {
      if (args.length === 0) return true;
      const f = args[0];
      if (!isStatic(f)) { refuse(`${name} reads a file only known at run time`); return true; }
      const found = lookup(ctx.system, f, { vars: inv.vars, cwds: state.cwds, root: inv.root, search: true });
      const candidates = found.ok ? found.found.map(r => r.resolved) : [];
      if (!found.ok) { refuse(found.unknown); return true; }
      if (!f.includes('/')) for (const c of state.cwds) if (isStatic(c)) { const r = ctx.system.realpath(normalize(c + '/' + f)); if (r) candidates.push(r); }
      for (const r of candidates) {
        const d = ctx.distrust(r);
        if (d) { refuse(`${name} ${r}: the file is ${d === 'writable' ? 'in a writable location' : 'modified after the process started'}`, d === 'writable' ? 'writable-location' : 'drift'); return true; }
      }
      return true;
    }
    case 'cd': case 'pushd': {
      const target = args.find(a => !(isStatic(a) && /^-[LPe@]+$/.test(a)));
      const home = state.vars.get('HOME') ?? [null];
      const next: Arg[] = [];
      if (target === undefined) next.push(...home.map(h => (typeof h === 'string' ? h : undefined)));
      else if (!isStatic(target) || target === '-') next.push(undefined);
      else for (const c of state.cwds) next.push(target.startsWith('/') ? normalize(target) : isStatic(c) ? normalize(c + '/' + target) : undefined);
      for (const n of next) if (!state.cwds.includes(n)) state.cwds.push(n);
      return true;
    }
    case 'unset':
      for (const a of args) if (isStatic(a) && !a.startsWith('-')) addValues(state.vars, a, [null]);
      return true;
    case 'printf':
      return true;
    case 'exec': case 'command': case 'builtin':
      if (name === 'exec' && args.length === 0) return true;
      runWrapper(ctx, inv, name, argv);
      return true;
  }
  if (SETS_VARS.has(name)) {
    // Declaration utilities: NAME=value words are assignments (no field splitting).
    for (const w of inv.words?.slice(1) ?? []) {
      const m = ASSIGNMENT.exec(w.raw);
      if (m) addValues(state.vars, m[1], assignedValues(stripPrefix(w, m[0].length), state.vars));
    }
    if (inv.words) return true;
    for (const a of args) {
      if (!isStatic(a)) { if (a === SPLAT) refuse(`${name} is given arguments only known at run time`); continue; }
      const eq = a.indexOf('=');
      if (eq > 0 && !a.startsWith('-')) addValues(state.vars, a.slice(0, eq), [a.slice(eq + 1)]);
    }
    return true;
  }
  if (READS_VARS.has(name)) {
    for (const a of args) if (isStatic(a) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(a)) addValues(state.vars, a, [undefined]);
    return true;
  }
  return false;
}
