// Finds decoy values (in every encoding, see encodings.ts) in outbound bytes,
// fast enough for bulk uploads: instead of searching each pattern, it probes
// one 4-byte gram every `stride` bytes (an aligned Int32Array load) in a hash
// table of every gram of every pattern. Any pattern of length >= stride + 3
// contains a probed gram wherever it lies, so nothing is missed; a probe that
// hits is verified against the patterns that hold that gram. On random or
// text data almost every probe is one load and one compare.
//
// Where WebAssembly runs (not under --jitless), the probe loop over a range
// is probe.wat's, and the filter and table live in its memory: the same
// loop in JavaScript runs in V8's slow tiers for the first thousands of
// probes of a process, and TurboFan then compiles it on another core.
/* eslint-disable no-bitwise */ // grams are packed bytes, the table is hashed

/** One string to look for: a decoy value in one encoding. */
export interface Pattern {
  readonly text: string;
  /** Which decoy it encodes (index into the caller's list). */
  readonly decoy: number;
  readonly encoding: string;
}

export interface Hit {
  readonly pattern: Pattern;
  /** Where the pattern starts in what was scanned. */
  readonly at: number;
}

// Read when the bundle loads, in the enforcer's window (the originals): probe()
// also runs outside it, on the quick path (outbound.ts).
const apply = Reflect.apply;
const typedArrayPrototype = Reflect.getPrototypeOf(Uint8Array.prototype) as object;
const bufferOf = Reflect.getOwnPropertyDescriptor(typedArrayPrototype, 'buffer')!.get!;
const offsetOf = Reflect.getOwnPropertyDescriptor(typedArrayPrototype, 'byteOffset')!.get!;
const charCodeAt = String.prototype.charCodeAt;
const setBytes = (typedArrayPrototype as Uint8Array).set;
const copyWithin = (typedArrayPrototype as Uint8Array).copyWithin;
const lengthGetter = Reflect.getOwnPropertyDescriptor(typedArrayPrototype, 'length')!.get!;
const Words = Int32Array;
const Bytes = Uint8Array;
/**
 * Copies source[from, from + n) into target at `at` (a memmove), with the
 * built-ins read when the bundle loaded: the quick path (outbound.ts) runs
 * it outside the window too.
 */
export function copyBytes(target: Uint8Array, at: number, source: Uint8Array, from: number, n: number): void {
  apply(setBytes, target, [viewOf(source, from, n), at]);
}

/** source[from, from + n) as a Uint8Array of its own (the same memory), by the getters read when the bundle loaded. */
export function viewOf(source: Uint8Array, from: number, n: number): Uint8Array {
  return new Bytes(apply(bufferOf, source, []) as ArrayBuffer, (apply(offsetOf, source, []) as number) + from, n);
}

/** All of source into target at `at`, by the set() read when the bundle loaded. */
export function setAll(target: Uint8Array, source: Uint8Array, at: number): void {
  apply(setBytes, target, [source, at]);
}

/** target[from, end) moved to `to` in target, by the copyWithin() read when the bundle loaded. */
export function moveBytes(target: Uint8Array, to: number, from: number, end: number): void {
  apply(copyWithin, target, [to, from, end]);
}

/** The number of bytes, by the getter read when the bundle loaded: an own `length` user code put on the array is not it. */
export function lengthOf(bytes: Uint8Array): number {
  return apply(lengthGetter, bytes, []) as number;
}

/** Below this many bytes a range is probed byte by byte; above, through an aligned Int32Array (one load a probe) or probe.wat. */
const WORDS_FROM = 256;

/** probe.wat's memory: the filter, the table and the window the bytes to probe are copied into (see probe.wat). */
export const WASM_TABLE_AT = 8192;
export const WASM_WINDOW_AT = 73728;
export const WASM_PAGES = 2;
/** Bytes in the window (Scanner#window). */
export const WINDOW = WASM_PAGES * 65536 - WASM_WINDOW_AT;

/** probe.wat, instantiated: its memory, its probe loop and its check of a write. */
export interface WasmProbe {
  readonly memory: ArrayBuffer;
  /** Probes the grams at p, p + step, ... while p + 4 <= end (addresses in memory): the first in the table, or -1. */
  readonly probe: (p: number, end: number, step: number) => number;
  /** Scanner#check's probes, in the window of memory (addresses in memory). */
  readonly check: (kept: number, head: number, tail: number, step: number) => number;
}

