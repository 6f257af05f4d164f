// Interpreters given code rather than a file: `node -e`, `python -c`,
// `perl -e`, `ruby -e`, `php -r`, `lua -e`, awk programs that run commands,
// and any interpreter left to read its program from stdin (a shell with no
// script, `sh -s`, `bash -i`, `echo ... | python`). Shells given `-c` are not
// inline: their code is parsed and checked command by command.
import { Arg, SPLAT } from './args';

export type Family = 'shell' | 'node' | 'python' | 'perl' | 'ruby' | 'php' | 'lua' | 'awk' | 'tcl' | 'r' | 'expect' | 'other-shell' | 'deno' | 'bun';

const FAMILIES: [RegExp, Family][] = [
  [/^(sh|bash|dash|ash|zsh|ksh|ksh93|mksh|pdksh|yash|posh|lksh|rbash|hush|msh)$/, 'shell'],
  [/^(fish|csh|tcsh|nu|elvish|xonsh|pwsh)$/, 'other-shell'],
  [/^(node|nodejs)$/, 'node'],
  [/^(python|pypy)[0-9.]*$/, 'python'],
  [/^perl[0-9.]*$/, 'perl'],
  [/^(ruby|jruby|irb)[0-9.]*$/, 'ruby'],
  [/^php[0-9.]*(-cli)?$/, 'php'],
  [/^(lua|luajit)[0-9.]*$/, 'lua'],
  [/^(awk|gawk|mawk|nawk|original-awk)$/, 'awk'],
  [/^(tclsh|wish)[0-9.]*$/, 'tcl'],
  [/^(Rscript|R)$/, 'r'],
  [/^expect$/, 'expect'],
  [/^deno$/, 'deno'],
  [/^bun$/, 'bun'],
];

export const familyOf = (function familyOf(name: string): Family | undefined {
  for (const [re, f] of FAMILIES) if (re.test(name)) return f;
  return undefined;
});

export interface InterpreterUse {
  /** How the code is given inline ('-e', 'stdin', ...), when it is. */
  readonly inline?: string;
  /** True when the code comes from stdin: it cannot be known statically. */
  readonly stdin?: boolean;
  /** The script operand, when a file is run. */
  readonly script?: Arg;
  /** A module run by name from the search path, whose first entry is the working directory (python -m). */
  readonly module?: Arg;
  /** Files loaded as code by options (node -r/--import, ruby -r, python startup...). */
  readonly loads: readonly Arg[];
  /** The arguments cannot be read (an unknown field where an option may be). */
  readonly unknown?: string;
}

const NONE: InterpreterUse = { loads: [] };

function operandOrStdin(argv: readonly Arg[], i: number, flag: string): InterpreterUse {
  if (i >= argv.length || argv[i] === '-') return { inline: flag, stdin: true, loads: [] };
  return { script: argv[i], loads: [] };
}

const NODE_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--input-type', '--title',
  '--env-file', '--env-file-if-exists', '--inspect-port', '--debug-port', '--icu-data-dir', '--openssl-config', '--redirect-warnings',
  '--report-dir', '--report-directory', '--report-filename', '--report-signal', '--secure-heap', '--secure-heap-min', '--unhandled-rejections',
  '--dns-result-order', '--disable-warning', '--watch-path', '--heapsnapshot-signal', '--diagnostic-dir', '--cpu-prof-dir', '--cpu-prof-name',
  '--heap-prof-dir', '--heap-prof-name', '--stack-trace-limit', '--experimental-config-file', '--localstorage-file', '--experimental-sea-config',
  '--run', '--test-reporter', '--test-reporter-destination', '--test-name-pattern', '--test-skip-pattern', '--tls-cipher-list', '--tls-keylog', '--use-largepages',
  '--snapshot-blob']);
/**
 * Options whose file decides what code runs: modules, env files (NODE_OPTIONS), a startup snapshot (its
 * main function), a config file (its nodeOptions), an OpenSSL config (engines and providers are shared
 * objects), a test reporter.
 */
const NODE_LOADS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--env-file-if-exists',
  '--snapshot-blob', '--experimental-config-file', '--openssl-config', '--test-reporter']);

