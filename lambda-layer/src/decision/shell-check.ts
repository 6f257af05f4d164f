// A shell invocation: its options (-c line, script, or code from stdin), the
// commands of its line in order, and the builtins that change what later
// commands resolve to (cd, export, PATH=, unset) or run code that cannot be
// known (eval, alias, hash -p, source of an untrusted file).
import { Arg, derive, isStatic, normalize, SPLAT, UNKNOWN, VarValue, Vars, wordTexts } from './args';
import { Context } from './context';
import { PS4_REASON, ps4Expands } from './environment';
import { checkInvocation, checkLoadedFile, FD_PATH, Invocation, runWrapper } from './invocation';
import { MEMORY_RULE, memoryReason, memoryRisk, MemoryRisk } from './memory';
import { interpreterNameMatches } from './patterns';
import { lookup } from './resolve';
import { ASSIGNMENT, parseShell, ShellCommand, ShellSyntaxError, stripPrefix } from './shell-parser';
import type { ShellWord } from './shell-words';

export interface ShellState {
  readonly functions: ReadonlySet<string>;
  /** Every value a variable may have at some point of the line (assignments add, never replace). */
  readonly vars: Map<string, VarValue[]>;
  /** Every working directory the line may be in (cd adds, never replaces). */
  readonly cwds: Arg[];
  /**
   * True once the whole line's assignments and cd's are in vars and cwds:
   * they are collected before any command is checked, since a loop, a
   * function called later or a trap can run a command after a change that
   * comes later in the text.
   */
  settled?: boolean;
  /** Names the line declares associative (declare -A): their subscripts are strings, not arithmetic. */
  assoc?: Set<string>;
}

const NO_EXEC = new Set([':', 'true', 'false', 'echo', 'printf', 'test', '[', 'pwd', 'set', 'shift', 'exit', 'return', 'break', 'continue',
  'wait', 'umask', 'ulimit', 'times', 'jobs', 'fg', 'bg', 'kill', 'getopts', 'shopt', 'type', 'unalias', 'dirs', 'popd', 'disown',
  'suspend', 'caller', 'compgen', 'complete', 'compopt', 'help', 'history', 'logout', 'bind', 'let', 'wait', 'ulimit']);
const SETS_VARS = new Set(['export', 'readonly', 'declare', 'typeset', 'local']);
const READS_VARS = new Set(['read', 'mapfile', 'readarray']);
/** Builtins that take variable names, where bash expands a subscript: test -v, printf -v, read, unset, declare... */
const NAME_TAKERS = new Set(['test', '[', 'printf', 'read', 'unset', 'declare', 'typeset', 'local', 'export', 'readonly', 'mapfile', 'readarray', 'getopts']);
/** Special builtins (and `source`): in sh their prefix assignments stay after the command, as for a function call. */
const SPECIAL = new Set([':', '.', 'source', 'break', 'continue', 'eval', 'exec', 'exit', 'export', 'readonly', 'return', 'set', 'shift', 'times', 'trap', 'unset']);
/** Variables that decide what a command name or a relative path runs. */
const PATHS = ['PATH', 'CDPATH', 'HOME'];

