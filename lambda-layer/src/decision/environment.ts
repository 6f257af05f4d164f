// The child's environment: variables that make a trusted program load code
// from elsewhere (the dynamic loader's LD_PRELOAD/LD_AUDIT/LD_LIBRARY_PATH,
// GCONV_PATH, language library paths, a shell's BASH_ENV/ENV and exported
// functions) and NODE_OPTIONS, which must keep the enforcer's preload and add
// no other code to a node child.
import { Arg, candidates, VarValue, Vars } from './args';
import { Context, describeDistrust } from './context';
import type { Family } from './inline';

/** Where the layer's preload lives on Lambda; SystemView.preloadPath overrides it. */
export const PRELOAD_PATH = '/opt/nano-enforcer/preload.js';

/** A separator no path holds: a variable that names one path (empty, it names none). */
const ONE = /\0/;
/** Variables that name places code is loaded from, their separator, and whether only node reads them. */
const LIBRARY_LISTS: [string, RegExp, 'node'?][] = [
  ['LD_PRELOAD', /[ :]/], ['LD_LIBRARY_PATH', /:/], ['LD_AUDIT', /:/], ['GCONV_PATH', /:/],
  ['PYTHONPATH', /:/], ['PYTHONHOME', /:/], ['PERL5LIB', /:/], ['PERLLIB', /:/], ['RUBYLIB', /:/], ['NODE_PATH', /:/], ['LUA_PATH', /;/], ['LUA_CPATH', /;/],
  // OpenSSL (node, curl, python...) loads the engines and providers its config names, and modules from these directories.
  ['OPENSSL_CONF', ONE], ['OPENSSL_MODULES', ONE], ['OPENSSL_ENGINES', ONE],
  // python: .pth files of the user site directory run code at start; cached bytecode is run in place of the source.
  ['PYTHONUSERBASE', ONE], ['PYTHONPYCACHEPREFIX', ONE],
  // ruby: gems are found (and a required name resolved) in these directories.
  ['GEM_PATH', /:/], ['GEM_HOME', ONE],
  // node (22.1+) compiles every CommonJS module, the preload first, from the V8 code cache this
  // directory holds: a cache someone else can write is bytecode that node runs in place of the source.
  ['NODE_COMPILE_CACHE', ONE, 'node'],
];
const CODE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader']);

type Problem = { readonly reason: string; readonly rule: string; readonly always?: boolean };

