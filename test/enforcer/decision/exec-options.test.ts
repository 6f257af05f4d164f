// Tools that run commands given in their options or their program text:
// GNU sed's e command and s///e, tar's -I, --to-command,
// --checkpoint-action=exec= and -F, split --filter, sort
// --compress-program, make's makefiles, run-parts.
import { ELF, fakeSystem, LAMBDA_FILES } from './fake-system';
import { policy, PRELOAD_OPTION as PRELOAD, refused } from './helpers';
import { evaluate } from '../../../lambda-layer/src/decision';
import { sedExecs } from '../../../lambda-layer/src/decision/sed';
import type { SpawnRequest } from '../../../lambda-layer/src/types';

const system = fakeSystem({
  ...LAMBDA_FILES,
  '/usr/bin/sed': { content: ELF },
  '/usr/bin/find': { content: ELF },
  '/usr/bin/tar': { content: ELF },
  '/usr/bin/gzip': { content: ELF },
  '/usr/bin/split': { content: ELF },
  '/usr/bin/sort': { content: ELF },
  '/usr/bin/make': { content: ELF },
  '/usr/bin/run-parts': { content: ELF },
  '/usr/bin/setpriv': { content: ELF },
  '/usr/bin/prlimit': { content: ELF },
  '/usr/bin/setarch': { content: ELF },
  '/usr/bin/x86_64': { link: 'setarch' },
  '/usr/bin/runcon': { content: ELF },
  '/usr/bin/sg': { content: ELF },
  '/usr/bin/uclampset': { content: ELF },
  '/usr/sbin/start-stop-daemon': { content: ELF },
  '/usr/sbin/capsh': { content: ELF },
  // A wrapper written as a shell script, as Debian ships it.
  '/usr/bin/valgrind': { content: '#!/bin/sh -e\nexec /usr/bin/valgrind.bin "$@"\n' },
  '/var/task/fix.sed': { content: 's/a/b/\n', mode: 0o100644 },
  '/var/task/Makefile': { content: 'all:\n\techo hi\n', mode: 0o100644 },
  '/tmp/gzip': { content: ELF },
  '/tmp/evil.sed': { content: 'e /tmp/evil\n', mode: 0o100644 },
  '/tmp/Makefile': { content: 'all:\n\t/tmp/evil\n', mode: 0o100644 },
});
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin', NODE_OPTIONS: PRELOAD, HOME: '/tmp' };
const DRIFT = policy();

function spawn(args: string[], over: Partial<SpawnRequest> = {}): SpawnRequest {
  return { kind: 'spawn', api: 'spawn', file: args[0], args, cwd: '/var/task', env: ENV, envExplicit: false, ...over };
}
const sh = (line: string): SpawnRequest => spawn(['/bin/sh', '-c', line]);

describe('sed scripts: the commands they run', () => {
  it.each([
    ['s/a/b/g', []],
    ['1e /usr/bin/ls -l', ['/usr/bin/ls -l']],
    ['/x/{s/a/b/;p};$e date\np', ['date']],
    ['s|/usr|/opt|g;y/abc/xyz/', []],
    ['1i\\\nhello e x\n2a text with e /tmp/evil', []],
    ['s/a/b/w /dev/stdout\ne ls', ['ls']],
    ['\\,x,d;1,+2p;0~3{=}', []],
    ['# e /tmp/evil\n/^$/d', []],
  ])('%j runs %j', (script, commands) => {
    expect(sedExecs(script)).toEqual({ ok: true, commands });
  });

  it.each([
    ['e', /pattern space/],
    ['1e', /pattern space/],
    ['s/.*/id/e', /s\/\/\/e/],
    ['s/x/y/ge', /s\/\/\/e/],
    ['s/unterminated', /does not end/],
    ['1k', /does not know \(k\)/],
  ])('%j cannot be known', (script, why) => {
    const r = sedExecs(script);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toMatch(why);
  });
});

