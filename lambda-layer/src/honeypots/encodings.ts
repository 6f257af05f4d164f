// The forms a decoy value takes on the wire: as is, URL-encoded, hex, and
// base64 (and base64url) at each of the three alignments it can have inside
// a longer encoded text. For base64 only the characters that depend on the
// value alone are kept, so the pattern matches wherever the value sits.
import type { Pattern } from './scanner';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function bytesOf(value: string): number[] {
  const out: number[] = [];
  const utf8 = unescape(encodeURIComponent(value));
  for (let i = 0; i < utf8.length; i++) out[i] = utf8.charCodeAt(i);
  return out;
}

/** The base64 characters determined by `bytes` alone when `skew` bytes precede them. */
export function base64Core(bytes: readonly number[], skew: number): string {
  const all = [...new Array<number>(skew).fill(0), ...bytes];
  let bits = '';
  for (const b of all) bits += b.toString(2).padStart(8, '0');
  const first = Math.ceil((8 * skew) / 6);
  const last = Math.floor((8 * all.length - 6) / 6);
  let out = '';
  for (let j = first; j <= last; j++) out += B64[parseInt(bits.slice(6 * j, 6 * j + 6), 2)];
  return out;
}

function hex(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

/** Every pattern for decoy number `decoy`, without duplicates. */
export function encodingsOf(value: string, decoy: number): Pattern[] {
  const bytes = bytesOf(value);
  const forms: [string, string][] = [['plain', value]];
  const url = encodeURIComponent(value);
  forms.push(['url', url], ['url', url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())]);
  for (let skew = 0; skew < 3; skew++) {
    const b = base64Core(bytes, skew);
    forms.push(['base64', b], ['base64url', b.replace(/\+/g, '-').replace(/\//g, '_')]);
  }
  const h = hex(bytes);
  forms.push(['hex', h], ['hex', h.toUpperCase()]);
  const seen = new Set<string>();
  const out: Pattern[] = [];
  for (const [encoding, text] of forms) {
    if (text.length < 4 || seen.has(text) || !/^[\x20-\x7e]+$/.test(text)) continue;
    seen.add(text);
    out.push({ text, decoy, encoding });
  }
  return out;
}

/** Lower-case forms a decoy takes in DNS labels (case is not preserved there). */
export function dnsFormsOf(value: string): string[] {
  const bytes = bytesOf(value);
  const forms = new Set<string>([value.toLowerCase(), hex(bytes), base32(bytes)]);
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
