// One evaluation asks the same questions many times (a name is stat'ed by the
// PATH search, the drift check and the ELF cache): answer each once per
// evaluation. Nothing is remembered across evaluations here; what is (ELF and
// '#!' contents, hashes) is keyed on the file's stat identity.
import type { SystemView } from '../types';

const BASE = Symbol('base');

type Stat = ReturnType<SystemView['stat']>;

export const memoized = (function memoized(s: SystemView): SystemView {
  const real = new Map<string, string | undefined>();
  const stats = new Map<string, Stat>();
  const writable = new Map<string, boolean>();
  const view: SystemView & { [BASE]: SystemView } = {
    realpath: p => {
      if (real.has(p)) return real.get(p);
      const r = s.realpath(p);
      real.set(p, r);
      return r;
    },
    stat: p => {
      if (stats.has(p)) return stats.get(p);
      const r = s.stat(p);
      stats.set(p, r);
      return r;
    },
    readHead: (p, n) => s.readHead(p, n),
    sha256: p => s.sha256(p),
    isWritableLocation: p => {
      let w = writable.get(p);
      if (w === undefined) { w = s.isWritableLocation(p); writable.set(p, w); }
      return w;
    },
    writableBelow: d => s.writableBelow(d),
    startTimeMs: s.startTimeMs,
    preloadPath: s.preloadPath,
    execPath: s.execPath,
    nodeOptions: s.nodeOptions,
    [BASE]: s,
  };
  return view;
});

/** The view a memoized one wraps, for caches that outlive one evaluation. */
export const baseOf = (function baseOf(s: SystemView): SystemView {
  return (s as { [BASE]?: SystemView })[BASE] ?? s;
});
