// A child writing into a process's memory through /proc/<pid>/mem: node's
// own (the child is node's, $PPID), or the shell's own (DDexec's way to run
// code that no exec starts). Without Yama's ptrace restriction (as on this
// machine) the kernel lets a process of the same user do it; a write at an
// offset lands at that address, read-only mappings included. Each attack
// writes 'PWN' over the ELF header that node (or bash) has mapped; the
// bytes must stay as they were. Real Node 20/22/24, real dd, sh and bash.
import { Batch, CheckResult, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const CHECKS = String.raw`
const cp = require('node:child_process');
// Where node's binary is mapped: its ELF header, which nothing reads once it runs.
const head = parseInt(fs.readFileSync('/proc/self/maps', 'utf8').split('\n').find((l) => l.endsWith(' ' + process.execPath)).split('-')[0], 16);
const header = () => {
  const fd = fs.openSync('/proc/self/mem', 'r');
  const b = Buffer.alloc(4);
  fs.readSync(fd, b, 0, 4, head);
  fs.closeSync(fd);
  return b.toString('latin1');
};
const write = 'bs=1 seek=' + head + ' conv=notrunc';
// The outcome: how the spawn failed, and whether node's header changed.
const node = (run) => {
  const before = header();
  const r = run();
  return { code: r.error && r.error.code, written: header() !== before };
};
const line = (code) => node(() => cp.spawnSync('/bin/sh', ['-c', code], { stdio: ['ignore', 'ignore', 'pipe'] }));
check('dd of=/proc/$PPID/mem', () => line('printf PWN | dd of=/proc/$PPID/mem ' + write));
check("the shell's descriptor: exec 3<>/proc/$PPID/mem", () => line('exec 3<>/proc/$PPID/mem; printf PWN | dd ' + write + ' >&3'));
check('a symlink the line makes', () => line('ln -s /proc/$PPID/mem ' + TMP + '/m && printf PWN | dd of=' + TMP + '/m ' + write));
check("a cd into node's proc directory", () => line('cd /proc/$PPID && printf PWN | dd of=mem ' + write));
check('a read-only descriptor reopened for writing', () => line('exec 3</proc/$PPID/mem; printf PWN | dd of=/dev/fd/3 ' + write));
check('dd spawned directly', () => node(() => cp.spawnSync('dd', ['of=/proc/' + process.pid + '/mem', ...write.split(' ')], { input: 'PWN' })));
check('a symlink planted before the spawn', () => {
  fs.symlinkSync('/proc/' + process.pid + '/mem', TMP + '/planted');
  return node(() => cp.spawnSync('dd', ['of=' + TMP + '/planted', ...write.split(' ')], { input: 'PWN' }));
});
check('a path only known at run time', () => line('f=$(printf /proc/%s/mem $PPID); printf PWN | dd of="$f" ' + write));
// bash writes over its own mapped ELF header through its own memory file, then reads it back.
check("the shell's own memory", () => {
  const out = TMP + '/own';
  const r = cp.spawnSync('bash', ['-c', 'a=$(printf %d 0x$(grep -m1 /bash /proc/$$/maps | cut -d- -f1)); exec 3<>/proc/$$/mem; '
    + 'printf PWN | dd bs=1 seek=$a conv=notrunc >&3 2>/dev/null; dd bs=1 skip=$a count=3 <&3 > ' + out + ' 2>/dev/null']);
  return { code: r.error && r.error.code, written: exists(out) && fs.readFileSync(out, 'latin1') === 'PWN' };
});
// Look-alikes.
const ok = (args, opts = {}) => {
  const r = cp.spawnSync(args[0], args.slice(1), { cwd: TMP, encoding: 'utf8', ...opts });
  return { code: r.error && r.error.code, status: r.status, out: (r.stdout || '').trim() };
};
check('dd into a file in /tmp at an offset', () => {
  const r = ok(['dd', 'if=/dev/zero', 'of=' + TMP + '/zeros', 'bs=1k', 'count=4', 'seek=2', 'conv=notrunc', 'status=none']);
  return { ...r, size: fs.statSync(TMP + '/zeros').size };
});
check("redirections of an ordinary line, and /proc's other files", () => ok(['/bin/sh', '-c',
  'cat /proc/meminfo > meminfo.txt; grep -c MemTotal < meminfo.txt; exec 3>log; echo hi >&3; cat log; echo err >&2; exec 2>/dev/null; cat /proc/$$/status | grep -c ^Pid']));
check('a file named in the environment', () => ok(['/bin/sh', '-c', 'echo x > "$OUT"; cat "$OUT"'], { env: { ...process.env, OUT: TMP + '/out.txt' } }));
check('still running', () => 'yes');
`;

function expectRefused(r: CheckResult, always: boolean): void {
  expect(r.value).toEqual({ code: 'EACCES', written: false });
  expect(r.events).toEqual([expect.objectContaining({
    source: 'nano-enforcer',
    control: 'process',
    action: 'blocked',
    detail: expect.objectContaining({ rule: 'process-memory' }),
  })]);
  expect(r.events[0].reason).toMatch(always ? /names a process's memory file/ : /only known at run time/);
}

describe.each(NODE_VERSIONS)("a process's memory written by a child on Node %s", (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1 } });
  });

  test.each([
    'dd of=/proc/$PPID/mem',
    "the shell's descriptor: exec 3<>/proc/$PPID/mem",
    'a symlink the line makes',
    "a cd into node's proc directory",
    'a read-only descriptor reopened for writing',
    'dd spawned directly',
    'a symlink planted before the spawn',
    "the shell's own memory",
  ])('%s: refused, and the memory stays as it was', (name) => {
    expectRefused(batch.result(name), true);
  });

  test('a path only known at run time: refused in BLOCK, and the memory stays as it was', () => {
    expectRefused(batch.result('a path only known at run time'), false);
  });

  test('look-alike: dd into a file in /tmp at an offset works, with no event', () => {
    const r = batch.result('dd into a file in /tmp at an offset');
    expect(r.value).toEqual({ code: undefined, status: 0, out: '', size: 6144 });
    expect(r.events).toEqual([]);
  });

  test("look-alike: an ordinary line's redirections, /proc's other files and a file named in the environment work, with no event", () => {
    const r = batch.result("redirections of an ordinary line, and /proc's other files");
    expect(r.value).toEqual({ code: undefined, status: 0, out: '1\nhi\n1' });
    expect(r.events).toEqual([]);
    const e = batch.result('a file named in the environment');
    expect(e.value).toEqual({ code: undefined, status: 0, out: 'x' });
    expect(e.events).toEqual([]);
  });

  test('the function kept running', () => {
    expect(batch.result('still running').value).toBe('yes');
    expect(batch.done).toBe(true);
  });
});
