// Bundles the enforcer into assets/layer/nano-enforcer/, the layer's content
// (mounted at /opt/nano-enforcer on Lambda).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, 'assets', 'layer', 'nano-enforcer');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

// Three bundles: the preload (thin wrappers only, loaded at start; every byte
// of it is cold start), the engine (what the wrappers do once they have
// something to decide) and the decision; the preload reads the engine, and
// the engine the decision, lazily by a path computed at run time, so esbuild
// never inlines them.
const common = {
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // nodejs20.x is the oldest runtime we support.
  target: 'node20',
  // Every byte is cold start (V8 scans the preload's at start, ~150
  // instructions a byte, and the others' when they first load), so fully
  // minified; but in lines of at most ~200 characters: Node prints the
  // source line of an uncaught error thrown from a hook, and one 8 KB line
  // would flood the log.
  minify: true,
  lineLimit: 200,
  legalComments: 'none',
  logLevel: 'warning',
};

// The honeypots' probe loop in WebAssembly (src/honeypots/probe.wat),
// assembled here; honeypots.js carries the module's bytes as base64.
const wat = join(root, 'lambda-layer', 'src', 'honeypots', 'probe.wat');
const probeWasm = Buffer.from((await wabt()).parseWat(wat, readFileSync(wat, 'utf8')).toBinary({}).buffer).toString('base64');

await build({
  ...common,
  define: { NANO_PROBE_WASM: JSON.stringify(probeWasm) },
  entryPoints: {
    engine: join(root, 'lambda-layer', 'src', 'engine.ts'),
    decision: join(root, 'lambda-layer', 'src', 'decision', 'index.ts'),
    // Loaded by the engine at start only when the policy names decoys.
    honeypots: join(root, 'lambda-layer', 'src', 'honeypots', 'index.ts'),
  },
});

// The preload's second half (src/late.ts) and the window the engine runs in
// (src/intrinsics.ts), loaded when a call first has something to decide. They
// run outside the window, when user code may have replaced any global, and are
// compiled by the preload with `new Function('module', source)`: they must
// name no global (nor require, __dirname), only what the preload hands them.
// Each global is defined as a marker here; a marker in the output fails the build.
const MARK = '__nano_global_';
const forbidden = [...Object.getOwnPropertyNames(globalThis).filter((g) => /^[A-Za-z_$][\w$]*$/.test(g) && !['undefined', 'NaN', 'Infinity'].includes(g)),
  'globalThis', 'require', 'exports', '__dirname', '__filename'];
await build({
  ...common,
  entryPoints: {
    late: join(root, 'lambda-layer', 'src', 'late.ts'),
    window: join(root, 'lambda-layer', 'src', 'window.ts'),
  },
  define: Object.fromEntries(forbidden.map((g) => [g, `${MARK}${g}`])),
});
for (const f of ['late.js', 'window.js']) {
  const named = new Set([...readFileSync(join(outdir, f), 'utf8').matchAll(new RegExp(`${MARK}([\\w$]+)`, 'g'))].map((m) => m[1]));
  if (named.size > 0) throw new Error(`${f} names the global(s) ${[...named].join(', ')}: take them from what the preload hands it (Core in late-api.ts, WindowHost in intrinsics.ts), read at start`);
}

