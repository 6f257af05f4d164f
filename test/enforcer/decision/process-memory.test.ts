// A process's memory file named by a command: /proc/<pid>/mem written at an
// offset writes into that process's code (node's from a child, a shell's,
// its own: DDexec). Arguments, redirections, dd's of=, symlinks to it.
import { ELF, fakeSystem, LAMBDA_FILES } from './fake-system';
import { policy, PRELOAD_OPTION as PRELOAD, refused } from './helpers';
import { evaluate } from '../../../lambda-layer/src/decision';
import type { SpawnRequest } from '../../../lambda-layer/src/types';

const system = fakeSystem({
  ...LAMBDA_FILES,
  '/usr/bin/dd': { content: ELF },
  '/usr/bin/ln': { content: ELF },
  '/usr/bin/cp': { content: ELF },
  '/usr/bin/tee': { content: ELF },
  '/usr/bin/printf': { content: ELF },
  '/usr/bin/free': { content: ELF },
  '/proc/meminfo': { content: 'MemTotal: 1 kB\n', mode: 0o100444 },
  '/proc/4242/mem': { content: '', mode: 0o100600 },
  '/proc/4242/task/4243/mem': { content: '', mode: 0o100600 },
  '/proc/self': { link: '4242' },
  '/proc/thread-self': { link: '4242/task/4243' },
  '/dev/null': { content: '', mode: 0o20666 },
  '/dev/mem': { content: '', mode: 0o20640 },
  // Planted before the spawn: a symlink to node's memory, and one to its proc directory.
  '/tmp/m': { link: '/proc/4242/mem' },
  '/tmp/p': { link: '/proc/4242' },
  '/tmp/data.bin': { content: 'x', mode: 0o100644 },
});
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_OPTIONS: PRELOAD, HOME: '/tmp' };

function spawn(args: string[], over: Partial<SpawnRequest> = {}): SpawnRequest {
  return { kind: 'spawn', api: 'spawn', file: args[0], args, cwd: '/var/task', env: ENV, envExplicit: false, ...over };
}
const sh = (line: string, env: Record<string, string> = {}): SpawnRequest => spawn(['/bin/sh', '-c', line], { env: { ...ENV, ...env } });
const BLOCK = policy();
const ALERT = policy({ m: 'a' });