function node(argv: readonly Arg[]): InterpreterUse {
  const loads: Arg[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return { loads, unknown: 'node is given an argument only known at run time where an option may be' };
    if (a === '--') return { ...operandOrStdin(argv, i + 1, 'stdin'), loads };
    if (a === '-' || !a.startsWith('-')) return { ...operandOrStdin(argv, i, 'stdin'), loads };
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (/^-[a-zA-Z]*[ep]/.test(a) && !a.startsWith('--') || name === '--eval' || name === '--print') return { inline: name, loads };
    if (name === '-i' || name === '--interactive') return { inline: name, stdin: true, loads };
    // Reads node.config.json from the working directory.
    if (name === '--experimental-default-config-file') loads.push('./node.config.json');
    if (NODE_VALUE.has(name)) {
      const v = eq > 0 && name.startsWith('--') ? a.slice(eq + 1) : argv[++i];
      if (v === SPLAT) return { loads, unknown: 'node is given an argument only known at run time' };
      if (NODE_LOADS.has(name)) loads.push(v);
    }
  }
  return { inline: 'stdin', stdin: true, loads };
}

function python(argv: readonly Arg[]): InterpreterUse {
  let safePath = false; // -I and -P keep the working directory off sys.path
  const loads: Arg[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return { loads, unknown: 'python is given an argument only known at run time where an option may be' };
    if (a === '--') return { ...operandOrStdin(argv, i + 1, 'stdin'), loads };
    if (a === '-' || !a.startsWith('-')) return { ...operandOrStdin(argv, i, 'stdin'), loads };
    if (a.startsWith('--')) {
      if (a === '--check-hash-based-pycs') i++;
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (c === 'c') return { inline: '-c', loads };
      if (c === 'I' || c === 'P') safePath = true;
      if (c === 'm') return safePath ? { loads } : { module: j + 1 < a.length ? a.slice(j + 1) : argv[i + 1], loads };
      if (c === 'i') return { inline: '-i', stdin: true, loads };
      if (c === 'W' || c === 'X') {
        const v = j === a.length - 1 ? argv[++i] : a.slice(j + 1);
        // -X pycache_prefix=DIR: bytecode cached there is run in place of the source (PYTHONPYCACHEPREFIX).
        if (c === 'X' && typeof v === 'string' && v.startsWith('pycache_prefix=')) loads.push(v.slice(15));
        break;
      }
    }
  }
  return { inline: 'stdin', stdin: true, loads };
}

/** perl and ruby: -e/-E code, clustered switches, switches with glued values. */
function perlish(
  tool: string, glued: string, separate: string, inlineFlags: string, loadFlags: string, digits: string,
): (argv: readonly Arg[]) => InterpreterUse {
  return argv => {
    const loads: Arg[] = [];
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i];
      if (typeof a !== 'string') return { loads, unknown: `${tool} is given an argument only known at run time where an option may be` };
      if (a === '--') return { ...operandOrStdin(argv, i + 1, 'stdin'), loads };
      if (a === '-' || !a.startsWith('-')) return { ...operandOrStdin(argv, i, 'stdin'), loads };
      if (a.startsWith('--')) continue;
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (inlineFlags.includes(c)) return { inline: `-${c}`, loads };
        if (digits.includes(c)) { while (/[0-9a-fA-Fx]/.test(a[j + 1] ?? '')) j++; continue; }
        if (separate.includes(c) && j === a.length - 1) { const v = argv[++i]; if (loadFlags.includes(c)) loads.push(v); break; }
        if (glued.includes(c) || separate.includes(c)) { if (loadFlags.includes(c)) loads.push(a.slice(j + 1)); break; }
      }
    }
    return { inline: 'stdin', stdin: true, loads };
  };
}

/** php -d settings that load code or a library from a path (the include path lists directories). */
const PHP_LOAD_SETTINGS = new Set(['auto_prepend_file', 'auto_append_file', 'extension', 'zend_extension', 'include_path', 'extension_dir']);

