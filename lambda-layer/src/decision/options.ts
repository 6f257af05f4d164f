// getopt_long as the GNU and util-linux wrappers use it with a leading '+'
// (stop at the first operand): short clusters, glued or separate values,
// --long=value, unique abbreviations of long options. An option we do not
// know makes the rest of the line unknowable (it may take a value).
import { Arg, SPLAT } from './args';

export interface OptSpec {
  /** Short options taking a value, e.g. 'ks'. */
  readonly shortArg?: string;
  /** Short options without a value. */
  readonly shortFlag?: string;
  /** Short options with an optional glued value (xargs -e[eof]). */
  readonly shortOptional?: string;
  readonly longArg?: readonly string[];
  readonly longFlag?: readonly string[];
  /** Long options with an optional '=value'. */
  readonly longOptional?: readonly string[];
  /** Accept '-<digits>' (nice -10). */
  readonly numeric?: boolean;
}

export type Seen = { readonly name: string; readonly value?: Arg };
export type Scan = { readonly ok: true; readonly index: number; readonly seen: readonly Seen[] } | { readonly ok: false; readonly why: string };

export function scanOptions(argv: readonly Arg[], start: number, spec: OptSpec, tool: string): Scan {
  const seen: Seen[] = [];
  let i = start;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') {
      return { ok: false, why: `${tool} is given an argument only known at run time where an option may be` };
    }
    if (a === '--') return { ok: true, index: i + 1, seen };
    if (a === '-' || !a.startsWith('-')) break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const given = a.slice(2, eq < 0 ? undefined : eq);
      const all = [...(spec.longArg ?? []), ...(spec.longFlag ?? []), ...(spec.longOptional ?? [])];
      const exact = all.includes(given) ? [given] : all.filter(n => n.startsWith(given));
      if (exact.length !== 1) return { ok: false, why: `${tool}: unknown option --${given}` };
      const name = exact[0];
      if (spec.longArg?.includes(name)) {
        if (eq >= 0) {seen.push({ name, value: a.slice(eq + 1) });} else {
          if (i + 1 >= argv.length) return { ok: false, why: `${tool}: --${name} needs a value` };
          const v = argv[++i];
          if (typeof v === 'symbol') return { ok: false, why: `${tool} is given an argument only known at run time` };
          seen.push({ name, value: v });
        }
      } else {
        seen.push(eq >= 0 ? { name, value: a.slice(eq + 1) } : { name });
      }
      continue;
    }
    if (spec.numeric && /^-[0-9]+$/.test(a)) { seen.push({ name: 'n', value: a.slice(1) }); continue; }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (spec.shortArg?.includes(c)) {
        if (j + 1 < a.length) { seen.push({ name: c, value: a.slice(j + 1) }); break; }
        if (i + 1 >= argv.length) return { ok: false, why: `${tool}: -${c} needs a value` };
        const v = argv[++i];
        if (typeof v === 'symbol') return { ok: false, why: `${tool} is given an argument only known at run time` };
        seen.push({ name: c, value: v });
        break;
      }
      if (spec.shortOptional?.includes(c)) { seen.push({ name: c, value: a.slice(j + 1) }); break; }
      if (spec.shortFlag?.includes(c)) { seen.push({ name: c }); continue; }
      return { ok: false, why: `${tool}: unknown option -${c}` };
    }
  }
  return { ok: true, index: i, seen };
}

export function has(seen: readonly Seen[], ...names: string[]): boolean {
  return seen.some(s => names.includes(s.name));
}

/** What lenientOptions names: the options that matter to the caller. */
export interface LenientSpec {
  readonly shortArg: string;
  readonly shortOptional?: string;
  readonly longArg: readonly string[];
  /** Long options whose value, if any, is glued ('--in-place=.bak'). */
  readonly longOptional?: readonly string[];
  readonly longFlag?: readonly string[];
}

/**
 * GNU getopt_long without '+': options anywhere among the operands, until
 * '--'. Only the options in `spec` are named (a long option by any prefix of
 * its name, as getopt accepts a unique one); any other is passed over, so a
 * tool that runs commands through a few of its many options is read without
 * listing the rest. An unknown long option written apart from its value
 * makes that value an operand here: at worst a value that looks like one of
 * the named options is checked as one. Null: an argument only known at run time.
 */
export function lenientOptions(argv: readonly Arg[], spec: LenientSpec): { readonly seen: Seen[]; readonly operands: Arg[] } | null {
  const names = [...spec.longArg, ...(spec.longOptional ?? []), ...(spec.longFlag ?? [])];
  const seen: Seen[] = [];
  const operands: Arg[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return null;
    if (a === '--') { operands.push(...argv.slice(i + 1)); break; }
    if (a === '-' || !a.startsWith('-')) { operands.push(a); continue; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const given = a.slice(2, eq < 0 ? undefined : eq);
      const name = given === '' ? undefined : names.includes(given) ? given : names.find(n => n.startsWith(given));
      if (name === undefined) continue;
      if (!spec.longArg.includes(name)) {
        seen.push(eq >= 0 ? { name, value: a.slice(eq + 1) } : { name });
        continue;
      }
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === SPLAT) return null;
      seen.push({ name, value });
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (spec.shortOptional?.includes(c)) { seen.push({ name: c, value: a.slice(j + 1) }); break; }
      if (!spec.shortArg.includes(c)) { seen.push({ name: c }); continue; }
      const value = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
      if (value === SPLAT) return null;
      seen.push({ name: c, value });
      break;
    }
  }
  return { seen, operands };
}
