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
import { isBytes, type Captured } from '../captured';
import type { Decoy } from './decoys';
import { copyBytes, lengthOf, moveBytes, setAll, viewOf, WINDOW, type Hit, type Scanner } from './scanner';

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
const isArray = Array.isArray;
const Bytes = Uint8Array;

/** A connection's state: the last bytes written (latin1; a character above 0xff as 0) and the count. */
interface Stream { readonly last: Uint8Array; len: number; sent: number }
type ToLatin1 = (bytes: Uint8Array, start: number, end: number) => string;

export class Outbound {
  private readonly streams = new WeakMap<object, Stream>();
  private readonly keep: number;

  /** A write longer than this, after a connection's first FULL bytes, is scanned at its head and its tail only. */
  private readonly edges: number;
  /** How much of a write the quick path scans first: EDGE bytes, and a value that starts in them. */
  private readonly head: number;
  /** The most of a write scanned whole that goes into the window at once, after the kept bytes. */
  private readonly piece: number;
  /** Whether the kept bytes, a head and a tail fit in the scanner's window (the quick path leaves every write to chunk() if not). */
  private readonly fits: boolean;
  /** The window's first `keep` bytes (where the kept bytes are), made once: a connection's state is copied from it whole. */
  private readonly front: Uint8Array;

  /**
   * `k`: what tells a buffer (captured.ts, isBytes); instanceof would call a
   * Symbol.hasInstance user code can give Uint8Array, in the middle of a write.
   */
  constructor(
    private readonly scanner: Scanner, private readonly decoys: readonly Decoy[], private readonly latin1: ToLatin1,
    private readonly k: Pick<Captured, 'apply' | 'bytesTag'>,
  ) {
    this.keep = scanner.maxLength + CREDENTIAL.length + 8;
    this.head = EDGE + scanner.maxLength;
    this.edges = this.head + TAIL;
    this.piece = WINDOW - this.keep;
    this.fits = this.keep + this.edges <= WINDOW && this.keep <= this.edges;
    this.front = viewOf(scanner.window, 0, this.keep);
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
      if (!isArray(list) || !this.fits) return false;
      // Each write goes into the scanner's window after the bytes kept before
      // it (the connection's, then the previous buffer's), as scanner.check()
      // takes it; what it leaves kept moves to the window's front. The
      // connection's state changes only at the end, when all are clear.
      // Copies are whole arrays or moves inside the window where they can
      // be: a view of a buffer's range is an allocation, and ~100 ns.
      const s = this.scanner;
      const win = s.window;
      const keep = this.keep;
      const st = stream === undefined ? undefined : apply(weakGet, this.streams, [stream]) as Stream | undefined;
      let kept = st === undefined ? 0 : st.len;
      if (kept > 0) setAll(win, st!.last, 0);
      let sent = st === undefined ? 0 : st.sent;
      const count = list.length;
      for (let i = from; i < count; i += step) {
        const data: unknown = list[i];
        if (!isBytes(this.k, data)) return false;
        const n = lengthOf(data);
        if (stream === undefined || sent < FULL || n <= this.edges) {
          // Whole (a datagram, a connection's first FULL bytes, a short write): in pieces that fit after the kept bytes.
          for (let at = 0; at < n;) {
            const piece = n - at < this.piece ? n - at : this.piece;
            copyBytes(win, kept, data, at, piece);
            if (s.check(kept, piece, 0) >= 0) return false;
            const end = kept + piece;
            kept = end < keep ? end : keep;
            if (end > kept) moveBytes(win, 0, end - kept, end);
            at += piece;
          }
        } else {
          // Its head (a new request's line and headers) and its tail; then its last bytes are what is kept.
          const end = kept + this.head + TAIL;
          copyBytes(win, kept, data, 0, this.head);
          copyBytes(win, end - TAIL, data, n - TAIL, TAIL);
          if (s.check(kept, this.head, TAIL) >= 0) return false;
          // The kept bytes: from the tail in the window, unless a decoy's encoding is longer than it.
          if (keep <= TAIL) moveBytes(win, 0, end - keep, end);
          else copyBytes(win, 0, data, n - keep, keep);
          kept = keep;
        }
        sent += n;
      }
      if (stream !== undefined) {
        const cur = st ?? this.newStream(stream);
        setAll(cur.last, this.front, 0);
        cur.len = kept;
        cur.sent = sent;
      }
      return true;
    } catch {
      return false;
    }
  }

  /** A connection's state at its first write, remembered for it. */
  private newStream(stream: object): Stream {
    const st = { last: new Bytes(this.keep), len: 0, sent: 0 };
    apply(weakSet, this.streams, [stream, st]);
    return st;
  }

  /** Keeps the last bytes of what was sent on `stream` (its state made at its first write), and counts them. */
  private keepEnd(st: Stream | undefined, stream: object, data: Uint8Array | string, n: number): Stream {
    const keep = this.keep;
    if (st === undefined) st = this.newStream(stream);
    const last = st.last;
    const fromData = n < keep ? n : keep;
    const fromOld = st.len < keep - fromData ? st.len : keep - fromData;
    // The old bytes that stay to the front, then the new ones (built-ins the bundle read at load: memmove, no loop to compile).
    if (fromOld > 0) moveBytes(last, 0, st.len - fromOld, st.len);
    if (typeof data === 'string') keepText(last, fromOld, data, n - fromData, n);
    else copyBytes(last, fromOld, data, n - fromData, fromData);
    st.len = fromOld + fromData;
    st.sent += n;
    return st;
  }

  /** Scans one chunk written on `stream` (a handle; undefined for a datagram). In the window. */
  chunk(stream: object | undefined, data: Uint8Array | string): Finding | undefined {
    const s = this.scanner;
    const isString = typeof data === 'string';
    // A buffer's length by the getter read at load: an own \`length\` user code put on it
    // made this scan a few bytes while the binding sent them all.
    const n = isString ? data.length : lengthOf(data);
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
      else if (st === undefined || st.sent < FULL || n <= this.edges) hit = s.scanBytes(data, 0, n);
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
