// This process's mount table (/proc/self/mountinfo), for two questions:
// which places are writable scratch space (a tmpfs mounted rw), and which
// files cannot change while the process runs (they sit on a read-only mount
// that nothing in this mount namespace can write through). On Lambda the
// whole filesystem but /tmp is read-only; a cached spawn decision about a
// file there needs no stat to stay true (cache.ts).

const TMPFS_LIKE = new Set(['tmpfs', 'ramfs', 'devtmpfs', 'hugetlbfs', 'mqueue']);
/**
 * Filesystems whose content only this kernel changes: local block devices,
 * images and memory. A network or FUSE filesystem (nfs, EFS, cifs, 9p,
 * virtiofs, fuse.*) can change under a read-only mount from elsewhere, and
 * an unknown type may too: neither is ever immutable.
 */
const LOCAL = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'squashfs', 'erofs', 'iso9660', 'udf', 'vfat', 'exfat', 'f2fs',
  'cramfs', 'romfs', 'tmpfs', 'ramfs', 'overlay']);

export interface Mount {
  /** Where it is mounted. */
  readonly point: string;
  /** The filesystem's major:minor; bind mounts of one filesystem share it. */
  readonly dev: string;
  readonly type: string;
  /** Read-only as mounted: the mount's own option or the superblock's. */
  readonly ro: boolean;
  /** rw and tmpfs-like, and not '/': a place for scratch files. */
  readonly scratch: boolean;
  /** overlayfs: its lower directories ([] when they cannot be read safely) and whether it has an upper one. */
  readonly lower: readonly string[];
  readonly upper: boolean;
}

const unescape = (function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
});

/** overlayfs lower directories from its superblock options; [] when any is escaped, or there is a data-only layer. */
function lowerDirs(superOptions: string[]): string[] {
  const out: string[] = [];
  for (const o of superOptions) {
    if (o.startsWith('datadir')) return [];
    const m = /^lowerdir\+?=(.*)$/.exec(o);
    if (!m) continue;
    const v = unescape(m[1]);
    if (v.includes('\\')) return [];
    out.push(...v.split(':'));
  }
  return out;
}

/** Every mount, in the order mountinfo lists them (fields 3 dev, 5 point, 6 options; after ' - ': type, source, superblock options). */
export const parseMountinfo = (function parseMountinfo(mountinfo: string): Mount[] {
  const out: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    const tail = line.slice(sep + 3).split(' ');
    const point = unescape(f[4] ?? '');
    if (!point.startsWith('/')) continue;
    const options = (f[5] ?? '').split(',');
    const superOptions = (tail[2] ?? '').split(',');
    const type = tail[0] ?? '';
    const ro = options.includes('ro') || superOptions.includes('ro');
    out.push({
      point,
      dev: f[2] ?? '',
      type,
      ro,
      scratch: point !== '/' && !ro && TMPFS_LIKE.has(type),
      lower: type === 'overlay' ? lowerDirs(superOptions) : [],
      upper: superOptions.some((o) => o.startsWith('upperdir')),
    });
  }
  return out;
});

export const under = (function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
});

/** The index of the mount a path (absolute, without symlinks) is on: the deepest mount point above it, the last listed of equals. */
const mountIndex = (function mountIndex(mounts: readonly Mount[], p: string): number {
  let best = -1;
  for (let i = 0; i < mounts.length; i++) {
    if (under(p, mounts[i].point) && (best < 0 || mounts[i].point.length >= mounts[best].point.length)) best = i;
  }
  return best;
});

/**
 * For each mount, whether no file under it can change from this mount
 * namespace: it is a local filesystem, read-only; every mount of the same filesystem is too (a
 * rw bind mount of it elsewhere would be a way to write); no rw mount listed
 * after it sits above it (which might hide it); and an overlay has no upper
 * directory and only lower ones that are themselves on such mounts.
 * Anything unsure counts as changeable.
 */
export const immutableMounts = (function immutableMounts(mounts: readonly Mount[]): boolean[] {
  const plain = mounts.map((m, i) => m.ro && LOCAL.has(m.type)
    && mounts.every((o) => o.dev !== m.dev || o.ro)
    && mounts.every((o, j) => j <= i || o.ro || !under(m.point, o.point)));
  return mounts.map((m, i) => {
    if (!plain[i]) return false;
    if (m.type !== 'overlay') return true;
    if (m.upper || m.lower.length === 0) return false;
    return m.lower.every((dir) => {
      const j = mountIndex(mounts, dir);
      return j >= 0 && j !== i && mounts[j].type !== 'overlay' && plain[j];
    });
  });
});

/** The mount table as the system view asks it. */
export class MountTable {
  /** rw tmpfs-like mount points other than '/'. */
  readonly scratch: readonly string[];
  private readonly immutable: boolean[];
  constructor(private readonly mounts: readonly Mount[]) {
    this.scratch = mounts.filter((m) => m.scratch).map((m) => m.point);
    this.immutable = immutableMounts(mounts);
  }

  /** Whether a path (absolute, without symlinks) is on a mount through which nothing can change it. */
  isImmutable(p: string): boolean {
    const i = mountIndex(this.mounts, p);
    return i >= 0 && this.immutable[i];
  }
}
