// The honeypots' trip wires (honeypots.js): loaded when the engine starts,
// only when the policy names decoy variables (the preload installed their
// hooks and read the values at process start). See README, Honeypots.
import { isBytes, type Captured } from '../captured';
import type { SpawnRequest } from '../types';
import { collectDecoys, type Decoy } from './decoys';
import { dnsFormsOf, encodingsOf, type ToText } from './encodings';
import { DECOY_FILES } from './files';
import { CLEAN, QUICK_TEXT, QUICK_UDP, QUICK_WRITE, QUICK_WRITEV, REFUSE, REPORTED, type HoneypotHost, type Honeypots, type SpawnCheck } from './host';
import { networkHandler, type NetworkSink } from './network';
import { Outbound, type Finding } from './outbound';
import { Scanner, type Hit } from './scanner';
import { instantiateProbe } from './wasm';

/** probe.wat, assembled by build.mjs: base64 of the module's bytes. */
declare const NANO_PROBE_WASM: string;

const ENVIRON = /^\/proc\/(?:self|thread-self|\d+)(?:\/task\/\d+)?\/environ$/;
const ENVIRON_IN_TEXT = /\/proc\/(?:self|thread-self|\d+|\*)(?:\/task\/\d+)?\/environ/;
/** Paths that may be symlinks or aliases to a decoy: resolved before comparing. */
const ALIASES = /^\/(?:tmp|dev\/shm|proc)\//;
const MIN_DNS_PIECE = 12;

// This bundle's own copy of the primitives the preload captured (from the host).
let c: Captured;

interface Tables {
  readonly scanner: Scanner;
  readonly outbound: Outbound;
  /** The decoys' DNS forms: built at the first lookup of a name long enough to carry one. */
  dnsForms: readonly string[][] | undefined;
}

