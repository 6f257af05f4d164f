// The outbound scan's pure parts (scanner.ts, outbound.ts, encodings.ts), as
// tables: every encoding at every alignment, every split of a value across
// two writes, before and after a connection's first FULL bytes. The scans
// run twice: probing in JavaScript (where WebAssembly does not run) and with
// probe.wat, which the layer uses wherever it can.
import { randomBytes } from 'node:crypto';
import { collectDecoys } from '../../../lambda-layer/src/honeypots/decoys';
import { bytesOf, dnsFormsOf, encodingsOf } from '../../../lambda-layer/src/honeypots/encodings';
import { EDGE, FULL, Outbound } from '../../../lambda-layer/src/honeypots/outbound';
import { Scanner, WASM_PAGES, WASM_WINDOW_AT, type WasmProbe } from '../../../lambda-layer/src/honeypots/scanner';
import { instantiateProbe } from '../../../lambda-layer/src/honeypots/wasm';
import { assembleProbe, probeInstance, wasmParts } from '../../support/probe-wasm';

const ENV = {
  BACKUP_AWS_ACCESS_KEY_ID: 'AKIACHWVAZT5YVSCSHRA',
  REPORTING_DB_PASSWORD: 'ox7nWgL4uaNeIeWuLNaoec7S',
  DEPLOY_GITHUB_TOKEN: 'ghp_XdQRpFaZjAgdThRTLWs41BjDqQHGK25SWImr',
};
const decoys = collectDecoys(Object.keys(ENV), ENV);
const PATTERNS = decoys.flatMap((d, i) => encodingsOf(d.value, i));
const latin1 = (b: Uint8Array, s: number, e: number) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1', s, e);
/** What the preload captures to tell a buffer (captured.ts, isBytes). */
const BYTES = {
  apply: Reflect.apply,
  bytesTag: Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!,
};
const filler = (n: number) => Buffer.alloc(n, 'ordinary request body, nothing secret here; ');
const TOKEN = ENV.DEPLOY_GITHUB_TOKEN;
/** Bytes probe.wat's window holds: a longer range goes through it in pieces. */
const WINDOW = WASM_PAGES * 65536 - WASM_WINDOW_AT;

let wasmBytes: Uint8Array;
beforeAll(async () => {
  wasmBytes = await assembleProbe();
});
const BACKENDS: [string, () => WasmProbe | undefined][] = [['JavaScript', () => undefined], ['WebAssembly', () => probeInstance(wasmBytes)]];

test.each(['ascii', 'Grüße', '世界', 'emoji 😀 x', 'lone \ud800 surrogate', 'low \udc00 first', 'end \ud83d'])('a value\'s bytes are its UTF-8, as Buffer encodes it (%s)', (v) => {
  expect(bytesOf(v)).toEqual([...Buffer.from(v, 'utf8')]);
});

