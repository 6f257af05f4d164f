// Arguments as the decision sees them: a known string, one field only known
// at run time (undefined), or any number of unknown fields (SPLAT: an unquoted
// expansion or glob, "$@", xargs input).
import type { ShellWord } from './shell-words';

export const SPLAT: unique symbol = Symbol('splat');
export type Arg = string | undefined | typeof SPLAT;

/** Candidate values of environment variables: null = unset, undefined = unknown. */
export type VarValue = string | null | undefined;
export type Vars = ReadonlyMap<string, readonly VarValue[]>;

export function varsFromEnv(env: Readonly<Record<string, string>>): Map<string, VarValue[]> {
  const m = new Map<string, VarValue[]>();
  for (const k of Object.keys(env)) m.set(k, [String(env[k])]);
  return m;
}

/** What an evaluation read of the request's environment: the names whose values it read, and whether it listed the names. */
export interface EnvReads {
  readonly names: Set<string>;
  listed: boolean;
}

/**
 * The environment as variables, recording into `reads` what is read of it
 * (the spawn cache keys a decision on just that: a variable that changes on
 * every invocation, like _X_AMZN_TRACE_ID, must not defeat it). Copies are
 * made with derive(), which reads through, so that they record too.
 */
export const trackedVarsFromEnv = (function trackedVarsFromEnv(env: Readonly<Record<string, string>>, reads: EnvReads): Map<string, VarValue[]> {
  return new TrackedVars(env, reads);
});

/**
 * A copy of `vars` to change: its own assignments mask the parent's, and
 * reads of other names go to the parent (and are recorded there if it is
 * tracked). Equivalent to new Map(vars) for every use the decision makes.
 */
export const derive = (function derive(vars: Vars): Map<string, VarValue[]> {
  return new DerivedVars(vars);
});

/** The variables in the Map itself; reads of a value record its name, listing the names records `listed`. */
class TrackedVars extends Map<string, VarValue[]> {
  constructor(env: Readonly<Record<string, string>>, private readonly reads: EnvReads) {
    super();
    for (const k of Object.keys(env)) super.set(k, [String(env[k])]);
  }
  override get(k: string): VarValue[] | undefined {
    this.reads.names.add(k);
    return super.get(k);
  }
  override has(k: string): boolean {
    this.reads.names.add(k);
    return super.has(k);
  }
  override get size(): number {
    this.reads.listed = true;
    return super.size;
  }
  override keys(): MapIterator<string> {
    this.reads.listed = true;
    return super.keys();
  }
  override entries(): MapIterator<[string, VarValue[]]> {
    this.readAll();
    return super.entries();
  }
  override values(): MapIterator<VarValue[]> {
    this.readAll();
    return super.values();
  }
  override [Symbol.iterator](): MapIterator<[string, VarValue[]]> {
    return this.entries();
  }
  override forEach(f: (v: VarValue[], k: string, m: Map<string, VarValue[]>) => void, self?: unknown): void {
    this.readAll();
    super.forEach((v, k) => f.call(self, v, k, this));
  }
  private readAll(): void {
    this.reads.listed = true;
    for (const k of super.keys()) this.reads.names.add(k);
  }
}

class DerivedVars extends Map<string, VarValue[]> {
  constructor(private readonly parent: Vars) {
    super();
  }
  override get(k: string): VarValue[] | undefined {
    return super.has(k) ? super.get(k) : (this.parent.get(k) as VarValue[] | undefined);
  }
  override has(k: string): boolean {
    return super.has(k) || this.parent.has(k);
  }
  override delete(k: string): boolean {
    // A deleted name must not show through from the parent: unset.
    const had = this.has(k);
    super.set(k, [null]);
    return had;
  }
  override get size(): number {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }
  override keys(): MapIterator<string> {
    const all = new Set<string>(this.parent.keys());
    for (const k of super.keys()) all.add(k);
    return all.values();
  }
  override *entries(): MapIterator<[string, VarValue[]]> {
    for (const k of this.keys()) yield [k, this.get(k)!];
  }
  override *values(): MapIterator<VarValue[]> {
    for (const k of this.keys()) yield this.get(k)!;
  }
  override [Symbol.iterator](): MapIterator<[string, VarValue[]]> {
    return this.entries();
  }
  override forEach(f: (v: VarValue[], k: string, m: Map<string, VarValue[]>) => void, self?: unknown): void {
    for (const [k, v] of this.entries()) f.call(self, v, k, this);
  }
}