describe('tools that run commands given in their options (drift prevention)', () => {
  it.each([
    ['sed with ordinary scripts', spawn(['sed', '-n', '-e', '1p', '-e', 's/a/b/g', 'f'])],
    ['sed -i with a script operand', spawn(['sed', '-i', 's/a/b/', 'f'])],
    ['sed --in-place (its value only glued) with a script operand', spawn(['sed', '--in-place', 's/a/b/', 'f'])],
    ['sed running a trusted command with e', spawn(['sed', '1e ls', 'f'])],
    ['sed -f of a script file of the function', spawn(['sed', '-f', '/var/task/fix.sed', 'f'])],
    ['sed --sandbox, whatever the script', spawn(['sed', '--sandbox', 'e /tmp/evil', 'f'])],
    ['find with words only known at run time (a start path, a -name value)', sh('find "$DIR" -name "$PAT" -type f -exec ls -l {} +')],
    ["operands only known at run time after '--'", sh('sed -i -e s/a/b/ -- "$F"; tar -cf /tmp/x.tar -- "$F"; sort -- "$F"')],
    ['tar -czf, its gzip trusted', spawn(['tar', '-czf', '/tmp/x.tgz', '-C', '/var/task', '.'])],
    ['tar in the old style (xzf)', spawn(['tar', 'xzf', '/tmp/x.tgz', '-C', '/tmp'])],
    ['tar with a checkpoint action that runs nothing', spawn(['tar', '-cf', '/dev/null', '--checkpoint=10', '--checkpoint-action=dot', '.'])],
    ['tar -I of a trusted compressor with options', spawn(['tar', '-I', 'gzip -9', '-cf', '/tmp/x.tgz', '.'])],
    ['split by lines', spawn(['split', '-l', '100', 'f', '/tmp/part-'])],
    ['split --filter of a trusted pipeline', spawn(['split', '--filter=gzip > $FILE.gz', 'f'])],
    ['sort with keys', spawn(['sort', '-t,', '-k', '2', 'f'])],
    ['sort --compress-program of a trusted program', spawn(['sort', '--compress-program=gzip', 'f'])],
    ["make with the function's Makefile", spawn(['make', '-C', '/var/task', 'all'])],
  ])('allows %s', (_name, req) => {
    expect(evaluate(DRIFT, req, system)).toEqual({ allow: true });
  });

  it.each([
    ["a /tmp binary run by sed's e command", spawn(['sed', '1e /tmp/evil', '/etc/hostname']), 'writable-location'],
    ["a /tmp binary run by sed's e command, inside a shell line", sh("sed -n '$e /tmp/evil' f"), 'writable-location'],
    ['sed -f of a script in /tmp', spawn(['sed', '-f', '/tmp/evil.sed', 'f']), 'writable-location'],
    ['tar --checkpoint-action=exec= of a /tmp binary', spawn(['tar', '-cf', '/dev/null', '--checkpoint=1', '--checkpoint-action=exec=/tmp/evil', '.']), 'writable-location'],
    ['tar -I of a /tmp binary', spawn(['tar', '-I', '/tmp/evil', '-cf', '/tmp/x.tar', '.']), 'writable-location'],
    ['tar --use-comp (an abbreviation) of a /tmp binary', spawn(['tar', '--use-comp=/tmp/evil', '-cf', '/tmp/x.tar', '.']), 'writable-location'],
    ['tar in the old style with I (cIf)', spawn(['tar', 'cIf', '/tmp/evil', '/tmp/x.tar', '.']), 'writable-location'],
    ['tar --to-command of a /tmp script', spawn(['tar', '-xf', '/tmp/x.tar', '--to-command=sh /tmp/evil.sh']), 'writable-location'],
    ['tar -F (info script) in /tmp', spawn(['tar', '-F', '/tmp/evil', '-cf', '/tmp/x.tar', '.']), 'writable-location'],
    ["tar -z when the child's PATH finds a gzip in /tmp first (tar runs gzip by name)", spawn(['tar', '-czf', '/tmp/x.tgz', '.'], { env: { ...ENV, PATH: '/tmp:/usr/bin' } }), 'writable-location'],
    ["tar -xf of an archive it may find compressed, when the child's PATH finds a gzip in /tmp first", spawn(['tar', '-xf', '/tmp/x.tgz'], { env: { ...ENV, PATH: '/tmp:/usr/bin' } }), 'writable-location'],
    ['find with a word only known at run time before a /tmp binary (it may be -exec)', sh('X=-exec; find . "$X" /tmp/evil ";"'), 'writable-location'],
    ['split --filter of a /tmp binary', spawn(['split', '--filter=/tmp/evil', 'f']), 'writable-location'],
    ['split --filter run by a $SHELL in /tmp', spawn(['split', '--filter=gzip', 'f'], { env: { ...ENV, SHELL: '/tmp/evil' } }), 'writable-location'],
    ['sort --compress-program of a /tmp binary', spawn(['sort', '--compress-program=/tmp/evil', 'f']), 'writable-location'],
    ['make in /tmp (its Makefile there)', spawn(['make'], { cwd: '/tmp' }), 'writable-location'],
    ['make -f of a /tmp makefile', spawn(['make', '-f', '/tmp/Makefile']), 'writable-location'],
    ['make with SHELL=/tmp/evil', spawn(['make', '-C', '/var/task', 'SHELL=/tmp/evil']), 'writable-location'],
  ])('refuses %s', (_name, req, rule) => {
    const d = refused(evaluate(DRIFT, req, system));
    expect(d).toMatchObject({ control: 'process', detail: { rule } });
  });

  it.each([
    ["sed's s///e (it runs the pattern space)", spawn(['sed', 's/.*/id/e', 'f'])],
    ["sed's e alone", spawn(['sed', '-n', 'e', 'f'])],
    ['sed with a script only known at run time', sh('sed "s/x/$Y/" f')],
    ['sed with an operand only known at run time (it may be --expression=...)', sh('sed -n -e p "$F"')],
    ['tar with an operand only known at run time (it may be --to-command=...)', sh('tar -xf a.tar "$F"')],
    ['sed -f - (its script from stdin)', spawn(['sed', '-f', '-', 'f'])],
    ['make --eval', spawn(['make', '--eval=x:;ls', 'x'])],
    ['run-parts', spawn(['run-parts', '/var/task'])],
  ])('refuses %s in every mode, as a command that cannot be known', (_name, req) => {
    for (const p of [DRIFT, policy({ m: 'a' })]) {
      const d = refused(evaluate(p, req, system));
      expect(d).toMatchObject({ always: true, detail: { rule: 'dynamic-command' } });
    }
  });

  it('under a strict allowlist, the compressor tar runs must be listed too', () => {
    const req = spawn(['tar', '-czf', '/tmp/x.tgz', '.']);
    expect(refused(evaluate(policy({ a: ['tar'] }), req, system))).toMatchObject({ detail: { rule: 'allowlist', file: 'gzip' } });
    expect(evaluate(policy({ a: ['tar', 'gzip'] }), req, system)).toEqual({ allow: true });
    expect(evaluate(policy({ a: ['tar'] }), spawn(['tar', '-cf', '/tmp/x.tar', '.']), system)).toEqual({ allow: true });
    // The decompressor tar may pick when it reads an archive is checked for where it resolves, not against the allowlist.
    expect(evaluate(policy({ a: ['tar'] }), spawn(['tar', '-xf', '/tmp/x.tgz']), system)).toEqual({ allow: true });
  });
});

