import { ELF, fakeSystem, LAMBDA_FILES } from './fake-system';
import { policy, PRELOAD_OPTION as PRELOAD, refused } from './helpers';
import { evaluate } from '../../../lambda-layer/src/decision';
import type { FileRequest, InspectorRequest, SpawnRequest, WorkerRequest } from '../../../lambda-layer/src/types';

const system = fakeSystem(LAMBDA_FILES);

const DRIFT = policy();
function node(env: Record<string, string>, args = ['node', '/var/task/index.js']): SpawnRequest {
  return { kind: 'spawn', api: 'fork', file: '/usr/local/bin/node', args, cwd: '/var/task', env: { PATH: '/usr/bin', ...env }, envExplicit: true };
}

describe('the environment of a child', () => {
  it('allows a node child whose NODE_OPTIONS keeps the preload', () => {
    expect(evaluate(DRIFT, node({ NODE_OPTIONS: `--enable-source-maps ${PRELOAD}` }), system)).toEqual({ allow: true });
  });

  it('refuses a node child whose NODE_OPTIONS lacks the preload, saying which', () => {
    const d = refused(evaluate(DRIFT, node({ NODE_OPTIONS: '--enable-source-maps' }), system));
    expect(d.reason).toBe('NODE_OPTIONS lacks --require /opt/nano-enforcer/preload.js');
    expect(d.detail?.rule).toBe('node-options');
  });

  it('refuses a node child that has no NODE_OPTIONS at all', () => {
    expect(refused(evaluate(DRIFT, node({}), system)).detail?.rule).toBe('node-options');
  });

  it('recognises node by its real path even under another name', () => {
    const req = { ...node({}), file: '/usr/bin/node', args: ['renamed', '/var/task/index.js'] };
    expect(refused(evaluate(DRIFT, req, system)).detail?.rule).toBe('node-options');
  });

  it.each([
    ['another --require', `${PRELOAD} --require /var/task/other.js`, 'NODE_OPTIONS adds --require /var/task/other.js'],
    ['--import', `${PRELOAD} --import=/var/task/x.mjs`, 'NODE_OPTIONS adds --import /var/task/x.mjs'],
    ['--experimental-loader', `--experimental-loader /tmp/l.mjs ${PRELOAD}`, 'NODE_OPTIONS adds --experimental-loader /tmp/l.mjs'],
    ['the inspector', `${PRELOAD} --inspect`, 'NODE_OPTIONS adds --inspect'],
  ])('refuses a node child whose NODE_OPTIONS adds %s', (_name, value, reason) => {
    expect(refused(evaluate(DRIFT, node({ NODE_OPTIONS: value }), system)).reason).toBe(reason);
  });

  it('lets a child keep a --require this process itself started with (OpenTelemetry, Datadog)', () => {
    const sys = fakeSystem(LAMBDA_FILES, { nodeOptions: '--require /opt/wrapper.js' });
    expect(evaluate(DRIFT, node({ NODE_OPTIONS: `--require /opt/wrapper.js ${PRELOAD}` }), sys)).toEqual({ allow: true });
  });

  it('takes the expected preload path from the SystemView', () => {
    const sys = fakeSystem(LAMBDA_FILES, { preloadPath: '/var/task/index.js' });
    expect(evaluate(DRIFT, node({ NODE_OPTIONS: '--require /var/task/index.js' }), sys)).toEqual({ allow: true });
    expect(refused(evaluate(DRIFT, node({ NODE_OPTIONS: PRELOAD }), sys)).reason).toBe('NODE_OPTIONS lacks --require /var/task/index.js');
  });

  it('checks NODE_OPTIONS for a shell that could start node, and for node inside its line', () => {
    const base = { kind: 'spawn' as const, api: 'exec', file: '/bin/sh', cwd: '/', envExplicit: true };
    expect(refused(evaluate(DRIFT, { ...base, args: ['sh', '-c', 'ls'], env: { PATH: '/usr/bin' } }, system)).detail?.rule).toBe('node-options');
    const d = refused(evaluate(DRIFT, { ...base, args: ['sh', '-c', 'NODE_OPTIONS= node /var/task/index.js'], env: { PATH: '/usr/bin', NODE_OPTIONS: PRELOAD } }, system));
    expect(d.detail).toMatchObject({ rule: 'node-options', command: 'NODE_OPTIONS= node /var/task/index.js' });
  });

  it.each([
    ['NODE_OPTIONS (node reads the first: an unchecked --require)', ['NODE_OPTIONS']],
    ['LD_PRELOAD and PATH', ['LD_PRELOAD', 'PATH']],
  ])('refuses a child whose environment list names %s twice, in ALERT mode too', (_name, names) => {
    const req: SpawnRequest = { ...node({ NODE_OPTIONS: PRELOAD }), api: 'spawnSync', file: '/bin/ls', args: ['ls'], envDuplicates: names };
    for (const p of [DRIFT, policy({ m: 'a' }), policy({ a: ['ls'] })]) {
      const d = refused(evaluate(p, req, system));
      expect(d).toMatchObject({ always: true, control: 'process', detail: { rule: 'duplicate-env', variables: names } });
      expect(d.reason).toBe(`the environment gives ${names.join(', ')} more than once: the child may read a value that was never checked`);
    }
    // The same request without the repeat is allowed: the refusal is about the repeat alone.
    expect(evaluate(DRIFT, { ...req, envDuplicates: undefined }, system)).toEqual({ allow: true });
  });

  it('does not require NODE_OPTIONS of a child that cannot start node (ls)', () => {
    const req: SpawnRequest = { kind: 'spawn', api: 'spawn', file: 'ls', args: ['ls'], cwd: '/', env: { PATH: '/usr/bin' }, envExplicit: true };
    expect(evaluate(DRIFT, req, system)).toEqual({ allow: true });
  });

  it.each([
    ['LD_PRELOAD', { LD_PRELOAD: '/tmp/evil.so' }],
    ['LD_AUDIT', { LD_AUDIT: '/usr/lib/x.so:/dev/shm/a.so' }],
    ['LD_LIBRARY_PATH with an empty entry when cwd is /tmp', { LD_LIBRARY_PATH: '/usr/lib:' }],
    ['GCONV_PATH', { GCONV_PATH: '/tmp' }],
    ['PYTHONPATH', { PYTHONPATH: '/tmp/site' }],
  ])('refuses %s pointing at a writable location', (name, env) => {
    const req: SpawnRequest = { kind: 'spawn', api: 'spawn', file: 'ls', args: ['ls'], cwd: '/tmp', env: { PATH: '/usr/bin', ...env }, envExplicit: true };
    const d = refused(evaluate(DRIFT, req, system));
    expect(d.detail?.rule).toBe('loader-env');
    expect(d.reason.startsWith(name.split(' ')[0])).toBe(true);
  });

  it('allows LD_LIBRARY_PATH under allowedWritablePaths', () => {
    const req: SpawnRequest = { kind: 'spawn', api: 'spawn', file: 'ls', args: ['ls'], cwd: '/', env: { PATH: '/usr/bin', LD_LIBRARY_PATH: '/tmp/tools' }, envExplicit: true };
    expect(evaluate(policy({ w: ['/tmp/tools'] }), req, system)).toEqual({ allow: true });
  });
});

