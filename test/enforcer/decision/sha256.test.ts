// The enforcer's own SHA-256 (decision/sha256.ts) against OpenSSL's
// (node:crypto): every length around the padding's edges, chunked in every
// way the file reader may feed it, and large random inputs.
import { createHash, randomBytes } from 'node:crypto';
import { Sha256 } from '../../../lambda-layer/src/decision/sha256';

const openssl = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ours = (b: Buffer, chunk = b.length || 1) => {
  const h = new Sha256();
  for (let i = 0; i < b.length; i += chunk) {
    const part = b.subarray(i, Math.min(b.length, i + chunk));
    // The reader passes its whole buffer and a count: bytes past the count must not be hashed.
    const padded = Buffer.concat([part, Buffer.from('garbage past the count')]);
    h.update(padded, part.length);
  }
  return h.hex();
};

describe('SHA-256', () => {
  test('the FIPS 180-4 examples', () => {
    expect(ours(Buffer.from(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(ours(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(ours(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))
      .toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  test('every length from 0 to 300 bytes, whole and byte by byte', () => {
    for (let n = 0; n <= 300; n++) {
      const b = randomBytes(n);
      expect(ours(b)).toBe(openssl(b));
      expect(ours(b, 1)).toBe(openssl(b));
    }
  });

  test.each([3, 63, 64, 65, 4096, 65536])('5 MB of random bytes in chunks of %i', (chunk) => {
    const b = randomBytes(5 * 1024 * 1024 + 17);
    expect(ours(b, chunk)).toBe(openssl(b));
  });
});