export function analyzeShell(ctx: Context, inv: Invocation, sem: string, names: readonly string[]): void {
  const refuse = (reason: string, rule: string, always?: boolean) =>
    ctx.refuse({ argv: inv.argv, command: inv.origin, file: String(inv.file), reason, rule, always });
  const argv = inv.argv;
  let c = false;
  let stdin = false;
  let interactive = false;
  // A login shell (-l, --login, or an argv[0] that starts with '-') reads the profiles first; an interactive bash, ~/.bashrc.
  let login = isStatic(argv[0]) && argv[0].startsWith('-');
  let profiles = true;
  let rc = true;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!isStatic(a)) return refuse(`${sem} is given an argument only known at run time where an option may be`, 'dynamic-command', true);
    if (a === '--' || a === '-') { i++; break; }
    if (a.startsWith('--')) {
      if (a === '--rcfile' || a === '--init-file') { rc = false; checkLoadedFile(ctx, inv, argv[++i], sem); }
      if (a === '--login') login = true;
      if (a === '--noprofile') profiles = false;
      if (a === '--norc') rc = false;
      continue;
    }
    if (!/^[-+]./.test(a)) break;
    for (const ch of a.slice(1)) {
      if (ch === 'c') {c = true;} else if (ch === 's' || ch === 'i') { stdin = true; if (ch === 'i') interactive = true; } else if (ch === 'l') {login = true;} else if (ch === 'o' || ch === 'O') {i++;}
    }
  }
  const startup: string[] = [];
  if (login && profiles) startup.push('.bash_profile', '.bash_login', '.profile');
  if (interactive && rc && sem === 'bash') startup.push('.bashrc');
  if (startup.length !== 0) {
    // In $HOME (unset: the passwd entry's directory, which user code cannot point elsewhere).
    for (const home of inv.vars.get('HOME') ?? [null]) {
      if (home === null || home === '') continue;
      if (home === undefined) return refuse(`${sem} reads its startup files from a HOME only known at run time`, 'dynamic-command', true);
      for (const f of startup) checkLoadedFile(ctx, inv, `${home.replace(/\/$/, '')}/${f}`, sem, true);
    }
  }
  if (c) {
    const code = argv[i];
    if (code === undefined && i >= argv.length) return refuse(`${sem} -c is given no command string`, 'parse');
    if (!isStatic(code)) return refuse(`${sem} -c is given a command string only known at run time`, 'dynamic-command', true);
    return checkLine(ctx, inv, code, { vars: derive(inv.vars), cwds: inv.cwds.slice() });
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
    // By prototype: `instanceof` would call a Symbol.hasInstance that user code can give Error (ShellSyntaxError's parent).
    if (e === null || typeof e !== 'object' || Reflect.getPrototypeOf(e) !== ShellSyntaxError.prototype) throw e;
    return ctx.refuse({ argv: inv.argv, command: code.slice(0, 200), reason: `the shell line cannot be parsed (${(e as Error).message})`, rule: 'parse', always: true });
  }
  const state: ShellState = { functions: parsed.functions, vars: outer.vars, cwds: outer.cwds };
  collectState(parsed.commands, parsed.functions, state);
  state.settled = true;
  // The line's own PS4 (PS4='$(x)'; set -x): bash expands it before each command it traces.
  if ((state.vars.get('PS4') ?? []).some(ps4Expands)) {
    return ctx.refuse({ argv: inv.argv, command: code.slice(0, 200), reason: PS4_REASON, rule: 'dynamic-command', always: true });
  }
  for (const cmd of parsed.commands) {
    if (ctx.stopped) return;
    checkShellCommand(ctx, inv, cmd, state);
  }
}

/** First pass: every value the line may give its variables and every directory it may cd to. */
function collectState(commands: readonly ShellCommand[], functions: ReadonlySet<string>, state: ShellState): void {
  for (const cmd of commands) {
    // ${NAME:=value} anywhere in the command assigns NAME (when unset or empty): a value only known here as a candidate.
    for (const w of [...cmd.words, ...cmd.assignments.map(a => a.value)]) {
      for (const p of w.parts) if (p.kind === 'dyn' && p.assigns !== undefined) addValues(state.vars, p.assigns, [undefined]);
    }
    const argv = cmd.words.map(wordArg);
    let k = 0;
    while (argv[k] === 'command' || argv[k] === 'builtin') {
      k++;
      for (let a = argv[k]; isStatic(a) && a.startsWith('-'); a = argv[++k]);
    }
    const name = argv[k];
    if (cmd.words.length === 0 || !isStatic(name) || SPECIAL.has(name) || functions.has(name)) {
      for (const a of cmd.assignments) addValues(state.vars, a.name, assignedValues(a.value, state.vars, state.cwds));
    }
    if (isStatic(name)) stateEffect(name, argv.slice(k + 1), k === 0 ? cmd.words.slice(1) : undefined, state);
    // declare -A NAME: an associative array, whose subscripts are keys.
    if (isStatic(name) && SETS_VARS.has(name) && argv.some(a => isStatic(a) && /^-[a-zA-Z]*A/.test(a))) {
      state.assoc ??= new Set();
      for (const a of argv.slice(k + 1)) if (isStatic(a) && !a.startsWith('-')) state.assoc.add(/^[A-Za-z_][A-Za-z0-9_]*/.exec(a)?.[0] ?? a);
    }
  }
}

/**
 * Where `cd p` may land: a shell's logical cd takes '..' lexically (dash),
 * and bash, when that directory does not exist, retries p as the kernel
 * walks it (symlinks before '..': /proc/self/cwd/../../tmp is /tmp). Both
 * are candidates; the raw path is resolved physically where it is used.
 */