describe('native addons', () => {
  const addon = (path: string) => ({ kind: 'addon' as const, api: 'dlopen', path });
  it('allows an addon shipped with the function', () => {
    expect(evaluate(DRIFT, addon('/var/task/addon.node'), system)).toEqual({ allow: true });
  });
  it('refuses an addon from /tmp with control process', () => {
    const d = refused(evaluate(DRIFT, addon('/tmp/evil.node'), system));
    expect(d).toMatchObject({ control: 'process', detail: { rule: 'writable-location', resolved: '/tmp/evil.node' } });
  });
  it('refuses an addon through an fd link to a memfd', () => {
    expect(refused(evaluate(DRIFT, addon('/proc/self/fd/3'), system)).detail?.rule).toBe('writable-location');
  });
  it('allows a /tmp addon under allowedWritablePaths', () => {
    expect(evaluate(policy({ w: ['/tmp/*.node'] }), addon('/tmp/evil.node'), system)).toEqual({ allow: true });
  });
  it('refuses an addon whose hash is on the deny list', () => {
    const hash = system.sha256('/var/task/addon.node')!;
    expect(refused(evaluate(policy({ d: [`sha256:${hash}`] }), addon('/var/task/addon.node'), system)).detail?.rule).toBe('blocked');
  });
});