const TABLE_BITS = 14;
const FILTER_BITS = 16;
/**
 * A multiplicative hash with a 21-bit multiplier: a gram times HASH stays
 * below 2^53, so the double product is exact and `>>>` takes its low 32
 * bits, as Math.imul would. No built-in is called: the quick path
 * (outbound.ts) runs outside the enforcer's window, where Math.imul may be
 * user code, and V8 compiles this to a multiply.
 */
const HASH = 0x1e3779;

/** Packs 4 byte-sized codes the way a little-endian Int32Array load reads them. */
function pack(a: number, b: number, c: number, d: number): number {
  return (a | (b << 8) | (c << 16) | (d << 24)) | 0;
}

/**
 * The slot of `table` holding `gram`, or -1. Most probes end at the filter:
 * one load. The filter's hash and the table's are the same bits (the slot is
 * their top TABLE_BITS); 0 marks an empty slot, and no gram of a printable
 * pattern is 0. A function of its arguments, so that the scan loops keep the
 * arrays in locals.
 */
function find(table: Int32Array, filter: Uint8Array, gram: number): number {
  const f = (gram * HASH) >>> (32 - FILTER_BITS);
  if ((filter[f >>> 3] & (1 << (f & 7))) === 0) return -1;
  const mask = (1 << TABLE_BITS) - 1;
  for (let h = f >>> (FILTER_BITS - TABLE_BITS), t = table[h]; t !== 0; h = (h + 1) & mask, t = table[h]) if (t === gram) return h;
  return -1;
}

export class Scanner {
  /** Shortest and longest pattern, in characters. */
  readonly minLength: number;
  readonly maxLength: number;
  /** Distance between probes, in bytes (a multiple of 4). */
  readonly stride: number;
  /** The grams (0: an empty slot). */
  private readonly table: Int32Array;
  /** One bit per 16-bit hash of a gram: small enough to stay in L1, so a probe that misses costs one load. */
  private readonly filter: Uint8Array;
  /** probe.wat's loops, when the scanner was given them. */
  private readonly wasmProbe: WasmProbe['probe'] | undefined;
  private readonly wasmCheck: WasmProbe['check'] | undefined;
  /**
   * WINDOW bytes: with probe.wat, the part of its memory it probes (the
   * caller copies in what check() is to look at; probe() copies ranges in);
   * without, an array of the same size, for check().
   */
  readonly window: Uint8Array;
  /**
   * Parallel to table: the (pattern index, offset) pairs of the gram in slot
   * h are data[start[h] .. start[h + 1]). Two typed arrays
   * (~40 KB for a handful of decoys): an array of arrays, one per gram, held
   * ~0.5 MB of heap. Built at the first probe that hits (a spawn that
   * inherits the decoys' own variables is one).
   */
  private lists: { readonly start: Int32Array; readonly data: Int32Array } | undefined;
  private readonly codes: Uint8Array[];

  /** With `wasm`, ranges of WORDS_FROM bytes or more are probed by probe.wat, and the tables are in its memory (which must be zeroed). */
  constructor(readonly patterns: readonly Pattern[], wasm?: WasmProbe) {
    if (wasm !== undefined) {
      if (wasm.memory.byteLength !== WASM_PAGES * 65536) throw new Error('probe.wat\'s memory is not the size scanner.ts expects');
      this.filter = new Uint8Array(wasm.memory, 0, 1 << (FILTER_BITS - 3));
      this.table = new Int32Array(wasm.memory, WASM_TABLE_AT, 1 << TABLE_BITS);
      this.window = new Uint8Array(wasm.memory, WASM_WINDOW_AT, WINDOW);
      this.wasmProbe = wasm.probe;
      this.wasmCheck = wasm.check;
    } else {
      this.filter = new Uint8Array(1 << (FILTER_BITS - 3));
      this.table = new Int32Array(1 << TABLE_BITS);
      this.window = new Uint8Array(WINDOW);
    }
    let min = Infinity;
    let max = 0;
    this.codes = [];
    for (let p = 0; p < patterns.length; p++) {
      const t = patterns[p].text;
      if (t.length < 4) throw new Error('a pattern is shorter than 4 characters');
      min = Math.min(min, t.length);
      max = Math.max(max, t.length);
      const codes = new Uint8Array(t.length);
      for (let i = 0; i < t.length; i++) {
        const ch = t.charCodeAt(i);
        if (ch > 0x7e || ch < 0x20) throw new Error('a pattern is not printable ASCII');
        codes[i] = ch;
      }
      this.codes[p] = codes;
      for (let i = 0; i + 4 <= t.length; i++) this.add(pack(codes[i], codes[i + 1], codes[i + 2], codes[i + 3]));
    }
    this.minLength = min;
    this.maxLength = max;
    this.stride = Math.max(4, (min - 3) & ~3);
  }