// The preload captures, before user code, every built-in method these bundles
// call, and restores them while they run (src/intrinsics.ts): the names
// named after a dot in their code (calls, and reads such as esbuild's
// `Object.defineProperty`), on the holders intrinsics.ts lists (same order).
// The holders and their names, from intrinsics.ts itself (the same list, in the same order, as the preload's).
const intrinsics = await build({
  entryPoints: [join(root, 'lambda-layer', 'src', 'intrinsics.ts')],
  bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning', define: { NANO_GUARD: '[]' },
});
const { holderList, HOLDER_NAMES } = await import(`data:text/javascript;base64,${Buffer.from(intrinsics.outputFiles[0].text).toString('base64')}`);
// Without the last holder, the fs binding: its keys are intrinsics.ts's FS_KEYS.
const holders = holderList(undefined).slice(0, -1);
const holderNames = HOLDER_NAMES.split(' ');
const called = new Set();
let code = '';
for (const f of ['engine.js', 'decision.js', 'honeypots.js']) {
  code += readFileSync(join(outdir, f), 'utf8');
}
for (const m of code.matchAll(/\.([A-Za-z_$][\w$]*)/g)) called.add(m[1]);
// A static (Object.freeze, Math.max) only when the code names it so: the
// globals keep their names in minified code.
const statics = Object.fromEntries(Object.entries({
  Object: ['Object'], Array: ['Array'], JSON: ['JSON'], Math: ['Math'], Number: ['Number'], String: ['String'], Reflect: ['Reflect'],
  Promise: ['Promise'], Buffer: ['Buffer'], TypedArray: ['Uint8Array', 'Int32Array'], Symbol: ['Symbol'],
}).map(([holder, globals]) => [holderNames.indexOf(holder), globals]));
const namedOn = (h, name) => statics[h].some((g) => new RegExp(`(^|[^.\\w$])${g}\\.${name.replace(/\$/g, '\\$')}\\b`).test(code));
// What the language calls without a name in the code: iteration (for-of,
// spread, destructuring), RegExp's protocol behind replace/split/match/test,
// conversions to string and number, await and promise resolution.
// Also Buffer's encoders and decoders, which Node's own Buffer.from and
// toString look up on the buffer (this.utf8Write) when the code calls them.
const implicit = ['next', '@@iterator', 'exec', '@@replace', '@@split', '@@match', '@@matchAll', '@@search', 'toString', 'valueOf', 'then', 'join', 'values', 'entries',
  ...['utf8', 'latin1', 'ascii', 'hex', 'base64', 'base64url', 'ucs2'].flatMap((e) => [`${e}Write`, `${e}Slice`]), 'copy', 'fill'];
// Getters too (a '^' before the key): \`bytes.length\` on a Uint8Array calls
// %TypedArray%.prototype's length getter, which user code can replace like a
// method; RegExp's replace and split read the flags' getters once the
// RegExp.prototype was changed. Only getters without a setter (the window
// puts back a getter alone).
const implicitGetters = ['flags', 'global', 'ignoreCase', 'multiline', 'dotAll', 'unicode', 'unicodeSets', 'sticky', 'hasIndices', 'source'];
const groups = holders.map((h, i) => {
  const keys = [];
  for (const k of Reflect.ownKeys(h)) {
    const name = typeof k === 'symbol' ? `@@${k.description.replace(/^Symbol\./, '')}` : k;
    const d = Object.getOwnPropertyDescriptor(h, k);
    if (typeof d.get === 'function' && d.set === undefined && typeof k === 'string') {
      if (statics[i] ? namedOn(i, name) : called.has(name) || implicitGetters.includes(name)) keys.push(`^${name}`);
      continue;
    }
    if (typeof d.value !== 'function' || name === 'constructor') continue;
    if (statics[i] ? namedOn(i, name) : called.has(name) || implicit.includes(name)) keys.push(name);
  }
  return keys;
});

await build({
  ...common,
  entryPoints: { preload: join(root, 'lambda-layer', 'src', 'preload.ts') },
  define: { NANO_GUARD: JSON.stringify(groups) },
});

// `x instanceof C` calls C[Symbol.hasInstance], which user code can define on
// any constructor, and answer as it likes (Uint8Array's answering false let an
// ELF be written to /tmp through a Buffer path): a buffer is told by
// captured.ts's isBytes, a class of ours by its prototype. Only
// `instanceof Error` is left, to pick an error's message for a report.
for (const f of ['preload.js', 'late.js', 'window.js', 'engine.js', 'decision.js', 'honeypots.js']) {
  const uses = [...readFileSync(join(outdir, f), 'utf8').matchAll(/\binstanceof\s+([\w$]+)/g)].map((m) => m[1]).filter((n) => n !== 'Error');
  if (uses.length > 0) throw new Error(`${f} uses instanceof ${[...new Set(uses)].join(', ')}: user code can answer it (Symbol.hasInstance); use isBytes (captured.ts) or compare prototypes`);
}

// The decoy files (honeypots), at plausible paths in the layer's root (/opt).
const files = await build({
  entryPoints: [join(root, 'lambda-layer', 'src', 'honeypots', 'files.ts')],
  bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning',
});
const { DECOY_FILES } = await import(`data:text/javascript;base64,${Buffer.from(files.outputFiles[0].text).toString('base64')}`);
for (const f of DECOY_FILES) {
  const target = join(root, 'assets', 'layer', f.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, f.content, { mode: 0o644 });
}