describe('WASI preopens (protectTmp)', () => {
  const wasi = (...preopens: string[]) => ({ kind: 'wasi' as const, api: 'WASI', preopens });
  const linked = fakeSystem({ ...LAMBDA_FILES, '/var/task/scratch': { link: '/tmp/scratch' }, '/tmp/scratch/keep': { content: '' } });
  it.each([['/var/task'], ['/var/task', '/opt'], ['/var']])('allows a sandbox given only read-only places: %s', (...dirs) => {
    expect(evaluate(DRIFT, wasi(...dirs), system)).toEqual({ allow: true });
  });
  it.each([
    [['/tmp/work'], 'a WASI instance is given /tmp/work, a writable location, to write in below the /tmp checks'],
    [['/var/task', '/tmp'], 'a WASI instance is given /tmp, a writable location, to write in below the /tmp checks'],
    [['/'], 'a WASI instance is given /, which holds /tmp, a writable location, to write in below the /tmp checks'],
    [['/proc/self'], 'a WASI instance is given /proc/self, a writable location, to write in below the /tmp checks'],
    [['/proc'], 'a WASI instance is given /proc, a writable location, to write in below the /tmp checks'],
  ])('refuses a sandbox given %j', (dirs, reason) => {
    const d = refused(evaluate(DRIFT, wasi(...dirs), system));
    expect(d).toMatchObject({ control: 'tmp', reason, detail: { rule: 'wasi-preopen', api: 'WASI' } });
  });
  it('refuses a read-only-looking directory that links into /tmp, by where it leads', () => {
    const d = refused(evaluate(DRIFT, wasi('/var/task/scratch'), linked));
    expect(d.detail).toMatchObject({ rule: 'wasi-preopen', path: '/var/task/scratch', resolved: '/tmp/scratch' });
  });
  it('refuses a /tmp symlink to a read-only directory (it can be pointed elsewhere before uvwasi opens it)', () => {
    const viaTmp = fakeSystem({ ...LAMBDA_FILES, '/tmp/code': { link: '/var/task' } });
    const d = refused(evaluate(DRIFT, wasi('/tmp/code'), viaTmp));
    expect(d).toMatchObject({ reason: 'a WASI instance is given /tmp/code (/var/task), a writable location, to write in below the /tmp checks', detail: { rule: 'wasi-preopen', resolved: '/var/task' } });
  });
  it('allows a /tmp directory under allowedWritablePaths, but not a directory above it', () => {
    const p = policy({ w: ['/tmp/unpacked/**'] });
    expect(evaluate(p, wasi('/tmp/unpacked/lib'), system)).toEqual({ allow: true });
    expect(refused(evaluate(p, wasi('/tmp'), system)).detail?.rule).toBe('wasi-preopen');
  });
  it('allows anything with protectTmp off, and reports in ALERT mode', () => {
    expect(evaluate(policy({ t: 0 }), wasi('/tmp'), system)).toEqual({ allow: true });
    expect(refused(evaluate(policy({ m: 'a' }), wasi('/tmp'), system)).detail?.rule).toBe('wasi-preopen');
  });
  it('refuses a sandbox whose stdio writes to a /tmp file, unless the file is allowed', () => {
    const r = { kind: 'wasi' as const, api: 'WASI', preopens: [], stdio: ['/tmp/out.bin'] };
    expect(refused(evaluate(DRIFT, r, system))).toMatchObject({ control: 'tmp', detail: { rule: 'wasi-stdio', path: '/tmp/out.bin' } });
    expect(evaluate(policy({ w: ['/tmp/*.bin'] }), r, system)).toEqual({ allow: true });
  });
  it('refuses a preopen with a NUL in every mode', () => {
    expect(refused(evaluate(DRIFT, wasi('/var/task\0/tmp'), system))).toMatchObject({ always: true, detail: { rule: 'nul-byte' } });
  });
});