function both(next: Arg[], p: string): void {
  const lexical = normalize(p);
  next.push(lexical);
  if (/(^|\/)\.\.(\/|$)/.test(p)) next.push(p);
}

/** What a builtin changes in the shell state (cd, export, read, unset, printf -v, declare -n). */
function stateEffect(name: string, args: readonly Arg[], words: readonly ShellWord[] | undefined, state: ShellState): void {
  switch (name) {
    case 'cd': case 'pushd': {
      // findIndex, not find: a dynamic target is itself undefined.
      const at = args.findIndex(a => !(isStatic(a) && /^-[LPe@]+$/.test(a)));
      const target = at < 0 ? undefined : args[at];
      const next: Arg[] = [];
      if (at < 0) {
        next.push(...(state.vars.get('HOME') ?? [null]).map(h => (typeof h === 'string' ? h : undefined)));
      } else if (!isStatic(target) || target === '-') {
        next.push(undefined);
      } else if (target.startsWith('/')) {
        both(next, target);
      } else {
        // A relative target is looked up in CDPATH first.
        for (const cd of state.vars.get('CDPATH') ?? [null]) {
          if (cd === null) continue;
          if (cd === undefined) { next.push(undefined); continue; }
          for (const e of cd.split(':')) {
            if (e.startsWith('/')) both(next, e + '/' + target);
            else for (const c of state.cwds) if (isStatic(c)) both(next, c + '/' + (e || '.') + '/' + target); else next.push(undefined);
          }
        }
        for (const c of state.cwds) if (isStatic(c)) both(next, c + '/' + target); else next.push(undefined);
      }
      for (const n of next) if (!state.cwds.includes(n)) state.cwds.push(n);
      return;
    }
    case 'unset':
      for (const a of args) if (isStatic(a) && !a.startsWith('-')) addValues(state.vars, a, [null]);
      return;
    case 'printf': case 'getopts': {
      // printf -v NAME and getopts' NAME assign values only known at run time.
      const v = name === 'printf' ? (args[0] === '-v' ? args[1] : null) : args[1];
      if (v === null) return;
      for (const n of isStatic(v) ? [v] : PATHS) addValues(state.vars, n, [undefined]);
      return;
    }
  }
  if (SETS_VARS.has(name)) {
    const nameref = args.some(a => isStatic(a) && /^-[a-zA-Z]*n/.test(a));
    // Declaration utilities: NAME=value words are assignments (no field splitting).
    if (words) {
      for (const w of words) {
        const m = ASSIGNMENT.exec(w.raw);
        if (!m) {
          // Quoted as a whole ("PATH=/tmp") it is still NAME=value; a name only known at run time may be any.
          // (A name only known at run time is refused in every mode: shellBuiltin.)
          const a = wordArg(w);
          const q = isStatic(a) ? ASSIGNMENT.exec(a) : null;
          if (q) addValues(state.vars, q[1], [(a as string).slice(q[0].length)]);
          continue;
        }
        const vals = assignedValues(stripPrefix(w, m[0].length), state.vars, state.cwds);
        addValues(state.vars, m[1], vals);
        // declare -n P=PATH: a later P=... assigns PATH.
        if (nameref) for (const t of vals) for (const n of typeof t === 'string' ? [t] : PATHS) addValues(state.vars, n, [undefined]);
      }
      return;
    }
    for (const a of args) {
      if (!isStatic(a)) continue;
      const eq = a.indexOf('=');
      if (eq > 0 && !a.startsWith('-')) addValues(state.vars, a.slice(0, eq), [a.slice(eq + 1)]);
      if (eq > 0 && nameref) addValues(state.vars, a.slice(eq + 1), [undefined]);
    }
    return;
  }
  if (READS_VARS.has(name)) {
    for (const a of args) if (isStatic(a) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(a)) addValues(state.vars, a, [undefined]);
  }
}

/**
 * bash evaluates arithmetic recursively: a variable's value is itself an
 * expression, and an array subscript in it is expanded, command
 * substitutions included (x='a[$(cmd)]'; echo $((x)) runs cmd). What an
 * expression reads must be known: a value with a subscript that expands
 * anything is code (refused in every mode); a value only known at run time
 * (command output, read, the positional parameters) may be (refused in
 * BLOCK, reported in ALERT).
 */