export function candidates(vars: Vars, name: string): readonly VarValue[] {
  return vars.get(name) ?? [null];
}

/** Variables a shell sets itself, whatever the environment holds: $PPID is its parent's pid (node's), $PWD its directory. */
const SHELL_SET = new Set(['PPID', 'BASHPID', 'PWD', 'OLDPWD', 'RANDOM', 'SRANDOM', 'REPLY', 'LINENO', 'SECONDS',
  'EPOCHSECONDS', 'EPOCHREALTIME', 'UID', 'EUID', 'HOSTNAME', 'OPTARG', 'OPTIND']);

/** What $NAME may be in a shell line: a directory it may be in for PWD and OLDPWD, unknown for the others the shell sets. */
export function paramValues(vars: Vars, name: string, cwds: readonly Arg[]): readonly VarValue[] {
  if (!SHELL_SET.has(name)) return vars.get(name) ?? [null];
  if (name === 'PWD' || name === 'OLDPWD') return cwds.map(c => (isStatic(c) ? c : undefined));
  return [undefined];
}

/** Stands in a word's text for what is only known at run time (NUL cannot be in an argument). */
export const UNKNOWN = '\0';
const MAX_TEXTS = 16;

/**
 * What a shell word may be: its text with the known values of its variables
 * put in, UNKNOWN where anything is only known at run time (with `globbed`,
 * a glob or brace character too, as in a /proc glob). At most 16 texts; past that,
 * what came so far is UNKNOWN.
 */
export function wordTexts(w: ShellWord, vars: Vars, cwds: readonly Arg[], globbed = w.glob): string[] {
  let outs = [''];
  for (const p of w.parts) {
    let vals: readonly string[];
    if (p.kind === 'lit') vals = [globbed ? p.text.replace(/[*?[{]/g, UNKNOWN) : p.text];
    else if (p.kind === 'param') vals = paramValues(vars, p.name, cwds).map(v => (v === undefined ? UNKNOWN : v ?? ''));
    else vals = [UNKNOWN];
    const next: string[] = [];
    for (const o of outs) for (const v of vals) next.push(o + v);
    outs = next.length > MAX_TEXTS ? [UNKNOWN] : next;
  }
  return outs;
}

/** What an argument may be: its text, or UNKNOWN. */
export function argText(a: Arg): string {
  return isStatic(a) ? a : UNKNOWN;
}

export const isStatic = (function isStatic(a: Arg): a is string {
  return typeof a === 'string';
});

/** For reports: arguments truncated to 10 items of 200 characters. */
export const showArgv = (function showArgv(argv: readonly Arg[]): string[] {
  return argv.slice(0, 10).map(a => (typeof a === 'string' ? (a.length > 200 ? a.slice(0, 200) + '…' : a) : a === undefined ? '<dynamic>' : '<dynamic...>'));
});

/** True when any execute bit (user, group, other) is set. */
export function anyExecuteBit(mode: number): boolean {
  // eslint-disable-next-line no-bitwise
  return (mode & 0o111) !== 0;
}

/** Whether a stat mode (with its type bits) is a directory's. */
export function isDirectoryMode(mode: number | undefined): boolean {
  // eslint-disable-next-line no-bitwise
  return mode !== undefined && (mode & 0o170000) === 0o040000;
}

/** Permission bits of a mode, for reports. */
export function permissionBits(mode: number): number {
  return mode % 0o10000;
}

export const basename = (function basename(p: string): string {
  const s = p.replace(/\/+$/, '');
  const i = s.lastIndexOf('/');
  return i < 0 ? s : s.slice(i + 1);
});

/** Lexical normalisation (no symlinks): for names and globs; the kernel's view comes from realpath. */
export const normalize = (function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
});