describe('tools that run the command they are given (privileges, limits, personality)', () => {
  it.each([
    ['setpriv', ['setpriv', '--nnp', '--reset-env', 'ls']],
    ['prlimit with resource limits', ['prlimit', '--nofile=1024', '-c0', 'ls', '-l']],
    ['prlimit of another process (runs nothing)', ['prlimit', '-p', '1', '--nofile']],
    ['setarch with an architecture and flags', ['setarch', 'x86_64', '-R', 'ls']],
    ['a personality name of setarch', ['x86_64', '-R', 'ls']],
    ['runcon with a context', ['runcon', 'system_u:system_r:x_t', 'ls']],
    ['sg with a command', ['sg', 'users', '-c', 'ls -l']],
    ['start-stop-daemon --start --exec', ['start-stop-daemon', '--start', '--exec', '/usr/bin/ls', '--', '-l']],
    ['capsh --print (runs nothing)', ['capsh', '--print']],
    ['capsh -- (its bash) with a command', ['capsh', '--drop=cap_net_raw', '--', '-c', 'ls']],
    ['valgrind (a shell script wrapper)', ['valgrind', '-q', '--tool=memcheck', 'ls']],
    ['uclampset', ['uclampset', '-m', '0', 'ls']],
  ])('allows %s of a trusted command', (_name, args) => {
    expect(evaluate(DRIFT, spawn(args), system)).toEqual({ allow: true });
  });

  it.each([
    ['setpriv', ['setpriv', '--nnp', '/tmp/evil']],
    ['prlimit', ['prlimit', '--nofile=1024', '/tmp/evil']],
    ['setarch', ['setarch', 'x86_64', '/tmp/evil']],
    ['setarch without an architecture', ['setarch', '-R', '/tmp/evil']],
    ['a personality name of setarch', ['x86_64', '/tmp/evil']],
    ['runcon', ['runcon', '-t', 'x_t', '/tmp/evil']],
    ['sg', ['sg', 'users', '-c', '/tmp/evil']],
    ['start-stop-daemon --exec', ['start-stop-daemon', '--start', '--exec', '/tmp/evil']],
    ['start-stop-daemon --startas', ['start-stop-daemon', '-S', '-x', '/usr/bin/ls', '-a', '/tmp/evil']],
    ['capsh --', ['capsh', '--', '-c', '/tmp/evil']],
    ['capsh --shell=', ['capsh', '--shell=/tmp/evil', '--']],
    ['valgrind, a shell script', ['valgrind', '-q', '/tmp/evil']],
    ['uclampset', ['uclampset', '-M', '512', '/tmp/evil']],
  ])('refuses a /tmp binary behind %s', (_name, args) => {
    expect(refused(evaluate(DRIFT, spawn(args), system))).toMatchObject({ control: 'process', detail: { rule: 'writable-location' } });
  });
});
