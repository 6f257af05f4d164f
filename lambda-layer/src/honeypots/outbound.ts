// Decoys in outbound bytes, per connection: each write is scanned, and the
// last bytes of the previous write are kept so that a value split across
// two writes is still found at their junction.
//
// Two paths. quick() runs on every write outside the enforcer's window (a
// window checks ~180 built-ins, more than scanning a bulk write costs): it
// only probes the scanner's gram table and says "nothing here" or "look
// closer". It calls no method or getter that user code can replace, only
// what this module read when it loaded (inside a window): typed arrays'
// elements, arithmetic, and the captured functions below. chunk() is the
// full scan, in a window, for what quick() could not clear.
/* eslint-disable no-bitwise */ // grams are packed bytes, as in scanner.ts
import type { Decoy } from './decoys';
import { find, type Hit, type Scanner } from './scanner';

/** What a scan found. */
export interface Finding {
  readonly decoy: Decoy;
  readonly encoding: string;
  /** The decoy key id right after `Credential=`: a SigV4 signature or a presigned URL with it. */
  readonly signed: boolean;
}

const CREDENTIAL = 'credential=';
/**
 * Every byte of a connection's first FULL bytes is scanned; after that, of a
 * write longer than EDGE + TAIL only its first EDGE bytes (where a new
 * request's line and headers are) and its last TAIL bytes, so a bulk upload
 * costs little. Shorter writes are always scanned whole.
 */
export const FULL = 1024 * 1024;
export const EDGE = 2048;
export const TAIL = 512;

// Read when the bundle loads, in the window: the originals.
const apply = Reflect.apply;
const weakGet = WeakMap.prototype.get;
const weakSet = WeakMap.prototype.set;
const typedArrayPrototype = Reflect.getPrototypeOf(Uint8Array.prototype) as object;
const lengthOf = Reflect.getOwnPropertyDescriptor(typedArrayPrototype, 'length')!.get!;
const bufferOf = Reflect.getOwnPropertyDescriptor(typedArrayPrototype, 'buffer')!.get!;
const offsetOf = Reflect.getOwnPropertyDescriptor(typedArrayPrototype, 'byteOffset')!.get!;
const Bytes = Uint8Array;
const Words = Int32Array;
/** Below this many bytes a range is probed byte by byte; above, through an aligned Int32Array (one load a probe). */
const WORDS_FROM = 256;

/** A connection's state: the last bytes written (latin1; a character above 0xff as 0) and the count. */
interface Stream { readonly last: Uint8Array; len: number; sent: number }
type ToLatin1 = (bytes: Uint8Array, start: number, end: number) => string;

export class Outbound {
  private readonly streams = new WeakMap<object, Stream>();
  private readonly keep: number;
  private readonly maxLength: number;
  private readonly stride: number;
  private readonly table: Int32Array;
  private readonly filter: Uint8Array;

  constructor(private readonly scanner: Scanner, private readonly decoys: readonly Decoy[], private readonly latin1: ToLatin1) {
    this.keep = scanner.maxLength + CREDENTIAL.length + 8;
    this.maxLength = scanner.maxLength;
    this.stride = scanner.stride;
    this.table = scanner.table;
    this.filter = scanner.filter;
  }

