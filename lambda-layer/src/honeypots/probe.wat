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

  ;; Probes the grams at p, p + step, ... while p + 4 <= end (addresses in
  ;; memory); returns the first whose gram is in the table, or -1.
  (func $probe (export "probe") (param $p i32) (param $end i32) (param $step i32) (result i32)
    (local $gram i32) (local $hash i32) (local $slot i32) (local $entry i32)
    block $done
      loop $next
        ;; p + 4 > end: no whole gram left
        local.get $p
        i32.const 4
        i32.add
        local.get $end
        i32.gt_u
        br_if $done
        ;; hash = (gram * 0x1e3779) >>> 16
        local.get $p
        i32.load align=1
        local.tee $gram
        i32.const 0x1e3779
        i32.mul
        i32.const 16
        i32.shr_u
        local.tee $hash
        ;; the filter's bit: filter[hash >>> 3] & (1 << (hash & 7)); most probes end here
        i32.const 3
        i32.shr_u
        i32.load8_u
        i32.const 1
        local.get $hash
        i32.const 7
        i32.and
        i32.shl
        i32.and
        if
          ;; the table, from slot hash >>> 2, until the gram or an empty slot
          local.get $hash
          i32.const 2
          i32.shr_u
          local.set $slot
          block $absent
            loop $walk
              local.get $slot
              i32.const 2
              i32.shl
              i32.load offset=8192
              local.tee $entry
              i32.eqz
              br_if $absent
              local.get $entry
              local.get $gram
              i32.eq
              if
                local.get $p
                return
              end
              local.get $slot
              i32.const 1
              i32.add
              i32.const 16383
              i32.and
              local.set $slot
              br $walk
            end
          end
        end
        local.get $p
        local.get $step
        i32.add
        local.set $p
        br $next
      end
    end
    i32.const -1)

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
