// Arguments as the decision sees them: a known string, one field only known
// at run time (undefined), or any number of unknown fields (SPLAT: an unquoted
// expansion or glob, "$@", xargs input).

export const SPLAT: unique symbol = Symbol('splat');
export type Arg = string | undefined | typeof SPLAT;

/** Candidate values of environment variables: null = unset, undefined = unknown. */
export type VarValue = string | null | undefined;
export type Vars = ReadonlyMap<string, readonly VarValue[]>;

export function varsFromEnv(env: Readonly<Record<string, string>>): Map<string, VarValue[]> {
  const m = new Map<string, VarValue[]>();
  for (const k of Object.keys(env)) {
    const v = env[k];
    m.set(k, [typeof v === 'string' ? v : String(v)]);
  }
  return m;
}

export function candidates(vars: Vars, name: string): readonly VarValue[] {
  return vars.get(name) ?? [null];
}

export function isStatic(a: Arg): a is string {
  return typeof a === 'string';
}

/** For reports: arguments truncated to 10 items of 200 characters. */
export function showArgv(argv: readonly Arg[]): string[] {
  return argv.slice(0, 10).map(a => (typeof a === 'string' ? (a.length > 200 ? a.slice(0, 200) + '…' : a) : a === undefined ? '<dynamic>' : '<dynamic...>'));
}

/** True when any execute bit (user, group, other) is set. */
export function anyExecuteBit(mode: number): boolean {
  // eslint-disable-next-line no-bitwise
  return (mode & 0o111) !== 0;
}

/** Permission bits of a mode, for reports. */
export function permissionBits(mode: number): number {
  return mode % 0o10000;
}

export function basename(p: string): string {
  const s = p.replace(/\/+$/, '');
  const i = s.lastIndexOf('/');
  return i < 0 ? s : s.slice(i + 1);
}

/** Lexical normalisation (no symlinks): for names and globs; the kernel's view comes from realpath. */
export function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}