describe.each(BACKENDS)('probing in %s', (_backendName, backend) => {
  let scanner: Scanner;
  const outbound = () => new Outbound(scanner, decoys, latin1, BYTES);
  beforeAll(() => {
    scanner = new Scanner(PATTERNS, backend());
  });

  describe('encodings', () => {
    test.each([0, 1, 2, 3, 4, 5])('base64 of a decoy after %i other bytes holds one of its patterns', (skew) => {
      const wire = Buffer.concat([randomBytes(skew), Buffer.from(TOKEN)]).toString('base64');
      const found = scanner.scanString(wire, 1);
      expect(found?.pattern.encoding).toBe('base64');
      expect(decoys[found!.pattern.decoy].value).toBe(TOKEN);
    });

    test.each([
      ['hex', Buffer.from(TOKEN).toString('hex')],
      ['hex', Buffer.from(TOKEN).toString('hex').toUpperCase()],
      ['plain', `token=${TOKEN}&x=1`],
    ])('%s on the wire is found (%s)', (encoding, wire) => {
      expect(scanner.scanString(wire, 1)?.pattern.encoding).toBe(encoding);
    });

    test('base64url on the wire is found', () => {
      const [d] = collectDecoys(['K'], { K: 'k>>>?>>>?>>>?>>>?' });
      const s = new Scanner(encodingsOf(d.value, 0));
      const wire = Buffer.from(d.value).toString('base64url');
      expect(wire).toMatch(/[-_]/);
      expect(s.scanString(wire, 1)?.pattern.encoding).toBe('base64url');
    });

    test('a URL-encoded value is found in either case of its escapes', () => {
      const [d] = collectDecoys(['K'], { K: 'a+b/c=d&e?f:g;h' });
      const s = new Scanner(encodingsOf(d.value, 0));
      expect(s.scanString(`q=${encodeURIComponent(d.value)}`, 1)?.pattern.encoding).toBe('url');
      expect(s.scanString(`q=${encodeURIComponent(d.value).toLowerCase()}`, 1)?.pattern.encoding).toBe('url');
    });

    test('DNS forms are lower case and at least 8 characters', () => {
      for (const f of dnsFormsOf(TOKEN)) {
        expect(f).toBe(f.toLowerCase());
        expect(f.length).toBeGreaterThanOrEqual(8);
      }
      expect(dnsFormsOf(TOKEN)).toContain(Buffer.from(TOKEN).toString('hex'));
    });
  });

  describe('scanBytes', () => {
    test.each([0, 1, 2, 3, 5, 16, 17, 31])('finds a decoy at offset %i of a buffer, whatever the buffer\'s alignment', (offset) => {
      for (let pad = 0; pad < 4; pad++) {
        const body = Buffer.concat([Buffer.alloc(pad), filler(offset), Buffer.from(TOKEN), filler(40)]).subarray(pad);
        expect(scanner.scanBytes(body)?.at).toBe(offset);
      }
    });

    test('finds nothing in 1 MB of random bytes or text', () => {
      expect(scanner.scanBytes(randomBytes(1024 * 1024))).toBeUndefined();
      expect(scanner.scanBytes(filler(1024 * 1024))).toBeUndefined();
    });
  });

  describe('a value split across two writes', () => {
    test.each(Array.from({ length: TOKEN.length - 1 }, (_, i) => i + 1))('is found when %i characters are in the first write', (cut) => {
      const o = outbound();
      const conn = {};
      expect(o.chunk(conn, Buffer.concat([filler(100), Buffer.from(TOKEN.slice(0, cut))]))).toBeUndefined();
      expect(o.chunk(conn, Buffer.concat([Buffer.from(TOKEN.slice(cut)), filler(100)]))?.decoy.value).toBe(TOKEN);
    });

    test.each([1, 2, 3, 10, 39])('is found after the connection\'s first FULL bytes too (%i characters first)', (cut) => {
      const o = outbound();
      const conn = {};
      for (let sent = 0; sent < FULL; sent += 64 * 1024) expect(o.chunk(conn, filler(64 * 1024))).toBeUndefined();
      expect(o.chunk(conn, Buffer.concat([filler(4 * EDGE), Buffer.from(TOKEN.slice(0, cut))]))).toBeUndefined();
      expect(o.chunk(conn, Buffer.concat([Buffer.from(TOKEN.slice(cut)), filler(4 * EDGE)]))?.decoy.value).toBe(TOKEN);
    });

    test.each([[5, 9], [10, 25], [1, 38], [19, 21]])('is found across three writes, the middle one short ([0, %i), [%i, end) cut in two)', (a, b) => {
      const o = outbound();
      const conn = {};
      expect(o.chunk(conn, Buffer.concat([filler(300), Buffer.from(TOKEN.slice(0, a))]))).toBeUndefined();
      expect(o.chunk(conn, Buffer.from(TOKEN.slice(a, b)))).toBeUndefined();
      expect(o.chunk(conn, Buffer.concat([Buffer.from(TOKEN.slice(b)), filler(300)]))?.decoy.value).toBe(TOKEN);
    });

    test('two connections do not join their bytes', () => {
      const o = outbound();
      expect(o.chunk({}, Buffer.from(TOKEN.slice(0, 20)))).toBeUndefined();
      expect(o.chunk({}, Buffer.from(TOKEN.slice(20)))).toBeUndefined();
    });

    test('a SigV4 credential with the decoy key id is a signed use, split or not', () => {
      const o = outbound();
      const conn = {};
      const header = `Authorization: AWS4-HMAC-SHA256 Credential=${ENV.BACKUP_AWS_ACCESS_KEY_ID}/20261126/us-east-1/s3/aws4_request`;
      expect(o.chunk(conn, Buffer.from(header.slice(0, 50)))).toBeUndefined();
      expect(o.chunk(conn, Buffer.from(header.slice(50)))).toMatchObject({ signed: true });
    });
  });

  // The preload asks the quick path first (outside the enforcer's window) and
  // takes the full scan only when it says so: together they must find what the
  // full scan alone finds.
  describe('the quick path, then the full scan', () => {
    const write = (o: Outbound, conn: object | undefined, data: Buffer) => (o.quick(conn, data) ? undefined : o.chunk(conn, data));

    test.each(Array.from({ length: TOKEN.length - 1 }, (_, i) => i + 1))('a value split after %i characters is found', (cut) => {
      const o = outbound();
      const conn = {};
      expect(write(o, conn, filler(300))).toBeUndefined();
      expect(write(o, conn, Buffer.concat([filler(100), Buffer.from(TOKEN.slice(0, cut))]))).toBeUndefined();
      expect(o.quick(conn, Buffer.concat([Buffer.from(TOKEN.slice(cut)), filler(100)]))).toBe(false);
      expect(write(o, conn, Buffer.concat([Buffer.from(TOKEN.slice(cut)), filler(100)]))?.decoy.value).toBe(TOKEN);
    });

    test.each([1, 2, 3, 10, 39])('after the first FULL bytes, in the head, the tail and across writes (%i characters first)', (cut) => {
      const o = outbound();
      const conn = {};
      for (let sent = 0; sent < FULL; sent += 64 * 1024) expect(o.quick(conn, filler(64 * 1024))).toBe(true);
      expect(o.quick(conn, Buffer.concat([filler(100), Buffer.from(TOKEN), filler(64 * 1024)]))).toBe(false);
      expect(o.quick(conn, Buffer.concat([filler(64 * 1024), Buffer.from(TOKEN), filler(100)]))).toBe(false);
      expect(write(o, conn, Buffer.concat([filler(4 * EDGE), Buffer.from(TOKEN.slice(0, cut))]))).toBeUndefined();
      expect(write(o, conn, Buffer.concat([Buffer.from(TOKEN.slice(cut)), filler(4 * EDGE)]))?.decoy.value).toBe(TOKEN);
    });

    test.each([0, 1, 2, 3, 5, 17])('a decoy at offset %i of a large write, whatever its alignment, is not cleared', (offset) => {
      for (let pad = 0; pad < 4; pad++) {
        const body = Buffer.concat([Buffer.alloc(pad), filler(offset), Buffer.from(TOKEN), filler(20000)]).subarray(pad);
        expect(outbound().quick({}, body)).toBe(false);
        expect(outbound().quick(undefined, body)).toBe(false);
      }
    });

    test.each(Array.from({ length: TOKEN.length - 1 }, (_, i) => i + 1))('writev: a value split across two buffers after %i characters is not cleared', (cut) => {
      const o = outbound();
      const conn = {};
      expect(o.quickAll(conn, [filler(200), Buffer.from(TOKEN.slice(0, cut)), Buffer.from(TOKEN.slice(cut))], 0, 1)).toBe(false);
      // [chunk, encoding, chunk, encoding]: every other element.
      expect(o.quickAll(conn, [Buffer.from(TOKEN.slice(0, cut)), 'buffer', Buffer.from(TOKEN.slice(cut)), 'buffer'], 0, 2)).toBe(false);
    });

    // What the quick path clears, the full scan would not have flagged; and the connection's
    // state it leaves (the kept bytes, the count) is the one the full scan leaves.
    // A custom decoy can be long: its encodings then outgrow the tail kept of a long write (outbound.ts TAIL).
    const LONG = { ...ENV, LEGACY_SIGNING_KEY: 'k9'.repeat(150) + 'Zq/+=&%' };
    test.each([['the decoys above', ENV], ['a decoy whose encodings are longer than a write\'s tail', LONG]])('agrees with the full scan write by write and leaves the same state (random writes and writev lists, values anywhere; %s)', (_name, env) => {
      const ds = collectDecoys(Object.keys(env), env);
      const patterns = ds.flatMap((d, i) => encodingsOf(d.value, i));
      const sc = env === ENV ? scanner : new Scanner(patterns, backend());
      const mk = () => new Outbound(sc, ds, latin1, BYTES);
      type State = { last: Uint8Array; len: number; sent: number } | undefined;
      const state = (o: Outbound, conn: object) => {
        const st = (o as unknown as { streams: WeakMap<object, State> }).streams.get(conn);
        return st && { kept: Buffer.from(st.last.subarray(0, st.len)).toString('latin1'), sent: st.sent };
      };
      let seed = 20261127;
      const rnd = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
      const SIZES = [1, 2, 3, 5, 40, 2000, 2600, 2700, 8192, 64 * 1024, WINDOW - 200, WINDOW + 3, 150_000];
      let flagged = 0;
      for (let run = 0; run < 24; run++) {
        // A connection's bytes: filler (or random bytes) with a few values at random places, past FULL in most runs.
        const total = 1000 + rnd(FULL + 400_000);
        const bytes = run % 3 === 0 ? randomBytes(total) : filler(total);
        for (let v = rnd(4); v > 0; v--) bytes.write(patterns[rnd(patterns.length)].text, rnd(total - 2000), 'latin1');
        const quick = mk();
        const full = mk();
        const a = {};
        const b = {};
        for (let at = 0; at < total;) {
          // One write, or a writev of two to four.
          const list: Buffer[] = [];
          for (let k = rnd(3) === 0 ? 2 + rnd(3) : 1; k > 0 && at < total; k--) {
            const n = Math.min(SIZES[rnd(SIZES.length)], total - at);
            list.push(bytes.subarray(at, at + n));
            at += n;
          }
          const cleared = quick.quickAll(a, list, 0, 1);
          for (const w of list) {
            const f = full.chunk(b, w);
            if (cleared) expect(f).toBeUndefined();
            else expect(quick.chunk(a, w)?.decoy).toBe(f?.decoy);
            if (f) flagged++;
            if (!cleared) expect(state(quick, a)).toEqual(state(full, b));
          }
          expect(state(quick, a)).toEqual(state(full, b));
        }
      }
      // The runs hold values where the scans look (not only where they skip, after FULL).
      expect(flagged).toBeGreaterThan(5);
    });

    test('clears ordinary bytes, keeps what the next write needs, and leaves strings and odd lists to the full scan', () => {
      const o = outbound();
      const conn = {};
      // Text, not random bytes: 1 MB of random bytes holds one of the ~2,000 grams about once in 30 runs (the full scan then clears it).
      expect(o.quick(conn, filler(1024 * 1024))).toBe(true);
      expect(o.quickAll(conn, [filler(5000), filler(7)], 0, 1)).toBe(true);
      expect(o.quickAll(undefined, [filler(1000)], 0, 1)).toBe(true);
      expect(o.quick(conn, TOKEN as unknown as Buffer)).toBe(false);
      expect(o.quickAll(conn, [filler(10), 'text'], 0, 1)).toBe(false);
      expect(o.quickAll(conn, 'not a list', 0, 1)).toBe(false);
      // A list the quick path refused left the state as it was: the junction is still the previous write's.
      expect(write(o, conn, Buffer.from(TOKEN.slice(0, 10)))).toBeUndefined();
      expect(o.quickAll(conn, [Buffer.from('x'), filler(10), 'text'], 0, 1)).toBe(false);
      expect(write(o, conn, Buffer.from(TOKEN.slice(10)))?.decoy.value).toBe(TOKEN);
    });
  });

  // The preload's repeat path asks clearText() about a new environment value
  // outside the window: it must never clear a value the full scan would flag.
  describe('clearText', () => {
    const flagged = (s: string) => scanner.scanString(s) !== undefined;

    test.each([
      ['a trace id', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'],
      ['a short value', 'abc'],
      ['the empty string', ''],
      ['text beyond latin1', 'Grüße, 世界, ok'],
    ])('clears %s', (_, s) => {
      expect(flagged(s)).toBe(false);
      expect(scanner.clearText(s)).toBe(true);
    });

    test.each(decoys.flatMap((d, i) => encodingsOf(d.value, i).map((p) => [p.encoding, d.name, p.text] as const)))(
      'does not clear the %s form of %s, at any offset',
      (_, __, text) => {
        for (let skew = 0; skew < 8; skew++) {
          const s = `${'x'.repeat(skew)}${text}y`;
          expect(flagged(s)).toBe(true);
          expect(scanner.clearText(s)).toBe(false);
        }
      },
    );

    test('agrees with the full scan: never clears what it flags (random values with decoy pieces)', () => {
      const pieces = decoys.flatMap((d, i) => encodingsOf(d.value, i).map((p) => p.text));
      let seen = 0;
      for (let n = 0; n < 3000; n++) {
        const p = pieces[n % pieces.length];
        const from = n % 7;
        const piece = p.slice(from, from + 4 + (n % (p.length - from - 3)));
        const s = `${randomBytes(n % 9).toString('base64')}${n % 3 === 0 ? p : piece}${randomBytes(n % 5).toString('hex')}`;
        if (flagged(s)) {
          seen++;
          expect(scanner.clearText(s)).toBe(false);
        }
      }
      // Every third value holds a whole pattern: the comparison ran on at least those.
      expect(seen).toBeGreaterThanOrEqual(1000);
    });

    test('is false for anything but a string', () => {
      expect(scanner.clearText(Buffer.from('abc'))).toBe(false);
      expect(scanner.clearText(undefined)).toBe(false);
    });
  });
});

// probe.wat sees a long range a window at a time, on one grid of probes:
// nothing may fall between two windows, wherever the range starts.
describe('probe.wat', () => {
  // The key id: the shortest pattern (20), which holds as few as one probe (the stride is 16).
  test.each([0, 1, 3, 16, 17, 1000])('finds the shortest decoy across each window boundary of a range that starts at %i', (from) => {
    const scanner = new Scanner(PATTERNS, probeInstance(wasmBytes));
    const id = ENV.BACKUP_AWS_ACCESS_KEY_ID;
    expect(scanner.minLength).toBe(id.length);
    for (const boundary of [WINDOW, 2 * WINDOW, 3 * WINDOW]) {
      for (let before = 0; before <= id.length; before++) {
        const at = from + boundary - before;
        const body = Buffer.concat([filler(at), Buffer.from(id), filler(70_000)]);
        expect(scanner.scanBytes(body, from)?.at).toBe(at);
      }
    }
  });

  test('finds what the JavaScript probe finds (random data, one value in a random encoding at a random place)', () => {
    const js = new Scanner(PATTERNS);
    const wasm = new Scanner(PATTERNS, probeInstance(wasmBytes));
    for (let n = 0; n < 300; n++) {
      const p = PATTERNS[n % PATTERNS.length];
      const size = 8 + ((n * 7919) % 150_000);
      const at = (n * 104_729) % size;
      const body = Buffer.concat([n % 2 ? randomBytes(at) : filler(at), Buffer.from(p.text), randomBytes(n % 64)]);
      const from = n % 5 === 0 ? Math.min(at, n % 300) : 0;
      const a = js.scanBytes(body, from);
      const b = wasm.scanBytes(body, from);
      expect(b).toEqual(a);
      expect(b?.at).toBeLessThanOrEqual(at);
    }
  });

  test('instantiates to nothing where WebAssembly is missing or the module is not one, and the scanner probes in JavaScript', () => {
    const c = { apply: Reflect.apply, construct: Reflect.construct };
    expect(instantiateProbe({ ...c, wasm: undefined }, wasmBytes)).toBeUndefined();
    expect(instantiateProbe({ ...c, wasm: wasmParts() }, new Uint8Array([0, 97, 115, 109, 9]))).toBeUndefined();
    expect(new Scanner(PATTERNS, undefined).scanBytes(Buffer.concat([filler(5000), Buffer.from(TOKEN)]))?.at).toBe(5000);
  });

  test('its memory is the layout scanner.ts expects', () => {
    expect(probeInstance(wasmBytes).memory.byteLength).toBe(WASM_PAGES * 65536);
    expect(() => new Scanner(PATTERNS, { memory: new ArrayBuffer(65536), probe: () => -1, check: () => -1 })).toThrow(/memory is not the size/);
  });
});