  /** The slot of `gram` in the table, or of the empty slot where it would go (linear probing). */
  private slot(gram: number): number {
    const mask = (1 << TABLE_BITS) - 1;
    let h = (gram * HASH) >>> (32 - TABLE_BITS);
    while (this.table[h] !== 0 && this.table[h] !== gram) h = (h + 1) & mask;
    return h;
  }

  private add(gram: number): void {
    const f = (gram * HASH) >>> (32 - FILTER_BITS);
    this.filter[f >>> 3] |= 1 << (f & 7);
    this.table[this.slot(gram)] = gram;
  }

  /** The pattern lists (see `lists`), built at the first call. */
  private where(): { readonly start: Int32Array; readonly data: Int32Array } {
    if (this.lists !== undefined) return this.lists;
    const slots = 1 << TABLE_BITS;
    // Int32Array, one of the globals the bundle is handed as they were at start (late.ts's GLOBAL_NAMES), unlike Uint32Array.
    const start = new Int32Array(slots + 1);
    const each = (visit: (h: number, p: number, i: number) => void): void => {
      for (let p = 0; p < this.codes.length; p++) {
        const codes = this.codes[p];
        for (let i = 0; i + 4 <= codes.length; i++) visit(this.slot(pack(codes[i], codes[i + 1], codes[i + 2], codes[i + 3])), p, i);
      }
    };
    // Counts per slot, then where each slot's pairs start, then the pairs (a cursor per slot, from its start).
    each((h) => { start[h + 1] += 2; });
    for (let h = 0; h < slots; h++) start[h + 1] += start[h];
    const data = new Int32Array(start[slots]);
    // A copy by set(), which does not look up a species constructor as slice() does.
    const next = new Int32Array(slots + 1);
    next.set(start);
    each((h, p, i) => {
      data[next[h]++] = p;
      data[next[h]++] = i;
    });
    return (this.lists = { start, data });
  }