describe('workers', () => {
  const worker = (over: Partial<WorkerRequest>): WorkerRequest => ({ kind: 'worker', api: 'Worker', filename: '/var/task/worker.js', eval: false, ...over });
  it('allows a worker file shipped with the function, as a path or a file: URL', () => {
    expect(evaluate(DRIFT, worker({}), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, worker({ filename: 'file:///var/task/worker.js' }), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, worker({ filename: 'file://localhost/var/task/worker.js?v=1#top' }), system)).toEqual({ allow: true });
  });
  it('reads a file: string without the URL class: its path, percent-decoded', () => {
    for (const filename of ['file:///tmp/evil.js', 'file:///tmp/ev%69l.js', 'FILE://localhost/tmp/evil.js#x']) {
      expect(refused(evaluate(DRIFT, worker({ filename }), system)).detail?.rule).toBe('writable-location');
    }
    expect(refused(evaluate(DRIFT, worker({ filename: 'file:///tmp/%E0%A4%A' }), system)).detail?.rule).toBe('worker');
  });
  it('refuses eval workers as inline node code unless node may run inline code', () => {
    expect(refused(evaluate(DRIFT, worker({ eval: true, filename: 'require("x")' }), system)).detail?.rule).toBe('inline-code');
    expect(evaluate(policy({ i: ['node'] }), worker({ eval: true, filename: '1' }), system)).toEqual({ allow: true });
  });
  it('refuses a data: URL worker as inline code', () => {
    expect(refused(evaluate(DRIFT, worker({ filename: 'data:text/javascript,1' }), system)).detail?.rule).toBe('inline-code');
  });
  it('refuses a worker script from /tmp', () => {
    expect(refused(evaluate(DRIFT, worker({ filename: '/tmp/evil.js' }), system)).detail?.rule).toBe('writable-location');
  });
  it('refuses a worker whose execArgv requires a /tmp module', () => {
    expect(refused(evaluate(DRIFT, worker({ execArgv: ['--require', '/tmp/evil.js'] }), system)).detail?.rule).toBe('writable-location');
  });
  it('refuses a worker whose execArgv opens the inspector', () => {
    expect(refused(evaluate(DRIFT, worker({ execArgv: ['--inspect=0'] }), system)).detail?.rule).toBe('worker-exec-argv');
  });
  it('does not look at a worker env (it cannot drop a process-wide preload)', () => {
    expect(evaluate(DRIFT, worker({ env: { NODE_OPTIONS: '' } }), system)).toEqual({ allow: true });
  });
});

describe("a process's memory file", () => {
  const procs = fakeSystem({
    ...LAMBDA_FILES,
    '/proc/42/mem': { content: '' },
    '/proc/42/task/43/mem': { content: '' },
    '/proc/42/comm': { content: 'node\n' },
    '/proc/self': { link: '42' },
    '/tmp/m': { link: '/proc/self/mem' },
  });
  const write = (path: string): FileRequest => ({ kind: 'file', api: 'open', path });
  it.each(['/proc/self/mem', '/proc/42/task/43/mem', '/tmp/m'])('refuses writing %s, by where it leads, with protectTmp on or off', (path) => {
    for (const p of [DRIFT, policy({ t: 0 })]) {
      const d = refused(evaluate(p, write(path), procs));
      expect(d).toMatchObject({ control: 'process', detail: { rule: 'process-memory', api: 'open', path } });
    }
  });
  it('allows writing another /proc file', () => {
    expect(evaluate(DRIFT, write('/proc/self/comm'), procs)).toEqual({ allow: true });
  });
});

