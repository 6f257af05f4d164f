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
import { copyBytes, type Hit, type Scanner } from './scanner';

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
const typedArrayPrototype = Reflect.getPrototypeOf(Uint8Array.prototype) as Uint8Array;
const lengthOf = Reflect.getOwnPropertyDescriptor(typedArrayPrototype, 'length')!.get!;
const copyWithin = typedArrayPrototype.copyWithin;
const Bytes = Uint8Array;

/** A connection's state: the last bytes written (latin1; a character above 0xff as 0) and the count. */
interface Stream { readonly last: Uint8Array; len: number; sent: number }
type ToLatin1 = (bytes: Uint8Array, start: number, end: number) => string;

export class Outbound {
  private readonly streams = new WeakMap<object, Stream>();
  private readonly keep: number;

  constructor(private readonly scanner: Scanner, private readonly decoys: readonly Decoy[], private readonly latin1: ToLatin1) {
    this.keep = scanner.maxLength + CREDENTIAL.length + 8;
  }

  /**
   * Outside the window: true when no decoy can be in `data` written on
   * `stream` (undefined: a datagram), and the stream's state is then what
   * chunk() would have left; false when chunk() must look (a string, a gram
   * of a pattern found, anything unexpected): nothing is changed then.
   * Never throws.
   */
  quick(stream: object | undefined, data: unknown): boolean {
    return this.quickAll(stream, [data], 0, 1);
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
      // Each junction's grams reach 3 bytes back: into the kept bytes, then into the previous buffer.
      let sent = st === undefined ? 0 : st.sent;
      let before: Uint8Array | undefined = st?.last;
      let beforeLength = st === undefined ? 0 : st.len;
      for (let i = from; i < count; i += step) {
        const data: unknown = list[i];
        if (!(data instanceof Bytes)) return false;
        const n = apply(lengthOf, data, []) as number;
        if (before !== undefined && this.junctionHits(before, beforeLength, data, n)) return false;
        // A datagram, or a stream's first write: scanned whole, as chunk() does.
        const whole = st === undefined || sent < FULL || n <= EDGE + TAIL + this.scanner.maxLength;
        if (whole ? this.hits(data, 0, n) : this.hits(data, 0, EDGE + this.scanner.maxLength) || this.hits(data, n - TAIL, n)) return false;
        // A tiny buffer before another: the next junction would reach two buffers back.
        if (n > 0 && n < 3 && i + step < count) return false;
        if (n > 0) {
          before = data;
          beforeLength = n;
        }
        sent += n;
      }
      if (stream !== undefined) {
        let cur = st;
        for (let i = from; i < count; i += step) cur = this.keepEnd(cur, stream, list[i] as Uint8Array, apply(lengthOf, list[i], []) as number);
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Do the three grams across the junction of before[0..len) and data (as chunk() probes them) hit a pattern? */
  private junctionHits(before: Uint8Array, len: number, data: Uint8Array, n: number): boolean {
    for (let t = 3; t >= 1; t--) {
      if (len < t || n < 4 - t) continue;
      let g = 0;
      for (let k = 0; k < 4; k++) g |= (k < t ? before[len - t + k] : data[k - t]) << (k << 3);
      if (this.scanner.has(g)) return true;
    }
    return false;
  }

  private hits(d: Uint8Array, from: number, to: number): boolean {
    return this.scanner.probe(d, from, to) >= 0;
  }

  /** Keeps the last bytes of what was sent on `stream` (its state made at its first write), and counts them. */
  private keepEnd(st: Stream | undefined, stream: object, data: Uint8Array | string, n: number): Stream {
    const keep = this.keep;
    if (st === undefined) apply(weakSet, this.streams, [stream, st = { last: new Bytes(keep), len: 0, sent: 0 }]);
    const last = st.last;
    const fromData = n < keep ? n : keep;
    const fromOld = st.len < keep - fromData ? st.len : keep - fromData;
    // The old bytes that stay to the front, then the new ones (built-ins the bundle read at load: memmove, no loop to compile).
    if (fromOld > 0) apply(copyWithin, last, [0, st.len - fromOld, st.len]);
    if (typeof data === 'string') keepText(last, fromOld, data, n - fromData, n);
    else copyBytes(last, fromOld, data, n - fromData, fromData);
    st.len = fromOld + fromData;
    st.sent += n;
    return st;
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

/** Characters [from, to) of text into last from `at`, latin1 (a character above 0xff as 0). */
function keepText(last: Uint8Array, at: number, text: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const ch = text.charCodeAt(i);
    last[at + i - from] = ch > 0xff ? 0 : ch;
  }
}