/** Checks the environment a command runs with; `family` says what kind of program it is. */
export const environmentProblem = (function environmentProblem(
  ctx: Context, vars: Vars, cwds: readonly Arg[], family: Family | undefined, isNode: boolean,
): Problem | undefined {
  // A program that may start node passes its environment on: node itself, a shell, an interpreter (awk's system() is refused as inline code).
  const mayStartNode = isNode || family === 'shell' || (family !== undefined && family !== 'awk');
  for (const [name, sep, reader] of LIBRARY_LISTS) {
    if (!vars.has(name) || (reader === 'node' && !mayStartNode)) continue;
    for (const v of candidates(vars, name)) {
      if (v === null || (v === '' && sep === ONE)) continue;
      if (v === undefined) return { reason: `${name} is only known at run time`, rule: 'loader-env', always: true };
      for (const entry of v.split(sep)) {
        const p = problemOfPath(ctx, entry.replace(/\?.*$/, '') || '.', cwds, name === 'LD_PRELOAD');
        if (p) return { reason: `${name} ${p}`, rule: 'loader-env', always: p.startsWith('is relative') };
      }
    }
  }
  if (family === 'shell') {
    for (const name of ['BASH_ENV', 'ENV']) {
      for (const v of candidates(vars, name)) {
        if (v === null || v === '') continue;
        if (v === undefined || /[$`]/.test(v)) return { reason: `${name} is expanded by the shell and runs code only known at run time`, rule: 'loader-env', always: true };
        const p = problemOfPath(ctx, v, cwds, false);
        if (p) return { reason: `${name} ${p}`, rule: 'loader-env' };
      }
    }
    // bash expands PS4 before each command it traces (SHELLOPTS=xtrace from the environment, or set -x in
    // the line); it reads PS4 from the environment unless it runs as root, which Lambda does not.
    for (const v of candidates(vars, 'PS4')) {
      if (ps4Expands(v)) return { reason: PS4_REASON, rule: 'loader-env', always: true };
    }
    for (const k of vars.keys()) {
      if (/^BASH_FUNC_.*(%%|\(\))$/.test(k)) return { reason: `the environment exports the shell function ${k.slice(10).replace(/%%|\(\)$/, '')}, which may replace any command`, rule: 'loader-env', always: true };
    }
  }
  if (family === 'perl') {
    // perl -d runs the debugger code in PERL5DB: inline code, allowed only when allowInlineCode names perl.
    for (const v of candidates(vars, 'PERL5DB')) {
      if (v === null || v === '' || ctx.policy.allowInlineCode.includes('perl')) continue;
      return { reason: 'PERL5DB holds code that perl runs as its debugger', rule: 'inline-code', always: v === undefined };
    }
  }
  // Switches read from the environment: -I adds a library directory, like PERL5LIB and RUBYLIB.
  const opts = family === 'perl' ? 'PERL5OPT' : family === 'ruby' ? 'RUBYOPT' : undefined;
  if (opts !== undefined) {
    for (const v of candidates(vars, opts)) {
      if (v === null || v === '') continue;
      if (v === undefined) return { reason: `${opts} is only known at run time`, rule: 'loader-env', always: true };
      const words = v.split(/\s+/);
      for (let i = 0; i < words.length; i++) {
        if (!words[i].startsWith('-I')) continue;
        const dir = words[i].length > 2 ? words[i].slice(2) : words[++i] ?? '';
        const p = problemOfPath(ctx, dir || '.', cwds, false);
        if (p) return { reason: `${opts} -I ${p}`, rule: 'loader-env', always: p.startsWith('is relative') };
      }
    }
  }
  if (mayStartNode) {
    for (const v of candidates(vars, 'NODE_OPTIONS')) {
      const p = nodeOptionsProblem(ctx, v);
      if (p) return p;
    }
  }
  return undefined;
});

function problemOfPath(ctx: Context, entry: string, cwds: readonly Arg[], bareIsName: boolean): string | undefined {
  if (bareIsName && !entry.includes('/')) return undefined; // searched in the library path
  const paths: string[] = [];
  if (entry.startsWith('/')) {paths.push(entry);} else {
    for (const c of cwds) {
      if (typeof c !== 'string') return `is relative (${entry}) and the working directory is only known at run time`;
      paths.push(c.replace(/\/$/, '') + '/' + entry);
    }
  }
  for (const p of paths) {
    const d = ctx.distrustPath(p);
    if (d) return `points at ${describeDistrust('', p, d).trim()}`;
  }
  return undefined;
}

/** Splits NODE_OPTIONS as node does: blanks separate, double quotes group, backslash escapes inside quotes. */
export function splitNodeOptions(s: string): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') { q = true; cur = cur ?? ''; } else if (c === ' ' || c === '\t' || c === '\n') {
      if (cur !== undefined) { out.push(cur); cur = undefined; }
    } else {cur = (cur ?? '') + c;}
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

/** [option, value] pairs of NODE_OPTIONS that load code or open a debugger. */
function codeOptions(s: string): [string, string][] {
  const t = splitNodeOptions(s);
  const out: [string, string][] = [];
  for (let i = 0; i < t.length; i++) {
    const eq = t[i].indexOf('=');
    const name = t[i].startsWith('--') && eq > 0 ? t[i].slice(0, eq) : t[i];
    if (CODE_OPTIONS.has(name)) out.push([name === '-r' ? '--require' : name, eq > 0 && name.startsWith('--') ? t[i].slice(eq + 1) : t[++i] ?? '']);
    else if (/^--inspect(-brk|-wait)?$/.test(name)) out.push([name, '']);
  }
  return out;
}

export function nodeOptionsProblem(ctx: Context, value: VarValue): Problem | undefined {
  const preload = ctx.system.preloadPath ?? PRELOAD_PATH;
  if (value === undefined) return { reason: 'NODE_OPTIONS is only known at run time', rule: 'node-options', always: true };
  const opts = codeOptions(value ?? '');
  const same = (a: string, b: string) => a === b || (ctx.system.realpath(a) ?? a) === (ctx.system.realpath(b) ?? b);
  if (!opts.some(([o, v]) => o === '--require' && same(v, preload))) {
    return { reason: `NODE_OPTIONS lacks --require ${preload}`, rule: 'node-options' };
  }
  const baseline = codeOptions(ctx.system.nodeOptions ?? '');
  for (const [o, v] of opts) {
    if (o === '--require' && same(v, preload)) continue;
    if (baseline.some(([bo, bv]) => bo === o && bv === v)) continue;
    return { reason: `NODE_OPTIONS adds ${o}${v ? ' ' + v : ''}`, rule: 'node-options' };
  }
  return undefined;
}

export const PS4_REASON = 'PS4 holds an expansion that bash runs when it traces commands';

/** Whether a PS4 value would run something when bash expands it (a substitution, or a value only known at run time). */
export function ps4Expands(v: VarValue): boolean {
  return v === undefined || (typeof v === 'string' && /`|\$[({[]/.test(v));
}