  /**
   * Outside the window: true when no decoy can be in `data` written on
   * `stream` (undefined: a datagram), and the stream's state is then what
   * chunk() would have left; false when chunk() must look (a string, a gram
   * of a pattern found, anything unexpected): nothing is changed then.
   * Never throws. Allocates nothing once the stream has its state.
   */
  quick(stream: object | undefined, data: unknown): boolean {
    try {
      if (!(data instanceof Bytes)) return false;
      const st = stream === undefined ? undefined : apply(weakGet, this.streams, [stream]) as Stream | undefined;
      const n = apply(lengthOf, data, []) as number;
      if (!this.clear(st, data, n)) return false;
      if (stream !== undefined) this.keepEnd(st, stream, data, n);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * quick() for several buffers written at once (writev, a datagram's list,
   * every `step`-th element from `from`): all must be Uint8Arrays and clear;
   * the stream's state changes only if all are.
   */
  quickAll(stream: object | undefined, list: unknown, from: number, step: number): boolean {
    try {
      if (!(list instanceof Array)) return false;
      const st = stream === undefined ? undefined : apply(weakGet, this.streams, [stream]) as Stream | undefined;
      const count = list.length;
      // Each junction's grams reach 3 bytes back: into the kept bytes, or the previous buffer.
      let sent = st === undefined ? 0 : st.sent;
      let previous: Uint8Array | undefined;
      for (let i = from; i < count; i += step) {
        const data: unknown = list[i];
        if (!(data instanceof Bytes)) return false;
        const n = apply(lengthOf, data, []) as number;
        if (previous === undefined ? !this.clear(st, data, n) : !this.clearAfter(previous, data, n, stream === undefined, sent)) return false;
        if (n >= 3) previous = data;
        else if (n > 0) return false; // a tiny buffer in a list: the full path
        sent += n;
      }
      if (stream !== undefined) {
        for (let i = from; i < count; i += step) {
          const st2 = apply(weakGet, this.streams, [stream]) as Stream | undefined;
          this.keepEnd(st2, stream, list[i] as Uint8Array, apply(lengthOf, list[i], []) as number);
        }
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * No probe hits a gram: the junction's (with the bytes kept in `st`),
   * then the scanned ranges' (all of them in a stream's first FULL bytes).
   */
  private clear(st: Stream | undefined, data: Uint8Array, n: number): boolean {
    if (st !== undefined && st.len > 0) {
      const last = st.last;
      const kept = st.len;
      for (let t = 3; t >= 1; t--) {
        if (kept < t || n < 4 - t) continue;
        let g = 0;
        for (let k = 0; k < 4; k++) g |= (k < t ? last[kept - t + k] : data[k - t]) << (k << 3);
        if (find(this.table, this.filter, g) >= 0) return false;
      }
    }
    return this.clearRanges(st === undefined, data, n, st === undefined ? 0 : st.sent);
  }

  /** clear() for a buffer that follows `previous` (at least 3 bytes) in one list; `sent` before it. */
  private clearAfter(previous: Uint8Array, data: Uint8Array, n: number, fresh: boolean, sent: number): boolean {
    const pn = apply(lengthOf, previous, []) as number;
    for (let t = 3; t >= 1; t--) {
      if (n < 4 - t) continue;
      let g = 0;
      for (let k = 0; k < 4; k++) g |= (k < t ? previous[pn - t + k] : data[k - t]) << (k << 3);
      if (find(this.table, this.filter, g) >= 0) return false;
    }
    return this.clearRanges(fresh, data, n, sent);
  }

  private clearRanges(fresh: boolean, data: Uint8Array, n: number, sent: number): boolean {
    if (fresh || sent < FULL || n <= EDGE + TAIL + this.maxLength) return !this.hits(data, 0, n);
    return !this.hits(data, 0, EDGE + this.maxLength) && !this.hits(data, n - TAIL, n);
  }

  /**
   * Does a gram probed every `stride` bytes from `from` hit the table? A
   * pattern wholly inside [from, to) holds one of the probed grams (it is at
   * least stride + 3 long): what scanBytes() would find, this sees.
   */
  private hits(d: Uint8Array, from: number, to: number): boolean {
    const table = this.table;
    const filter = this.filter;
    const step = this.stride;
    if (to - from < WORDS_FROM) {
      for (let p = from; p + 4 <= to; p += step) {
        if (find(table, filter, d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24)) >= 0) return true;
      }
      return false;
    }
    // The grid starts at the first aligned byte, g = from + lead (lead <= 3): a pattern that starts
    // before g is at least 7 long (stride + 3), so it holds g's gram.
    const offset = apply(offsetOf, d, []) as number;
    const lead = (4 - ((offset + from) & 3)) & 3;
    const words = (to - from - lead) >>> 2;
    const view = new Words(apply(bufferOf, d, []) as ArrayBuffer, offset + from + lead, words);
    const w = step >>> 2;
    for (let i = 0; i < words; i += w) if (find(table, filter, view[i]) >= 0) return true;
    return false;
  }

  /** Keeps the last bytes of what was sent on `stream` (its state made at its first write), and counts them. */
  private keepEnd(st: Stream | undefined, stream: object, data: Uint8Array | string, n: number): void {
    const keep = this.keep;
    if (st === undefined) apply(weakSet, this.streams, [stream, st = { last: new Bytes(keep), len: 0, sent: 0 }]);
    const last = st.last;
    const fromData = n < keep ? n : keep;
    const fromOld = st.len < keep - fromData ? st.len : keep - fromData;
    // Move the old bytes that stay to the front (forward: a target is never after its source).
    for (let i = 0; i < fromOld; i++) last[i] = last[st.len - fromOld + i];
    if (typeof data === 'string') {
      for (let i = 0; i < fromData; i++) {
        const ch = data.charCodeAt(n - fromData + i);
        last[fromOld + i] = ch > 0xff ? 0 : ch;
      }
    } else {
      for (let i = 0; i < fromData; i++) last[fromOld + i] = data[n - fromData + i];
    }
    st.len = fromOld + fromData;
    st.sent += n;
  }

  /** Scans one chunk written on `stream` (a handle; undefined for a datagram). In the window. */
  chunk(stream: object | undefined, data: Uint8Array | string): Finding | undefined {
    const s = this.scanner;
    const n = data.length;
    const isString = typeof data === 'string';
    const st = stream === undefined ? undefined : this.streams.get(stream);
    let tail = '';
    if (st !== undefined) for (let i = 0; i < st.len; i++) tail += String.fromCharCode(st.last[i]);
    let finding: Finding | undefined;
    if (tail !== '') {
      // The junction: a value that starts in the previous write and ends in
      // this one holds the gram that starts at max(its start, j - 3), j being
      // the junction; so the three grams across it are probed, and verified
      // against the previous write's end and this write's start. (A value
      // wholly in this write is the scan's below.)
      const head = isString ? data.slice(0, s.maxLength - 1) : this.latin1(data, 0, Math.min(n, s.maxLength - 1));
      const joint = tail + head;
      const hit = s.scanString(joint, 1, Math.max(0, tail.length - 3), tail.length);
      if (hit !== undefined) finding = this.finding(hit, joint.slice(Math.max(0, hit.at - CREDENTIAL.length), hit.at));
    }
    if (finding === undefined) {
      let hit: Hit | undefined;
      if (isString) hit = s.scanString(data);
      else if (st === undefined || st.sent < FULL || n <= EDGE + TAIL + s.maxLength) hit = s.scanBytes(data);
      else hit = s.scanBytes(data, 0, EDGE + s.maxLength) ?? s.scanBytes(data, n - TAIL, n);
      if (hit !== undefined) {
        const at = hit.at;
        const start = Math.max(0, at - CREDENTIAL.length);
        let before = isString ? data.slice(start, at) : this.latin1(data, start, at);
        if (before.length < CREDENTIAL.length) before = (tail + before).slice(-CREDENTIAL.length);
        finding = this.finding(hit, before);
      }
    }
    if (stream !== undefined) this.keepEnd(st, stream, data, n);
    return finding;
  }

  private finding(hit: Hit, before: string): Finding {
    const decoy = this.decoys[hit.pattern.decoy];
    const signed = decoy.keyId && (hit.pattern.encoding === 'plain' || hit.pattern.encoding === 'url')
      && before.toLowerCase().endsWith(CREDENTIAL);
    return { decoy, encoding: hit.pattern.encoding, signed };
  }
}