  /**
   * The next probe in bytes[from..to) after byte `after` (-1: the first)
   * whose gram is a piece of a pattern: its byte position, or -1. Probes lie
   * every `stride` bytes, so a pattern wholly inside the range holds one of
   * them (it is at least stride + 3 long). Calls no method or getter user
   * code can replace: the quick path (outbound.ts) runs it outside the
   * enforcer's window.
   */
  probe(bytes: Uint8Array, from: number, to: number, after = -1): number {
    const table = this.table;
    const filter = this.filter;
    const step = this.stride;
    if (to - from < WORDS_FROM) {
      for (let p = after < 0 ? from : after + step; p + 4 <= to; p += step) {
        if (find(table, filter, pack(bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3])) >= 0) return p;
      }
      return -1;
    }
    const wasm = this.wasmProbe;
    if (wasm !== undefined) {
      // The grid is from, from + step, ...; the range goes through the window a window's worth at a time.
      const window = this.window;
      for (let p = after < 0 ? from : after + step; p + 4 <= to;) {
        const n = to - p < WINDOW ? to - p : WINDOW;
        copyBytes(window, 0, bytes, p, n);
        const at = wasm(WASM_WINDOW_AT, WASM_WINDOW_AT + n, step);
        if (at >= 0) return p + at - WASM_WINDOW_AT;
        // The next probe on the grid: the first whose gram did not fit in this window.
        p += ((((n - 4) / step) | 0) + 1) * step;
      }
      return -1;
    }
    // The grid starts at the first aligned byte, base = from + (0..3): a pattern that starts
    // before it is at least 7 long (stride + 3), so it holds base's gram.
    const offset = apply(offsetOf, bytes, []) as number;
    const base = from + ((4 - ((offset + from) & 3)) & 3);
    const words = (to - base) >>> 2;
    const view = new Words(apply(bufferOf, bytes, []) as ArrayBuffer, offset + base, words);
    const w = step >>> 2;
    for (let i = after < 0 ? 0 : ((after - base) >>> 2) + w; i < words; i += w) if (find(table, filter, view[i]) >= 0) return base + (i << 2);
    return -1;
  }

  /**
   * A write, as the caller copied it into `window`: `kept` bytes sent
   * before it, then `head` bytes of it, then `tail` bytes of its end (0: the
   * head is the whole write). Probes the three grams across the junction of
   * the kept bytes and the head (a value that spans it holds one of them),
   * then the head and the tail each on its own grid: a probe's position in
   * the window whose gram is a piece of a pattern, or -1. Calls no method or
   * getter user code can replace (the quick path, outbound.ts, runs it
   * outside the window). With probe.wat, one call into it.
   */
  check(kept: number, head: number, tail: number): number {
    const wasm = this.wasmCheck;
    if (wasm !== undefined) {
      const at = wasm(kept, head, tail, this.stride);
      return at < 0 ? -1 : at - WASM_WINDOW_AT;
    }
    const w = this.window;
    const end = kept + head;
    for (let p = kept < 3 ? 0 : kept - 3; p < kept && p + 4 <= end; p++) {
      if (find(this.table, this.filter, pack(w[p], w[p + 1], w[p + 2], w[p + 3])) >= 0) return p;
    }
    const at = this.probe(w, kept, end);
    return at >= 0 || tail === 0 ? at : this.probe(w, end, end + tail);
  }

  /** The first pattern found in bytes[from..to), or undefined (`at` counts from bytes[0]). */
  scanBytes(bytes: Uint8Array, from = 0, to = bytes.length): Hit | undefined {
    if (to - from < this.minLength) return undefined;
    for (let p = this.probe(bytes, from, to); p >= 0; p = this.probe(bytes, from, to, p)) {
      const h = find(this.table, this.filter, pack(bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]));
      const hit = this.verifyBytes(bytes, p, h, from, to);
      if (hit) return hit;
    }
    return undefined;
  }

  private verifyBytes(bytes: Uint8Array, pos: number, h: number, from: number, to: number): Hit | undefined {
    const { start: at, data: w } = this.where();
    for (let k = at[h], end = at[h + 1]; k < end; k += 2) {
      const codes = this.codes[w[k]];
      const start = pos - w[k + 1];
      if (start < from || start + codes.length > to) continue;
      let i = 0;
      while (i < codes.length && bytes[start + i] === codes[i]) i++;
      if (i === codes.length) return { pattern: this.patterns[w[k]], at: start };
    }
    return undefined;
  }

  /**
   * The next probe of s at from, from + step, ... before `end` whose gram is
   * a piece of a pattern (a probe with a code above 0xff is skipped): its
   * position, or -1. scanString() and clearText() both probe through it, so
   * what clearText() clears, scanString() cannot flag. Calls only what this
   * module read when it loaded: clearText() runs outside the window.
   */
  private textProbe(s: string, from: number, end: number, step: number): number {
    const table = this.table;
    const filter = this.filter;
    for (let i = from; i < end; i += step) {
      const a = apply(charCodeAt, s, [i]) as number;
      const b = apply(charCodeAt, s, [i + 1]) as number;
      const c = apply(charCodeAt, s, [i + 2]) as number;
      const d = apply(charCodeAt, s, [i + 3]) as number;
      if ((a | b | c | d) <= 0xff && find(table, filter, pack(a, b, c, d)) >= 0) return i;
    }
    return -1;
  }

  /**
   * The first pattern found in s, probing grams that start at from, from +
   * step, ... before `until` (1: every position); the patterns verified may
   * run on to the end of s.
   */
  scanString(s: string, step = this.stride, from = 0, until = s.length): Hit | undefined {
    const end = Math.min(until, s.length - 3);
    for (let i = this.textProbe(s, from, end, step); i >= 0; i = this.textProbe(s, i + step, end, step)) {
      const h = find(this.table, this.filter, pack(s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2), s.charCodeAt(i + 3)));
      const hit = this.verifyString(s, i, h);
      if (hit) return hit;
    }
    return undefined;
  }

  /**
   * True when scanString(s) certainly finds nothing: none of the grams it
   * would probe is a piece of a pattern. Runs outside the enforcer's window
   * (Honeypots.quick). False for anything but a string.
   */
  clearText(s: unknown): boolean {
    return typeof s === 'string' && this.textProbe(s, 0, s.length - 3, this.stride) < 0;
  }

  private verifyString(s: string, pos: number, h: number): Hit | undefined {
    const { start: at, data: w } = this.where();
    for (let k = at[h], end = at[h + 1]; k < end; k += 2) {
      const p = this.patterns[w[k]];
      const start = pos - w[k + 1];
      if (start >= 0 && s.startsWith(p.text, start)) return { pattern: p, at: start };
    }
    return undefined;
  }
}