describe('the inspector', () => {
  const ways: InspectorRequest['api'][] = ['Connection', 'MainThreadConnection', 'open', 'SIGUSR1'];
  it.each(ways)('refuses %s as tamper, whatever the policy allows', (api) => {
    for (const p of [DRIFT, policy({ t: 0, a: ['*'], i: ['node'] })]) {
      const d = refused(evaluate(p, { kind: 'inspector', api }, system));
      expect(d).toMatchObject({ control: 'tamper', detail: { rule: 'inspector', api } });
      expect(d.reason).toMatch(/the inspector lets code read the enforcer's own functions/);
    }
  });
  it('marks only SIGUSR1 as refused in every mode (the preload already took the signal over)', () => {
    const always = ways.map((api) => refused(evaluate(DRIFT, { kind: 'inspector', api }, system)).always === true);
    expect(always).toEqual([false, false, false, true]);
  });
});

describe('V8 flags set at run time', () => {
  const flags = (f: string) => evaluate(DRIFT, { kind: 'v8-flags', flags: f }, system);
  it.each([
    ['--allow-natives-syntax', ['--allow-natives-syntax']],
    ['--allow_natives_syntax', ['--allow_natives_syntax']],
    ['-allow-natives-syntax', ['-allow-natives-syntax']],
    ['--expose-gc   --allow-natives-syntax=true', ['--allow-natives-syntax=true']],
    ['--no-wasm-bounds-checks --nowasm-trap-handler', ['--no-wasm-bounds-checks', '--nowasm-trap-handler']],
    ['--jitless', ['--jitless']],
    // A word that is not a flag, or the value of one that takes none.
    ['allow-natives-syntax', ['allow-natives-syntax']],
    ['--expose-gc 12', ['12']],
    ['--stack-size --allow-natives-syntax', ['--allow-natives-syntax']],
  ])('refuses %j as tamper (%j)', (f, unsafe) => {
    const d = refused(flags(f));
    expect(d).toMatchObject({ control: 'tamper', detail: { rule: 'v8-flags', flags: unsafe } });
    expect(d.always).toBeUndefined();
  });
  it.each(['--expose-gc', '--expose_gc', '--no-expose-gc', '--noexpose-gc', '--trace-gc --trace_gc_verbose', '--max-old-space-size=512',
    '--max-semi-space-size 16', ' --stack-size=2000\t--stack-trace-limit=50 ', ''])('allows %j', (f) => {
    expect(flags(f)).toEqual({ allow: true });
  });
});

describe('file requests (protectTmp)', () => {
  const file = (over: Partial<FileRequest>): FileRequest => ({ kind: 'file', api: 'writeFile', path: '/tmp/x', ...over });
  const bytes = (s: string) => Buffer.from(s, 'latin1');
  it.each([
    ['an ELF header', file({ head: bytes(ELF) }), 'tmp-executable-content'],
    ['a #! script', file({ head: bytes('#!/bin/sh\n') }), 'tmp-executable-content'],
    ['a mode with an execute bit', file({ api: 'open', mode: 0o755 }), 'tmp-executable-mode'],
    ['chmod +x', file({ api: 'chmod', mode: 0o100 }), 'tmp-executable-mode'],
    ['a copy of an ELF file', file({ api: 'copyFile', source: '/usr/bin/ls' }), 'tmp-executable-content'],
    ['a rename of an executable text file', file({ api: 'rename', source: '/var/task/bin/catdoc' }), 'tmp-executable-content'],
    ['an ELF written to /dev/shm', file({ path: '/dev/shm/y', head: bytes(ELF) }), 'tmp-executable-content'],
  ])('refuses %s in a writable location, with control tmp', (_name, req, rule) => {
    const d = refused(evaluate(DRIFT, req, system));
    expect(d.control).toBe('tmp');
    expect(d.detail?.rule).toBe(rule);
  });

  it('allows execute bits on a directory (search permission), and refuses them on the files in it', () => {
    // /tmp/tools is a directory of the fake filesystem (it holds jq).
    expect(evaluate(DRIFT, file({ api: 'chmod', path: '/tmp/tools', mode: 0o755 }), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, file({ api: 'fchmod', path: '/tmp/tools', mode: 0o711 }), system)).toEqual({ allow: true });
    expect(refused(evaluate(DRIFT, file({ api: 'chmod', path: '/tmp/tools/jq', mode: 0o755 }), system)).detail?.rule).toBe('tmp-executable-mode');
    // What does not exist yet is not a directory.
    expect(refused(evaluate(DRIFT, file({ api: 'chmod', path: '/tmp/new', mode: 0o755 }), system)).detail?.rule).toBe('tmp-executable-mode');
  });

  it('allows ordinary data, a data mode and a copy of data', () => {
    expect(evaluate(DRIFT, file({ head: bytes('{"a":1}') }), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, file({ api: 'open', mode: 0o644 }), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, file({ api: 'copyFile', source: '/tmp/data.txt' }), system)).toEqual({ allow: true });
  });

  it('allows executables outside writable locations and under allowedWritablePaths', () => {
    expect(evaluate(DRIFT, file({ path: '/var/task/x', head: bytes(ELF) }), system)).toEqual({ allow: true });
    expect(evaluate(policy({ w: ['/tmp/tools'] }), file({ path: '/tmp/tools/jq2', head: bytes(ELF) }), system)).toEqual({ allow: true });
  });

  it('allows everything when protectTmp is off', () => {
    expect(evaluate(policy({ t: 0 }), file({ head: bytes(ELF), mode: 0o755 }), system)).toEqual({ allow: true });
  });

  it('reports the mode in octal', () => {
    expect(refused(evaluate(DRIFT, file({ api: 'chmod', mode: 0o4755 }), system)).reason).toBe('setting execute permission (mode 0o4755) on /tmp/x, a writable location');
  });
});

describe('a NUL in a string the kernel gets (only a raw binding call passes one)', () => {
  const ls: SpawnRequest = { kind: 'spawn', api: 'spawnSync', file: '/bin/ls', args: ['ls'], cwd: '/var/task', env: { PATH: '/usr/bin' }, envExplicit: true };
  it.each([
    ['the file', { file: '/bin/ls\0/../true' }],
    ['the working directory', { cwd: '/tmp/d\0/../../var/task' }],
    ['an argument', { args: ['ls', 'a\0b'] }],
    ['the environment', { env: { PATH: '/usr/bin', LD_PRELOAD: '/tmp/evil.so\0/../../usr/lib/x.so' } }],
    ['the environment', { env: { 'PATH': '/usr/bin', 'LD_PRELOAD\0': '/tmp/evil.so' } }],
  ])('refuses a spawn when %s holds one, in every mode', (where, over) => {
    for (const p of [DRIFT, policy({ m: 'a' }), policy({ a: ['ls', 'true'] })]) {
      const d = refused(evaluate(p, { ...ls, ...over }, system));
      expect(d).toMatchObject({ always: true, control: 'process', detail: { rule: 'nul-byte' } });
      expect(d.reason).toBe(`${where} holds a NUL character: the kernel would get only what precedes it, which was never checked`);
    }
  });

  it('allows the same spawn without one', () => {
    expect(evaluate(policy({ a: ['ls'] }), ls, system)).toEqual({ allow: true });
  });

  it('refuses a file request whose path or source holds one (control tmp) and an addon path (control process)', () => {
    const base: FileRequest = { kind: 'file', api: 'rename', path: '/tmp/x', source: '/var/task/data.json' };
    expect(refused(evaluate(DRIFT, { ...base, path: '/tmp/x\0/../../usr/lib' }, system))).toMatchObject({ control: 'tmp', detail: { rule: 'nul-byte', path: '/tmp/x\0/../../usr/lib' } });
    expect(refused(evaluate(DRIFT, { ...base, source: '/var/task/a\0' }, system)).reason).toMatch(/^the source path holds a NUL/);
    expect(evaluate(DRIFT, base, system)).toEqual({ allow: true });
    expect(refused(evaluate(DRIFT, { kind: 'addon', api: 'dlopen', path: '/tmp/e.node\0/../../usr/lib/x.node' }, system))).toMatchObject({ control: 'process', detail: { rule: 'nul-byte' } });
  });
});
