// The mount table (decision/mounts.ts): which places are scratch space, and
// on which mounts nothing can change a file (a cached decision about a file
// there is never re-checked, cache.ts). Anything unsure must count as
// changeable: a false "immutable" would let a replaced binary run on a
// cached allow.
import { MountTable, parseMountinfo } from '../../../lambda-layer/src/decision/mounts';

function table(...lines: string[]): MountTable {
  return new MountTable(parseMountinfo(lines.join('\n')));
}

// Lambda's layout as the local harness makes it: the root remounted
// read-only, the code and a layer bound read-only from it, /tmp a tmpfs.
const LAMBDA = [
  '27 1 254:0 / / ro,relatime - ext4 /dev/vda rw',
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw',
  '40 27 254:0 /build/fn /var/task ro,relatime - ext4 /dev/vda rw',
  '41 27 254:0 /build/layer /opt ro,relatime - ext4 /dev/vda rw',
  '42 27 0:50 / /tmp rw,relatime - tmpfs tmpfs rw,size=524288k',
];

test('scratch places are the rw tmpfs-like mounts but the root, unescaped', () => {
  const t = table(
    '27 1 254:0 / / rw,relatime - tmpfs rootfs rw',
    '25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw',
    '28 27 0:25 / /mnt/ro ro,nosuid - tmpfs x ro',
    '29 27 0:26 / /mnt/with\\040space rw - ramfs x rw',
    '30 27 254:1 / /var/task rw - ext4 /dev/vdb rw',
  );
  expect(t.scratch).toEqual(['/dev/shm', '/mnt/with space']);
});

test.each([
  ['/var/task/index.js', true],
  ['/opt/bin/tool', true],
  ['/usr/bin/true', true],
  ['/', true],
  ['/tmp/x', false],
  ['/dev/shm/x', false],
  ['/proc/self/exe', false],
])('Lambda layout: %s immutable: %s', (p, expected) => {
  expect(table(...LAMBDA).isImmutable(p)).toBe(expected);
});

test('a read-only bind mount of a filesystem that is also mounted rw is not immutable (the rw mount writes it)', () => {
  const t = table(
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '40 27 254:0 /build/fn /var/task ro,relatime - ext4 /dev/vda rw',
  );
  expect(t.isImmutable('/var/task/index.js')).toBe(false);
  expect(t.isImmutable('/usr/bin/true')).toBe(false);
});

test('a read-only filesystem of its own is immutable under a rw root; the root is not', () => {
  const t = table(
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '40 27 7:3 / /opt ro,relatime - squashfs /dev/loop3 ro',
  );
  expect(t.isImmutable('/opt/x')).toBe(true);
  expect(t.isImmutable('/optx')).toBe(false);
  expect(t.isImmutable('/usr/bin/true')).toBe(false);
});

test('the superblock option counts as well as the mount option', () => {
  expect(table('27 1 7:3 / / rw,relatime - squashfs /dev/loop3 ro').isImmutable('/x')).toBe(true);
});

test('a rw mount listed later above a read-only one may hide it: not immutable', () => {
  const t = table(
    '27 1 254:0 / / ro - ext4 /dev/vda ro',
    '40 27 7:3 / /a/b ro - squashfs /dev/loop3 ro',
    '41 27 0:60 / /a rw - tmpfs tmpfs rw',
  );
  expect(t.isImmutable('/a/b/x')).toBe(false);
});

test('a mount stacked on the same point: the last listed is the one in use', () => {
  const over = table(
    '27 1 254:0 / / ro - ext4 /dev/vda ro',
    '40 27 7:3 / /opt ro - squashfs /dev/loop3 ro',
    '41 27 0:61 / /opt rw - ext4 /dev/vdc rw',
  );
  expect(over.isImmutable('/opt/x')).toBe(false);
  const under = table(
    '27 1 254:0 / / ro - ext4 /dev/vda ro',
    '41 27 0:61 / /opt rw - ext4 /dev/vdc rw',
    '40 27 7:3 / /opt ro - squashfs /dev/loop3 ro',
  );
  expect(under.isImmutable('/opt/x')).toBe(true);
});

test.each([
  ['lower directories on read-only mounts', 'ro,lowerdir=/layers/b:/layers/a', true],
  ['lower directories given one by one', 'ro,lowerdir+=/layers/b,lowerdir+=/layers/a', true],
  ['an upper directory', 'ro,lowerdir=/layers/a,upperdir=/scratch/u,workdir=/scratch/w', false],
  ['a lower directory on a rw mount', 'ro,lowerdir=/layers/a:/scratch/l', false],
  ['an escaped lower directory', 'ro,lowerdir=/layers/a\\:b', false],
  ['a data-only layer', 'ro,lowerdir=/layers/a,datadir+=/layers/d', false],
  ['no lower directory it can read', 'ro', false],
])('an overlay with %s: immutable %s', (_name, options, expected) => {
  const t = table(
    '27 1 254:0 / / ro - ext4 /dev/vda rw',
    '30 27 0:70 / /scratch rw - tmpfs tmpfs rw',
    `41 27 0:71 / /opt ro,relatime - overlay overlay ${options}`,
  );
  expect(t.isImmutable('/opt/nano-enforcer/preload.js')).toBe(expected);
});

test.each([
  ['nfs4', '50 27 0:79 / /mnt/f ro,relatime - nfs4 127.0.0.1:/ ro,vers=4.1'],
  ['fuse', '50 27 0:80 / /mnt/f ro - fuse.sshfs host:/ ro'],
  ['9p', '50 27 0:81 / /mnt/f ro - 9p share ro'],
  ['unknown', '50 27 0:82 / /mnt/f ro - somefs x ro'],
])('a read-only mount of type %s is not immutable: its content can change from elsewhere', (_type, line) => {
  const t = table('27 1 254:0 / / ro - ext4 /dev/vda ro', line);
  expect(t.isImmutable('/mnt/f/tool')).toBe(false);
  expect(t.isImmutable('/usr/bin/true')).toBe(true);
});

test('a mount table that could not be read makes nothing immutable', () => {
  expect(table('').isImmutable('/usr/bin/true')).toBe(false);
  expect(table('garbage').isImmutable('/')).toBe(false);
});
