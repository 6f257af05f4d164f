// SHA-256 (FIPS 180-4) for the allowlist's and deny list's `sha256:` entries,
// in plain JavaScript: typed arrays and integer arithmetic, no built-in
// method. node:crypto's Hash is JavaScript that user code can replace
// (`crypto.Hash.prototype.digest = () => '<hash of /bin/true>'` let any
// binary pass a hash allowlist); this code runs in the enforcer's window and
// calls nothing user code can reach. It is slower than OpenSSL (here ~150-250
// MB/s once optimized, against ~1 GB/s), which the per-file cache absorbs:
// a file is hashed once per identity.
/* eslint-disable no-bitwise */ // the algorithm is 32-bit words

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const HEX = '0123456789abcdef';

export class Sha256 {
  private readonly h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  private readonly w = new Int32Array(64);
  /** A partial block, `used` bytes of it. */
  private readonly block = new Uint8Array(64);
  private used = 0;
  /** Bytes hashed so far (exact up to 2^53). */
  private length = 0;

  /** Hashes bytes[0..n). */
  update(bytes: Uint8Array, n: number): void {
    let i = 0;
    this.length += n;
    if (this.used > 0) {
      while (i < n && this.used < 64) this.block[this.used++] = bytes[i++];
      if (this.used < 64) return;
      this.compress(this.block, 0);
      this.used = 0;
    }
    for (; i + 64 <= n; i += 64) this.compress(bytes, i);
    while (i < n) this.block[this.used++] = bytes[i++];
  }

  /** The digest as 64 lowercase hex digits. Call once. */
  hex(): string {
    const bits = this.length * 8;
    const b = this.block;
    b[this.used++] = 0x80;
    if (this.used > 56) {
      while (this.used < 64) b[this.used++] = 0;
      this.compress(b, 0);
      this.used = 0;
    }
    while (this.used < 56) b[this.used++] = 0;
    const low = bits % 0x100000000;
    const high = (bits - low) / 0x100000000;
    for (let j = 0; j < 4; j++) {
      b[56 + j] = (high >>> (24 - 8 * j)) & 0xff;
      b[60 + j] = (low >>> (24 - 8 * j)) & 0xff;
    }
    this.compress(b, 0);
    let out = '';
    for (let j = 0; j < 8; j++) for (let s = 28; s >= 0; s -= 4) out += HEX[(this.h[j] >>> s) & 0xf];
    return out;
  }

  private compress(d: Uint8Array, o: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++) {
      const p = o + 4 * t;
      w[t] = (d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    const h = this.h;
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let dd = h[3];
    let hh = h[7];
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + s1 + ch + K[t] + w[t]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (dd + t1) | 0;
      dd = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + dd) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
}
