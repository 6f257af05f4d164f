/* eslint-disable no-bitwise */ // UTF-8 is bit fields
// The forms a decoy value takes on the wire: as is, URL-encoded, hex, and
// base64 (and base64url) at each of the three alignments it can have inside
// a longer encoded text. For base64 only the characters that depend on the
// value alone are kept, so the pattern matches wherever the value sits.
import type { Pattern } from './scanner';

/**
 * The UTF-8 bytes of value (a lone surrogate as U+FFFD, as Buffer encodes
 * it). Encoded here: the bundle is handed the globals it names as they were
 * at start, and `unescape` is not one of them.
 */
export function bytesOf(value: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x80) {
      out.push(c);
    } else if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    } else {
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
  }
  return out;
}

/** Bytes as base64 or hex text: Buffer's, as the enforcer captured it before user code ran. */
export type ToText = (bytes: Uint8Array, encoding: 'base64' | 'hex') => string;

const bufferText: ToText = (bytes, encoding) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString(encoding);

/** The base64 characters determined by `bytes` alone when `skew` bytes precede them. */
export function base64Core(bytes: readonly number[], skew: number, text: ToText = bufferText): string {
  const all = new Uint8Array(skew + bytes.length);
  all.set(bytes, skew);
  const b64 = text(all, 'base64');
  // Characters [first, last] take 6 bits each from the value's bytes alone.
  const first = Math.ceil((8 * skew) / 6);
  const last = Math.floor((8 * all.length - 6) / 6);
  return b64.slice(first, last + 1);
}

function hex(bytes: readonly number[], text: ToText): string {
  return text(Uint8Array.from(bytes), 'hex');
}

/** Every pattern for decoy number `decoy`, without duplicates. */
export function encodingsOf(value: string, decoy: number, text: ToText = bufferText): Pattern[] {
  const bytes = bytesOf(value);
  const forms: [string, string][] = [['plain', value]];
  const url = encodeURIComponent(value);
  forms.push(['url', url], ['url', url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())]);
  for (let skew = 0; skew < 3; skew++) {
    const b = base64Core(bytes, skew, text);
    forms.push(['base64', b], ['base64url', b.replace(/\+/g, '-').replace(/\//g, '_')]);
  }
  const h = hex(bytes, text);
  forms.push(['hex', h], ['hex', h.toUpperCase()]);
  const seen = new Set<string>();
  const out: Pattern[] = [];
  for (const [encoding, form] of forms) {
    if (form.length < 4 || seen.has(form) || !/^[\x20-\x7e]+$/.test(form)) continue;
    seen.add(form);
    out.push({ text: form, decoy, encoding });
  }
  return out;
}

/** Lower-case forms a decoy takes in DNS labels (case is not preserved there). */
export function dnsFormsOf(value: string, text: ToText = bufferText): string[] {
  const bytes = bytesOf(value);
  const forms = new Set<string>([value.toLowerCase(), hex(bytes, text), base32(bytes)]);
  return [...forms].filter((f) => f.length >= 8);
}

function base32(bytes: readonly number[]): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let j = 0; j + 5 <= bits.length; j += 5) out += alphabet[parseInt(bits.slice(j, j + 5), 2)];
  return out;
}