export function start(host: HoneypotHost): Honeypots {
  c = host.captured;
  // The values as the preload read them at start, before user code could
  // change process.env. Their encodings and the scanner's tables are built
  // on first use, with the Buffer methods captured at load: milliseconds that
  // a function which never sends a byte or starts a process need not pay.
  const decoys = collectDecoys(host.decoyVariables, host.environment);
  /**
   * An internal fault of a trip wire never fails the caller's call, and is
   * never silent: a check that throws (a poisoned built-in, a bug) would
   * otherwise look exactly like a clean one.
   */
  const guarded = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      try {
        host.fault(e instanceof Error ? e.message : String(e));
      } catch {
        // Nowhere to report it; the caller's call still goes on.
      }
      return undefined;
    }
  };
  let built: Tables | undefined;
  const text: ToText = (b, encoding) =>
    c.apply(c.bufToString, c.apply(c.bufferFrom, undefined, [b.buffer, b.byteOffset, b.length]), [encoding]) as string;
  const tables = (): Tables => {
    if (built) return built;
    const wasm = instantiateProbe(c, c.apply(c.bufferFrom, undefined, [NANO_PROBE_WASM, 'base64']) as Uint8Array);
    const scanner = new Scanner(decoys.flatMap((d, i) => encodingsOf(d.value, i, text)), wasm);
    // By its elements: Buffer#toString would clamp to an own \`length\` user code put on the buffer.
    const latin1 = (b: Uint8Array, s: number, e: number): string => {
      let t = '';
      for (let i = s; i < e; i++) t += String.fromCharCode(b[i]);
      return t;
    };
    return (built = { scanner, outbound: new Outbound(scanner, decoys, latin1, c), dnsForms: undefined });
  };
  const dnsForms = (): readonly string[][] => {
    const t = tables();
    return (t.dnsForms ??= decoys.map((d) => dnsFormsOf(d.value, text)));
  };
  const realpath = c.fs.realpathSync;
  const files = new Map<string, string>();
  for (const f of DECOY_FILES) files.set(c.resolve(host.layerRoot, f.path), f.path);
  /**
   * What scanning an environment value found (null: nothing), by value: a
   * child inherits the same environment spawn after spawn, and the scan is a
   * function of the value alone. Bounded; cleared when full.
   */
  const scannedValues = new Map<string, Hit | null>();

  const report = (f: Finding, channel: string, handle: object | undefined): boolean => {
    const detail: Record<string, unknown> = { channel, variable: f.decoy.name, encoding: f.encoding };
    const remote = peer(handle);
    if (remote !== undefined) detail.remote = remote;
    if (f.signed) {
      host.emit(host.block ? 'blocked' : 'detected', `request signed with the decoy access key ${f.decoy.name}`, detail);
      return !host.block;
    }
    host.emit('detected', `decoy ${f.decoy.name} in outbound ${channel} bytes`, detail);
    return true;
  };

  const sink: NetworkSink = {
    stream(handle, channel, data) {
      const f = guarded(() => tables().outbound.chunk(handle, data));
      return f === undefined || report(f, channel, handle);
    },
    datagram(handle, data) {
      const f = guarded(() => tables().outbound.chunk(undefined, data));
      return f === undefined || report(f, 'udp', handle);
    },
    dns(api, name) {
      if (typeof name !== 'string' || name.length < MIN_DNS_PIECE) return;
      const i = guarded(() => dnsMatch(name.toLowerCase(), dnsForms()));
      if (i !== undefined) host.emit('detected', `decoy ${decoys[i].name} in a DNS name`, { channel: 'dns', api, variable: decoys[i].name, hostname: name });
    },
  };

  /** A binding's path argument (a string or bytes) as the kernel opens it (a NUL, a symlink before '..'); undefined for an fd. */
  function pathArg(p: unknown): string | undefined {
    if (typeof p === 'string') return host.kernelPath(p);
    if (isBytes(c, p)) return host.kernelPath(c.apply(c.bufToString, p, ['utf8']) as string);
    return undefined;
  }

  function checkFile(api: string, p: unknown): void {
    if (host.internal()) return;
    let path = pathArg(p);
    if (path === undefined) return;
    if (ALIASES.test(path)) {
      try {
        path = c.apply(realpath, c.fs, [path]) as string;
      } catch {
        return;
      }
    }
    const decoy = files.get(path);
    if (decoy !== undefined) host.emit('detected', `decoy file ${decoy} read`, { channel: 'file', api, path });
    else if (ENVIRON.test(path)) host.emit('detected', 'process environment read from /proc', { channel: 'file', api, path });
  }

  /** A directory copied whole (fs.cpSync without a filter): each decoy file under it is read. */
  function checkTree(api: string, p: unknown): void {
    const from = host.internal() ? undefined : pathArg(p);
    if (from === undefined) return;
    let dir: string;
    try {
      dir = c.apply(realpath, c.fs, [from]) as string;
    } catch {
      return;
    }
    const prefix = dir === '/' ? '/' : `${dir}/`;
    for (const [path, decoy] of files) if (path.startsWith(prefix)) host.emit('detected', `decoy file ${decoy} read`, { channel: 'file', api, path });
  }

  return {
    // A check that faulted lets the process start, but is not CLEAN: the preload does not repeat it.
    spawn: (request) => guarded(() => checkSpawn(request)) ?? REPORTED,
    file(api, args) {
      if (api === 'open' || api === 'openFileHandle') guarded(() => checkFile('open', args[0]));
      else if (api === 'readFileUtf8') guarded(() => checkFile('readFile', args[0]));
      else if (api === 'copyFile' || api === 'cpSyncOverrideFile' || api === 'openAsBlob') guarded(() => checkFile(api, args[0]));
      else if (api === 'loadEnvFile') guarded(() => checkFile(api, args[0] ?? '.env'));
      else if (api === 'cpSyncCopyDir') guarded(() => checkTree(api, args[0]));
    },
    handler: (name) => networkHandler(sink, name, c),
    // Outside the window (see outbound.ts): reads only own properties and calls only Outbound's quick path.
    quick(kind, handle, a) {
      const t = built;
      if (t === undefined) return false;
      if (kind === QUICK_WRITE) return t.outbound.quick(handle as object, a[1]);
      if (kind === QUICK_WRITEV) return t.outbound.quickAll(handle as object, a[1], 0, a[2] === true ? 1 : 2);
      if (kind === QUICK_UDP) return t.outbound.quickAll(undefined, a[1], 0, 1);
      if (kind === QUICK_TEXT) {
        try {
          return t.scanner.clearText(a[0]);
        } catch {
          return false;
        }
      }
      return false;
    },
  };

  function scanValue(scanner: Scanner, v: string): Hit | undefined {
    let hit = scannedValues.get(v);
    if (hit === undefined) {
      hit = scanner.scanString(v) ?? null;
      if (scannedValues.size >= 512) scannedValues.clear();
      scannedValues.set(v, hit);
    }
    return hit ?? undefined;
  }

  function checkSpawn(r: SpawnRequest): SpawnCheck {
    const scanner = tables().scanner;
    const detail = { channel: 'spawn', api: r.api, file: r.file };
    let reported = false;
    const say: HoneypotHost['emit'] = (action, reason, more) => {
      reported = true;
      host.emit(action, reason, more);
    };
    for (const arg of r.args) {
      const hit = arg.length >= scanner.minLength ? scanner.scanString(arg) : undefined;
      if (hit !== undefined) say('detected', `decoy ${decoys[hit.pattern.decoy].name} in a child's arguments`, { ...detail, variable: decoys[hit.pattern.decoy].name, encoding: hit.pattern.encoding });
      for (const [abs, rel] of files) if (arg.includes(abs) || arg.includes(`/${rel}`)) say('detected', `decoy file ${rel} named in a child's arguments`, detail);
      if (ENVIRON_IN_TEXT.test(arg)) say('detected', 'process environment read from /proc by a child', detail);
    }
    let allow = true;
    for (const k of Object.keys(r.env)) {
      const v = r.env[k];
      if (v.length < scanner.minLength) continue;
      const hit = scanValue(scanner, v);
      if (hit === undefined) continue;
      const d: Decoy = decoys[hit.pattern.decoy];
      // A copy of the inherited environment carries each decoy under its own name.
      if (k === d.name && v === d.value) continue;
      const use = d.keyId && v === d.value && /ACCESS_KEY_ID$/.test(k);
      if (use) {
        say(host.block ? 'blocked' : 'detected', `decoy access key ${d.name} handed to a child as ${k}`, { ...detail, variable: d.name, as: k });
        if (host.block) allow = false;
      } else {
        say('detected', `decoy ${d.name} in a child's environment as ${k}`, { ...detail, variable: d.name, as: k, encoding: hit.pattern.encoding });
      }
    }
    return !allow ? REFUSE : reported ? REPORTED : CLEAN;
  }
}

/** Index of the decoy a DNS name carries (whole, or a piece of it as one label), if any. */
function dnsMatch(name: string, forms: readonly string[][]): number | undefined {
  const joined = name.split('.').join('');
  const labels = name.split('.');
  for (let i = 0; i < forms.length; i++) {
    for (const f of forms[i]) {
      if (joined.includes(f)) return i;
      for (const l of labels) if (l.length >= MIN_DNS_PIECE && f.includes(l)) return i;
    }
  }
  return undefined;
}

function peer(handle: object | undefined): string | undefined {
  const get = (handle as { getpeername?: unknown } | undefined)?.getpeername;
  if (typeof get !== 'function') return undefined;
  try {
    const out: { address?: string; port?: number } = {};
    c.apply(get, handle, [out]);
    return out.address === undefined ? undefined : `${out.address}:${out.port}`;
  } catch {
    return undefined;
  }
}
