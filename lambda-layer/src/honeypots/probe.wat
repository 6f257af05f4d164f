;; The outbound scan's probe loop (scanner.ts, Scanner#probe) as WebAssembly.
;;
;; Why: the same loop in JavaScript runs in V8's interpreter and baseline
;; tiers for the first thousands of probes of a process (a connection's
;; first megabyte is probed whole), ~100 ns a probe, and TurboFan then spends
;; milliseconds compiling it on another core. WebAssembly is compiled once,
;; in microseconds, to machine code: a few ns a probe from the first.
;; build.mjs assembles this file (wabt, pinned) into honeypots.js.
;;
;; Memory (two 64 KB pages), the layout scanner.ts's WASM_* constants name:
;;   [0, 8192)           the filter: one bit per 16-bit hash of a gram
;;                       (scanner.ts's JavaScript probe reads it; this
;;                       module goes to the table at once, fewer instructions)
;;   [8192, 73728)       the table: 16384 grams (i32, 0 an empty slot),
;;                       linear probing from the hash's top 14 bits
;;   [73728, 131072)     the window: the bytes to probe, copied in by the caller
;;                       (for check: a connection's kept bytes, then a
;;                       write's head, then its tail)
;; The hash is scanner.ts's: the low 32 bits of gram * 0x1e3779, the filter's
;; bit its top 16 bits, the table's first slot its top 14 bits. A gram is 4
;; bytes read as a little-endian i32, as an Int32Array load reads them.
(module
  (memory (export "memory") 2)

  ;; Whether a gram is in the table: from its first slot (at byte $at of
  ;; the table, not empty), until the gram or an empty slot.
  (func $inTable (param $gram i32) (param $at i32) (result i32)
    (local $entry i32)
    (loop $walk
      (local.set $entry (i32.load offset=8192 (local.get $at)))
      (if (i32.eqz (local.get $entry)) (then (return (i32.const 0))))
      (if (i32.eq (local.get $entry) (local.get $gram)) (then (return (i32.const 1))))
      (local.set $at (i32.and (i32.add (local.get $at) (i32.const 4)) (i32.const 65535)))
      (br $walk))
    (i32.const 0))

  ;; Probes the grams at p, p + step, ... while p + 4 <= end (addresses in
  ;; memory); returns the first whose gram is in the table, or -1. A probe
  ;; reads the gram's first slot in the table, (gram * 0x1e3779) >>> 18; most
  ;; probes end there, at an empty slot (the table is a tenth full or less).
  ;; The filter (for the JavaScript probe) is not read: a load, a multiply,
  ;; a shift, a load and a branch a probe. Four probes a turn while four
  ;; fit, then one a turn. A probe whose first slot is taken leaves the
  ;; loops (no call inside them: it would make V8 keep the loop's values
  ;; on the stack around it) for the table's walk, then probing goes on.
  (func $probe (export "probe") (param $p i32) (param $end i32) (param $step i32) (result i32)
    (local $q i32) (local $gram i32) (local $at i32) (local $four i32)
    ;; the last p from which four probes fit: end - 4 - 3 * step (signed: addresses are below 2^31)
    (local.set $four (i32.sub (i32.sub (local.get $end) (i32.const 4)) (i32.mul (local.get $step) (i32.const 3))))
    (loop $scan
      (block $occupied
        (block $fours
          (loop $next4
            (br_if $fours (i32.gt_s (local.get $p) (local.get $four)))
            ;; p
            (local.set $q (local.get $p))
            (local.set $gram (i32.load align=1 (local.get $q)))
            (local.set $at (i32.and (i32.shr_u (i32.mul (local.get $gram) (i32.const 0x1e3779)) (i32.const 16)) (i32.const -4)))
            (br_if $occupied (i32.load offset=8192 (local.get $at)))
            ;; p + step
            (local.set $q (i32.add (local.get $p) (local.get $step)))
            (local.set $gram (i32.load align=1 (local.get $q)))
            (local.set $at (i32.and (i32.shr_u (i32.mul (local.get $gram) (i32.const 0x1e3779)) (i32.const 16)) (i32.const -4)))
            (br_if $occupied (i32.load offset=8192 (local.get $at)))
            ;; p + 2 * step
            (local.set $q (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 1))))
            (local.set $gram (i32.load align=1 (local.get $q)))
            (local.set $at (i32.and (i32.shr_u (i32.mul (local.get $gram) (i32.const 0x1e3779)) (i32.const 16)) (i32.const -4)))
            (br_if $occupied (i32.load offset=8192 (local.get $at)))
            ;; p + 3 * step
            (local.set $q (i32.add (local.get $p) (i32.mul (local.get $step) (i32.const 3))))
            (local.set $gram (i32.load align=1 (local.get $q)))
            (local.set $at (i32.and (i32.shr_u (i32.mul (local.get $gram) (i32.const 0x1e3779)) (i32.const 16)) (i32.const -4)))
            (br_if $occupied (i32.load offset=8192 (local.get $at)))
            (local.set $p (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 2))))
            (br $next4)))
        (block $done
          (loop $next
            ;; p + 4 > end: no whole gram left
            (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
            ;; p
            (local.set $q (local.get $p))
            (local.set $gram (i32.load align=1 (local.get $q)))
            (local.set $at (i32.and (i32.shr_u (i32.mul (local.get $gram) (i32.const 0x1e3779)) (i32.const 16)) (i32.const -4)))
            (br_if $occupied (i32.load offset=8192 (local.get $at)))
            (local.set $p (i32.add (local.get $p) (local.get $step)))
            (br $next)))
        (return (i32.const -1)))
      ;; q's first slot is taken: the gram, or another one
      (if (call $inTable (local.get $gram) (local.get $at)) (then (return (local.get $q))))
      (local.set $p (i32.add (local.get $q) (local.get $step)))
      (br $scan))
    (i32.const -1))

  ;; A write on a connection, all in the window (at 73728): the last $kept
  ;; bytes sent before it, then $head bytes of the write, then $tail bytes
  ;; of it (0: the head is all of it; else the write's end, which does not
  ;; follow the head). Probes the three grams across the junction of the
  ;; kept bytes and the head (a value that spans it holds one of them), then
  ;; the head and the tail each on its own grid of $step: the first hit's
  ;; address, or -1. One call a write: the JavaScript around it only copies.
  (func (export "check") (param $kept i32) (param $head i32) (param $tail i32) (param $step i32) (result i32)
    (local $j i32) (local $end i32) (local $hit i32)
    ;; j: the junction's address; end: the head's end
    (local.set $j (i32.add (i32.const 73728) (local.get $kept)))
    (local.set $end (i32.add (local.get $j) (local.get $head)))
    ;; grams at max(window, j - 3) .. j - 1 that fit before the head's end
    (local.set $hit
      (call $probe
        (select (i32.sub (local.get $j) (i32.const 3)) (i32.const 73728) (i32.ge_u (local.get $kept) (i32.const 3)))
        (select (i32.add (local.get $j) (i32.const 3)) (local.get $end) (i32.ge_u (local.get $head) (i32.const 3)))
        (i32.const 1)))
    (if (i32.ge_s (local.get $hit) (i32.const 0)) (then (return (local.get $hit))))
    (local.set $hit (call $probe (local.get $j) (local.get $end) (local.get $step)))
    (if (i32.ge_s (local.get $hit) (i32.const 0)) (then (return (local.get $hit))))
    (call $probe (local.get $end) (i32.add (local.get $end) (local.get $tail)) (local.get $step))))