function php(argv: readonly Arg[]): InterpreterUse {
  const loads: Arg[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return { loads, unknown: 'php is given an argument only known at run time where an option may be' };
    if (a === '--') return { ...operandOrStdin(argv, i + 1, 'stdin'), loads };
    if (a === '-' || !a.startsWith('-')) return { ...operandOrStdin(argv, i, 'stdin'), loads };
    if (/^-[rRBE]/.test(a) || a === '--run' || a === '--process-code' || a === '--process-begin' || a === '--process-end') return { inline: a.slice(0, 2), loads };
    if (a === '-a' || a === '--interactive') return { inline: '-a', stdin: true, loads };
    if (a === '-f' || a === '--file') return { script: argv[i + 1], loads };
    if (a === '-S' || a === '--server' || a === '-t' || a === '--docroot') return { inline: '-S', loads };
    // -c php.ini (it can set what -d sets), -z a Zend extension, -d name=value.
    const m = /^(-[cdz]|--php-ini|--define|--zend-extension)(?:=(.*))?$/.exec(a) ?? /^(-[cdz])(.+)$/.exec(a);
    if (!m) continue;
    const v = m[2] ?? argv[++i];
    if (typeof v !== 'string') return { loads, unknown: 'php is given a setting only known at run time' };
    if (m[1] === '-c' || m[1] === '--php-ini' || m[1] === '-z' || m[1] === '--zend-extension') { loads.push(v); continue; }
    const eq = v.indexOf('=');
    if (eq < 0 || !PHP_LOAD_SETTINGS.has(v.slice(0, eq).trim())) continue;
    for (const p of v.slice(eq + 1).replace(/^["']|["']$/g, '').split(':')) if (p !== '') loads.push(p);
  }
  return { inline: 'stdin', stdin: true, loads };
}

function lua(argv: readonly Arg[]): InterpreterUse {
  const loads: Arg[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return { loads, unknown: 'lua is given an argument only known at run time where an option may be' };
    if (a === '--') return { ...operandOrStdin(argv, i + 1, 'stdin'), loads };
    if (a === '-' || !a.startsWith('-')) return { ...operandOrStdin(argv, i, 'stdin'), loads };
    if (a.startsWith('-e')) return { inline: '-e', loads };
    if (a === '-i') return { inline: '-i', stdin: true, loads };
    if (a === '-l') loads.push(argv[++i]);
  }
  return { inline: 'stdin', stdin: true, loads };
}

/** awk: inline only when the program can run commands (system(), pipes, |&). */
function awk(argv: readonly Arg[]): InterpreterUse {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (typeof a !== 'string') return { loads: [], unknown: 'awk is given an argument only known at run time where the program may be' };
    if (a === '--') { i++; return program(argv[i]); }
    if (a === '-f' || a === '--file' || a === '-E' || a === '--exec') return { script: argv[i + 1], loads: [] };
    if (/^-[fE]./.test(a)) return { script: a.slice(2), loads: [] };
    if (a === '-e' || a === '--source') return program(argv[i + 1]);
    if (a === '-v' || a === '-F' || a === '-l' || a === '--load' || a === '-i' || a === '--include' || a === '--assign' || a === '--field-separator' || a === '-W') { i++; continue; }
    if (a.startsWith('-') && a !== '-') continue;
    return program(a);
  }
  return NONE;
}

function program(p: Arg): InterpreterUse {
  if (typeof p !== 'string') return { loads: [], unknown: 'the awk program is only known at run time' };
  const code = p.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  if (/\bsystem\s*\(|\|&|\|\s*getline|(^|[^|])\|(?!\|)/.test(code)) return { inline: 'system()', loads: [] };
  return NONE;
}

function simpleE(tool: string, flag: RegExp): (argv: readonly Arg[]) => InterpreterUse {
  return argv => {
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i];
      if (typeof a !== 'string') return { loads: [], unknown: `${tool} is given an argument only known at run time where an option may be` };
      if (flag.test(a)) return { inline: a, loads: [] };
      if (!a.startsWith('-')) return { script: a, loads: [] };
    }
    return { inline: 'stdin', stdin: true, loads: [] };
  };
}

/** How a non-shell interpreter is used. Shells are handled by the shell analysis. */
export function interpreterUse(family: Family, argv: readonly Arg[]): InterpreterUse {
  switch (family) {
    case 'node': return node(argv);
    case 'python': return python(argv);
    case 'perl': return perlish('perl', 'dDiImMx', 'IFmM', 'eE', 'mMI', '0lC')(argv);
    case 'ruby': return perlish('ruby', 'CEFIKrTWx', 'CEFIr', 'e', 'rI', '0l')(argv);
    case 'php': return php(argv);
    case 'lua': return lua(argv);
    case 'awk': return awk(argv);
    case 'tcl': return simpleE('tclsh', /(?!)/)(argv);
    case 'r': return simpleE('Rscript', /^(-e|--expr)/)(argv);
    case 'expect': return simpleE('expect', /^-[ci]/)(argv);
    case 'deno': return argv[1] === 'eval' || argv[1] === 'repl' || argv.length === 1 ? { inline: String(argv[1] ?? 'repl'), stdin: argv[1] !== 'eval', loads: [] } : NONE;
    case 'bun': return argv.some(a => a === '-e' || a === '--eval' || a === '-p' || a === '--print') ? { inline: '-e', loads: [] } : NONE;
    case 'other-shell': return { inline: argv.includes('-c') ? '-c' : 'stdin', stdin: !argv.includes('-c'), loads: [] };
    default: return NONE;
  }
}