const SUBSCRIPT_EXPANDS = /\[[^\]]*[$`]/;

function arithProblem(expr: string, vars: Vars, depth = 0): { reason: string; always: boolean } | undefined {
  if (depth > 4) return { reason: 'bash evaluates arithmetic through more variables than are followed', always: false };
  if (SUBSCRIPT_EXPANDS.test(expr) && depth > 0) return { reason: `a value bash evaluates as arithmetic expands an array subscript (${expr.slice(0, 80)})`, always: true };
  if (/\$\(|`/.test(expr)) return { reason: 'bash evaluates the output of a command as arithmetic, which can run the command substitutions in it', always: false };
  if (/\$\{?[0-9@*]/.test(expr)) return { reason: 'bash evaluates a positional parameter as arithmetic, which can run the command substitutions in it', always: false };
  const names = new Set<string>();
  const re = /\$\{?([A-Za-z_][A-Za-z0-9_]*)|(?<![\w$#.])([A-Za-z_][A-Za-z0-9_]*)/g;
  for (let m = re.exec(expr); m !== null; m = re.exec(expr)) names.add(m[1] ?? m[2]);
  for (const n of names) {
    for (const v of vars.get(n) ?? [null]) {
      if (v === null || v === '') continue;
      if (v === undefined) return { reason: `bash evaluates the value of ${n} as arithmetic, which can run the command substitutions in it, and it is only known at run time`, always: false };
      if (/^[\s0-9+-]*$/.test(v)) continue;
      const inner = arithProblem(v, vars, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Arithmetic a command evaluates: (( )), [[ -eq ]], $(( )), indexed subscripts and ${x:i:n} in its words and assignments. */
function checkArithmetic(ctx: Context, inv: Invocation, cmd: ShellCommand, state: ShellState): void {
  const exprs: string[] = [...(cmd.arith ?? [])];
  const indexed = (name: string | undefined) => name === undefined || !state.assoc?.has(name);
  for (const a of cmd.assignments) if (a.subscript !== undefined && indexed(a.name)) exprs.push(a.subscript);
  for (const w of [...cmd.words, ...cmd.assignments.map(a => a.value)]) {
    for (const p of w.parts) {
      if (p.kind !== 'dyn') continue;
      if (p.arith !== undefined && indexed(p.arithArray)) exprs.push(p.arith);
      if (p.ariths) exprs.push(...p.ariths);
    }
  }
  for (const e of exprs) {
    const problem = arithProblem(e, state.vars);
    if (problem) ctx.refuse({ argv: inv.argv, command: cmd.text, reason: problem.reason, rule: 'dynamic-command', always: problem.always });
  }
}

/** The files a command's redirections open: none may be a process's memory file (memory.ts). */
function checkRedirects(ctx: Context, inv: Invocation, cmd: ShellCommand, state: ShellState): void {
  for (const r of cmd.redirects ?? []) {
    let risk: MemoryRisk;
    let text = '';
    for (const t of wordTexts(r.target, state.vars, state.cwds)) {
      const k = memoryRisk(ctx, t, state.cwds, r.writing);
      if (k && risk !== 'memory') { risk = k; text = r.target.raw; }
    }
    if (risk) ctx.refuse({ argv: inv.argv, command: cmd.text, reason: memoryReason(`the redirection ${r.op}${text}`, risk), rule: MEMORY_RULE, always: risk === 'memory' });
  }
}

function checkShellCommand(ctx: Context, inv: Invocation, cmd: ShellCommand, state: ShellState): void {
  checkArithmetic(ctx, inv, cmd, state);
  checkRedirects(ctx, inv, cmd, state);
  if (cmd.words.length === 0) {
    for (const a of cmd.assignments) addValues(state.vars, a.name, assignedValues(a.value, state.vars, state.cwds));
    return;
  }
  let vars = state.vars;
  if (cmd.assignments.length) {
    vars = derive(vars);
    for (const a of cmd.assignments) vars.set(a.name, assignedValues(a.value, state.vars, state.cwds));
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
    line: true,
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

/** Values an assignment may give: $NAME and ${NAME} expand with the values known so far (no pathname expansion); unknown as a whole otherwise. */
export function assignedValues(w: ShellWord, vars: Vars, cwds: readonly Arg[]): VarValue[] {
  return wordTexts(w, vars, cwds, false).map(t => (t.includes(UNKNOWN) ? undefined : t));
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
  if (name === 'let') {
    for (const a of args) {
      if (!isStatic(a)) { refuse('let is given an expression only known at run time', 'dynamic-command', false); continue; }
      const problem = arithProblem(a, state.vars);
      if (problem) refuse(problem.reason, 'dynamic-command', problem.always);
    }
    return true;
  }
  // A variable name with a subscript (test -v, printf -v, read, unset, declare...): bash expands the subscript.
  const names = name === 'printf' || name === 'test' || name === '[' ? args.filter((_, k) => args[k - 1] === '-v') : args.filter(a => !(isStatic(a) && a.startsWith('-')));
  if (NAME_TAKERS.has(name) && names.some(a => isStatic(a) && SUBSCRIPT_EXPANDS.test(a))) {
    refuse(`${name} is given a variable name whose array subscript expands (it runs the command substitutions in it)`);
    return true;
  }
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
    case 'mapfile': case 'readarray': {
      // -C CALLBACK: bash runs it as code every -c lines read (bash's options come first, glued or apart).
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (!isStatic(a)) { refuse(`${name} is given an argument only known at run time, which may be a callback (-C)`); return true; }
        if (!/^-[a-zA-Z]/.test(a)) break;
        const at = a.indexOf('C');
        if (at < 0) { if (/[dnOscu]$/.test(a)) i++; continue; }
        const code = at + 1 < a.length ? a.slice(at + 1) : args[++i];
        if (!isStatic(code)) { refuse(`${name} -C is given code only known at run time`); return true; }
        checkLine(ctx, inv, code, state);
      }
      if (!state.settled) stateEffect(name, args, undefined, state);
      return true;
    }
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
      if (FD_PATH.test(f)) { refuse(`${name} ${f} reads code from a file descriptor (inline code)`, 'inline-code'); return true; }
      // `.` reads the file whether or not it is executable: every place the search may use counts.
      const found = lookup(ctx.system, f, { vars: inv.vars, cwds: state.cwds, root: inv.root, search: true });
      if (!found.ok) { refuse(found.unknown); return true; }
      const places = found.found.map(r => r.raw).concat(found.missing);
      if (!f.includes('/')) {
        for (const c of state.cwds) {
          if (!isStatic(c)) { refuse(`${name} ${f} may be read from a working directory only known at run time`); return true; }
          places.push((inv.root ? inv.root : '') + c + '/' + f);
        }
      }
      for (const p of places) {
        const w = ctx.writableOnWay(p);
        if (w) { refuse(`${name} ${p}: the file could be created or replaced before it is read (${w} is a writable location)`, 'writable-location'); return true; }
        const r = ctx.system.realpath(p);
        const d = r === undefined ? undefined : ctx.distrust(r);
        if (d) { refuse(`${name} ${r}: the file is ${d === 'writable' ? 'in a writable location' : 'modified after the process started'}`, d === 'writable' ? 'writable-location' : 'drift'); return true; }
      }
      return true;
    }
    case 'cd': case 'pushd': case 'unset': case 'printf': case 'getopts':
      if (!state.settled) stateEffect(name, args, undefined, state);
      return true;
    case 'exec': case 'command': case 'builtin':
      if (name === 'exec' && args.length === 0) return true;
      runWrapper(ctx, inv, name, argv);
      return true;
  }
  if (SETS_VARS.has(name)) {
    if (!inv.words && args.includes(SPLAT)) refuse(`${name} is given arguments only known at run time`);
    // declare "$n=/tmp": the variable it sets (PATH, LD_PRELOAD, ...) is only known at run time.
    const dynamicName = inv.words?.slice(1).some(w => !ASSIGNMENT.test(w.raw) && !isStatic(wordArg(w)) && !w.raw.startsWith('-'));
    if (dynamicName) refuse(`${name} is given a variable name only known at run time`);
    // declare "a=([0]=\$(x))": a compound assignment given as one quoted word is parsed again by bash, substitutions and all.
    if (args.some(a => isStatic(a) && /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=\(/.test(a) && /[$`]/.test(a))) {
      refuse(`${name} is given an array assignment as one word, which bash parses again and runs the command substitutions in`);
    }
    if (!state.settled) stateEffect(name, args, inv.words?.slice(1), state);
    return true;
  }
  if (READS_VARS.has(name)) {
    if (!state.settled) stateEffect(name, args, undefined, state);
    return true;
  }
  return false;
}
