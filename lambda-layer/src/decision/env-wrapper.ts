// env(1) as a wrapper: -i, -u, -C, --argv0, NAME=value, and -S, whose split
// string may itself hold options, assignments and the command.
import { Arg, SPLAT } from './args';
import { OptSpec, scanOptions } from './options';
import { unknown, Unwrapped } from './wrappers';

export function env(argv: readonly Arg[]): Unwrapped {
  const spec: OptSpec = {
    shortArg: 'uCSPa',
    shortFlag: 'i0v',
    longArg: ['unset', 'chdir', 'split-string', 'argv0'],
    longFlag: ['ignore-environment', 'null', 'debug', 'list-signal-handling', 'help', 'version'],
    longOptional: ['default-signal', 'ignore-signal', 'block-signal'],
  };
  let args = argv.slice();
  let clear = false;
  let cwd: Arg;
  let cwdSet = false;
  let argv0: Arg;
  let argv0Set = false;
  const set: [string, Arg][] = [];
  const unset: string[] = [];
  let i = 1;
  for (;;) {
    if (args[i] === '-') { clear = true; i++; continue; }
    const s = scanOptions(args, i, spec, 'env');
    if (!s.ok) return unknown(s.why);
    let split: Arg[] | undefined;
    for (const o of s.seen) {
      switch (o.name) {
        case 'i': case 'ignore-environment':
          clear = true;
          break;
        case 'u': case 'unset':
          if (typeof o.value !== 'string') return unknown('env -u is given a name only known at run time');
          unset.push(o.value);
          break;
        case 'C': case 'chdir':
          cwd = o.value;
          cwdSet = true;
          break;
        case 'P':
          return unknown('env -P searches an alternate path');
        case 'a': case 'argv0':
          argv0 = o.value;
          argv0Set = true;
          break;
        case 'S': case 'split-string': {
          if (typeof o.value !== 'string') return unknown('env -S is given a string only known at run time');
          const parts = splitString(o.value);
          if (!parts) return unknown('env -S string uses ${VAR} or cannot be split');
          split = parts;
          break;
        }
      }
    }
    if (split) {
      // The split string takes the place of the -S option; options in it are honoured.
      const before = args.slice(0, i);
      args = [...before, ...split, ...args.slice(s.index)];
      continue;
    }
    i = s.index;
    if (args[i] === '-') continue;
    break;
  }
  for (; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== 'string') {
      if (a === SPLAT) return unknown('env is given arguments only known at run time');
      break; // a dynamic command name: reported by the caller
    }
    const eq = a.indexOf('=');
    if (eq <= 0) break;
    set.push([a.slice(0, eq), a.slice(eq + 1)]);
  }
  const edit = { clear, set, unset };
  if (i >= args.length) return { kind: 'none' };
  const run = args.slice(i);
  if (argv0Set) return { kind: 'run', runs: [[argv0, ...run.slice(1)]], file: run[0], env: edit, ...(cwdSet ? { cwd } : {}) };
  return { kind: 'run', runs: [run], env: edit, ...(cwdSet ? { cwd } : {}) };
}

/** env -S splitting (coreutils): blanks separate, quotes and backslash escapes, ${VAR} refused. */
export function splitString(s: string): Arg[] | undefined {
  const out: string[] = [];
  let cur: string | undefined;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r') {
      if (cur !== undefined) { out.push(cur); cur = undefined; }
      i++;
    } else if (c === '#' && cur === undefined) {break;} else if (c === "'") {
      const e = s.indexOf("'", i + 1);
      if (e < 0) return undefined;
      cur = (cur ?? '') + s.slice(i + 1, e);
      i = e + 1;
    } else if (c === '"') {
      let j = i + 1;
      let v = '';
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '$') return undefined;
        if (s[j] === '\\' && j + 1 < s.length) { j++; v += unescape(s[j]); } else {v += s[j];}
      }
      if (j >= s.length) return undefined;
      cur = (cur ?? '') + v;
      i = j + 1;
    } else if (c === '\\') {
      const n = s[i + 1];
      if (n === 'c') break;
      if (n === undefined) return undefined;
      cur = (cur ?? '') + (n === '_' ? ' ' : unescape(n));
      i += 2;
    } else if (c === '$') {return undefined;} else { cur = (cur ?? '') + c; i++; }
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

function unescape(c: string): string {
  return ({ n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', _: ' ' } as Record<string, string>)[c] ?? c;
}
