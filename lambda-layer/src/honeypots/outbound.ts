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
type ToLatin1 = (bytes: Uint8Array, start: number, end: number) => string;

export class Outbound {
  private readonly tails = new WeakMap<object, string>();
  private readonly keep: number;

  constructor(private readonly scanner: Scanner, private readonly decoys: readonly Decoy[], private readonly latin1: ToLatin1) {
    this.keep = scanner.maxLength + CREDENTIAL.length + 8;
  }

  /** Scans one chunk written on `stream` (a handle; undefined for a datagram). */
  chunk(stream: object | undefined, data: Uint8Array | string): Finding | undefined {
    const s = this.scanner;
    const n = data.length;
    const isString = typeof data === 'string';
    const tail = stream === undefined ? '' : (this.tails.get(stream) ?? '');
    let finding: Finding | undefined;
    if (tail !== '') {
      // The junction: the previous write's end and this one's start, at every position.
      const head = isString ? data.slice(0, s.maxLength - 1) : this.latin1(data, 0, Math.min(n, s.maxLength - 1));
      const joint = tail + head;
      let from = Math.max(0, tail.length - s.maxLength + 1);
      for (;;) {
        const hit = s.scanString(joint, 1, from);
        if (hit === undefined) break;
        if (hit.at + hit.pattern.text.length > tail.length) {
          finding = this.finding(hit, joint.slice(Math.max(0, hit.at - CREDENTIAL.length), hit.at));
          break;
        }
        from = Math.max(from + 1, hit.at + 1);
      }
    }
    if (finding === undefined) {
      const hit = isString ? s.scanString(data) : s.scanBytes(data);
      if (hit !== undefined) {
        const at = hit.at;
        const start = Math.max(0, at - CREDENTIAL.length);
        let before = isString ? data.slice(start, at) : this.latin1(data, start, at);
        if (before.length < CREDENTIAL.length) before = (tail + before).slice(-CREDENTIAL.length);
        finding = this.finding(hit, before);
      }
    }
    if (stream !== undefined) {
      const end = isString ? data.slice(Math.max(0, n - this.keep)) : this.latin1(data, Math.max(0, n - this.keep), n);
      this.tails.set(stream, n >= this.keep ? end : (tail + end).slice(-this.keep));
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