describe("a process's memory file named by a command", () => {
  it.each([
    // The forms that wrote into node's memory from a child (verified with real processes).
    'printf PWN | dd of=/proc/$PPID/mem bs=1 seek=4194304 conv=notrunc',
    'exec 3<>/proc/$PPID/mem; printf PWN | dd bs=1 seek=4194304 conv=notrunc >&3',
    // The shell's own and the command's own memory (DDexec).
    'exec 3>/proc/$$/mem',
    'dd if=/tmp/data.bin of=/proc/self/mem bs=1 seek=4194304',
    'cat /tmp/data.bin > /proc/thread-self/mem',
    'dd bs=1 seek=1 >> /proc/4242/task/4243/mem',
    'dd bs=1 seek=1 &>/proc/4242/mem',
    'dd bs=1 seek=1 >&/proc/4242/mem',
    'exec {fd}<>/proc/4242/mem',
    // A read-only descriptor can be reopened for writing through /dev/fd/N.
    'exec 3</proc/$PPID/mem; dd of=/dev/fd/3 seek=1',
    // However the path gets there: a variable, a cd, '..', a glob, a symlink the line makes.
    'cd /proc/$PPID && dd of=mem seek=1',
    'cd /proc/self; exec 3<>mem',
    'dd of=/proc/self/../4242/mem seek=1',
    'dd of=/proc/*/mem seek=1',
    'dd of=/proc/{1,4242}/mem seek=1',
    'ln -s /proc/$PPID/mem /tmp/x && dd of=/tmp/x seek=1',
    'ln -sf /proc/4242 /tmp/q; dd of=/tmp/q/mem seek=1',
    'cp -s /proc/4242/mem /tmp/y',
    'dd of=/tmp/p/mem seek=1',
    'D=$(echo /proc/$PPID); dd of="$D/mem" seek=1',
    'cd /proc/4242; dd of="$PWD/mem" seek=1',
    // The shell sets $PPID and $PWD itself: the environment's values are not theirs.
    'f=/proc/$PPID/$PWD; dd of=${f%/*}/mem seek=1',
    // Reading another process's memory (its secrets), too.
    'cat /proc/$PPID/mem',
    'dd if=/proc/4242/mem skip=1 count=1',
  ])('%j is refused in every mode', (line) => {
    for (const p of [BLOCK, ALERT]) {
      const d = refused(evaluate(p, sh(line), system));
      expect(d.always).toBe(true);
      expect(d.detail?.rule).toBe('process-memory');
    }
  });

  it.each([
    // A variable from the environment is known: its value decides.
    ['exec 3<>"$F"', { F: '/proc/4242/mem' }],
    ['dd of="$OUT" seek=1', { OUT: '/proc/self/mem' }],
  ])('%j with %j is refused in every mode', (line, env) => {
    const d = refused(evaluate(ALERT, sh(line, env), system));
    expect(d.always).toBe(true);
    expect(d.detail?.rule).toBe('process-memory');
  });

  it.each([
    // Only known at run time: a command's output, read.
    'f=$(printf /proc/%s/mem $PPID); exec 3<>"$f"',
    // A variable's value is known whole or not at all: $PPID makes it unknown.
    'f=/proc/$PPID/mem; exec 3<>"$f"',
    'o=$(echo of=/proc/$PPID/mem); dd $o seek=1',
    'dd "$@" seek=1',
    'read f; dd of="$f" seek=1',
    'x=$(echo /proc/1/mem); ln -s "$x" /tmp/z',
    'exec 3<>/tmp/$(echo m)',
    'dd of=/dev/fd/$(echo 3) seek=1',
    // A false positive, documented: a variable set from a command's output is only known at run time as a whole.
    'out=/tmp/out-$(date +%s).txt; echo x > "$out"',
  ])('%j is refused in BLOCK and reported in ALERT', (line) => {
    const d = refused(evaluate(BLOCK, sh(line), system));
    expect(d.detail?.rule).toBe('process-memory');
    expect(d.always).toBeUndefined();
    expect(refused(evaluate(ALERT, sh(line), system)).always).toBeUndefined();
  });

  it('a direct spawn of dd: of= and a planted symlink', () => {
    for (const args of [['dd', 'of=/proc/4242/mem', 'seek=1'], ['dd', 'of=/tmp/m', 'seek=1'], ['/usr/bin/dd', 'if=/tmp/data.bin', 'of=/proc/thread-self/mem']]) {
      const d = refused(evaluate(ALERT, spawn(args), system));
      expect(d.detail?.rule).toBe('process-memory');
      expect(d.always).toBe(true);
    }
  });

  it.each([
    'dd if=/tmp/data.bin of=/tmp/out.bin bs=1k seek=2 conv=notrunc',
    'cat /proc/meminfo > /tmp/m.txt; grep MemTotal < /proc/meminfo',
    'free --mem > /dev/null 2>&1',
    'echo hi >&2; echo x 2>&1 >/dev/null',
    'exec 2>/dev/null; exec {fd}>/tmp/log; echo x >&$fd',
    'dd of=/tmp/part-$(echo 1).bin',
    'cat /tmp/data.bin | tee /tmp/copy.bin > /dev/null',
    'cat /dev/mem > /dev/null',
    'ln -s /var/task/index.js /tmp/index.js',
    'cp /var/task/index.js /tmp/mem.js',
    'cat <<< "/proc/1/mem"; echo /proc/$$/status',
    'cat /proc/$$/status > /tmp/status.txt',
  ])('%j is allowed', (line) => {
    expect(evaluate(BLOCK, sh(line), system)).toEqual({ allow: true });
  });

  it('a file named by the environment is known: an ordinary one is allowed', () => {
    expect(evaluate(BLOCK, sh('dd of="$OUT" bs=1k; cmd=x; echo done > "$LOG"', { OUT: '/tmp/out.bin', LOG: '/tmp/log.txt' }), system)).toEqual({ allow: true });
  });
});
