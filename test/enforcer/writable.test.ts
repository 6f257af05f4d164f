// The preload's prefilter (hooks/writable.ts): which absolute paths go to the
// decision. What it lets by is never decided, so a missed place is a bypass.
import { isWritablePath } from '../../lambda-layer/src/hooks/writable';

describe('the prefilter of file paths', () => {
  test.each([
    ['/tmp', true],
    ['/tmp/x.node', true],
    ['/dev/shm/x', true],
    ['/var/tmp/x', true],
    ['/run/shm/x', true],
    ['/run/user/0/x', true],
    ['/dev/mqueue/q', true],
    ['/run/lock/x', true],
    ['/var/lock/x', true],
    // Names the kernel follows into /proc/self/fd: a /tmp file reopened through them is that file.
    ['/dev/fd/3', true],
    ['/dev/fd', true],
    ['/dev/stdin', true],
    ['/dev/stdout', true],
    ['/dev/stderr', true],
    ['/proc/self/fd/3', true],
    ['/proc/self/cwd/x', true],
    // Neither: the same prefixes without a segment boundary, and read-only places.
    ['/tmpx', false],
    ['/dev/fdx/3', false],
    ['/dev/stdout2', false],
    ['/dev/null', false],
    ['/dev/urandom', false],
    ['/var/task/index.js', false],
    ['/opt/nano-enforcer/preload.js', false],
    ['/', false],
  ])('%s: %s', (path, expected) => {
    expect(isWritablePath(path)).toBe(expected);
  });
});
