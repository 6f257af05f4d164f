// Decoys in outbound bytes, per connection: each write is scanned, and the
// last bytes of the previous write are kept so that a value split across
// two writes is still found at their junction.
import type { Decoy } from './decoys';
import type { Hit, Scanner } from './scanner';

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

interface Stream { tail: string; sent: number }
type ToLatin1 = (bytes: Uint8Array, start: number, end: number) => string;

export class Outbound {
  private readonly streams = new WeakMap<object, Stream>();
  private readonly keep: number;

  constructor(private readonly scanner: Scanner, private readonly decoys: readonly Decoy[], private readonly latin1: ToLatin1) {
    this.keep = scanner.maxLength + CREDENTIAL.length + 8;
  }

  /** Scans one chunk written on `stream` (a handle; undefined for a datagram). */
  chunk(stream: object | undefined, data: Uint8Array | string): Finding | undefined {
    const s = this.scanner;
    const n = data.length;
    const isString = typeof data === 'string';
    let st = stream === undefined ? undefined : this.streams.get(stream);
    if (stream !== undefined && st === undefined) this.streams.set(stream, st = { tail: '', sent: 0 });
    const tail = st === undefined ? '' : st.tail;
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
    if (st !== undefined) {
      const end = isString ? data.slice(Math.max(0, n - this.keep)) : this.latin1(data, Math.max(0, n - this.keep), n);
      st.tail = n >= this.keep ? end : (tail + end).slice(-this.keep);
      st.sent += n;
    }
    return finding;
  }

  private finding(hit: Hit, before: string): Finding {
    const decoy = this.decoys[hit.pattern.decoy];
    const signed = decoy.keyId && (hit.pattern.encoding === 'plain' || hit.pattern.encoding === 'url')
      && before.toLowerCase().endsWith(CREDENTIAL);
    return { decoy, encoding: hit.pattern.encoding, signed };
  }
}
