;; The string transcoder of strings.ts (the bytes in transcode.ts are this module, compiled; the
;; Node test transcode-module.test.ts checks they still match). It reads a JS string's code units
;; and makes strings through the JS String Builtins (`wasm:js-string`), which V8 runs several
;; times faster than a JS loop of charCodeAt (or String.fromCharCode), and faster than
;; TextEncoder.encodeInto on two-byte strings.
(module
  (import "wasm:js-string" "length" (func $length (param externref) (result i32)))
  (import "wasm:js-string" "charCodeAt" (func $charCodeAt (param externref i32) (result i32)))
  (type $units (array (mut i16)))
  (import "wasm:js-string" "fromCharCodeArray" (func $fromCharCodeArray (param (ref null $units) i32 i32) (result (ref extern))))
  (memory (export "memory") 1)
  ;; the code units of the last string made, reused (it only grows)
  (global $units (mut (ref null $units)) (ref.null $units))

  ;; Writes the UTF-8 of string $s at address 0 (memory must hold 3 bytes per code unit) and
  ;; returns its length, or -1 if $s has a lone surrogate.
  (func (export "utf8") (param $s externref) (result i32)
    (local $i i32) (local $n i32) (local $c i32) (local $d i32) (local $p i32)
    (local.set $n (call $length (local.get $s)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (call $charCodeAt (local.get $s) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        ;; branches, not selects: measured faster, mixed text and all
        (if (i32.lt_u (local.get $c) (i32.const 0x80))
          (then
            (i32.store8 (local.get $p) (local.get $c))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $next)))
        (if (i32.lt_u (local.get $c) (i32.const 0x800))
          (then
            (i32.store16 (local.get $p)
              (i32.or (i32.or (i32.const 0x80c0) (i32.shr_u (local.get $c) (i32.const 6)))
                      (i32.shl (i32.and (local.get $c) (i32.const 0x3f)) (i32.const 8))))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))
            (br $next)))
        (if (i32.ne (i32.and (local.get $c) (i32.const 0xf800)) (i32.const 0xd800))
          (then
            (i32.store16 (local.get $p)
              (i32.or (i32.or (i32.const 0x80e0) (i32.shr_u (local.get $c) (i32.const 12)))
                      (i32.shl (i32.and (i32.shr_u (local.get $c) (i32.const 6)) (i32.const 0x3f)) (i32.const 8))))
            (i32.store8 offset=2 (local.get $p) (i32.or (i32.const 0x80) (i32.and (local.get $c) (i32.const 0x3f))))
            (local.set $p (i32.add (local.get $p) (i32.const 3)))
            (br $next)))
        ;; a surrogate: well-formed only as a high one followed by a low one
        (if (i32.ge_u (local.get $c) (i32.const 0xdc00)) (then (return (i32.const -1))))
        (if (i32.ge_u (local.get $i) (local.get $n)) (then (return (i32.const -1))))
        (local.set $d (call $charCodeAt (local.get $s) (local.get $i)))
        (if (i32.ne (i32.and (local.get $d) (i32.const 0xfc00)) (i32.const 0xdc00)) (then (return (i32.const -1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $c (i32.add (i32.const 0x10000)
          (i32.or (i32.shl (i32.and (local.get $c) (i32.const 0x3ff)) (i32.const 10))
                  (i32.and (local.get $d) (i32.const 0x3ff)))))
        (i32.store (local.get $p)
          (i32.or
            (i32.or (i32.or (i32.const 0x808080f0) (i32.shr_u (local.get $c) (i32.const 18)))
                    (i32.shl (i32.and (i32.shr_u (local.get $c) (i32.const 12)) (i32.const 0x3f)) (i32.const 8)))
            (i32.or (i32.shl (i32.and (i32.shr_u (local.get $c) (i32.const 6)) (i32.const 0x3f)) (i32.const 16))
                    (i32.shl (i32.and (local.get $c) (i32.const 0x3f)) (i32.const 24)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next)))
    (local.get $p))

  ;; Writes the code units of string $s at address 0 (memory must hold 2 bytes per unit) and
  ;; returns all of them or-ed together (so <= 0xff means latin1), or -1 if $s has a lone surrogate.
  (func (export "utf16") (param $s externref) (result i32)
    (local $i i32) (local $n i32) (local $c i32) (local $d i32) (local $all i32)
    (local.set $n (call $length (local.get $s)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (call $charCodeAt (local.get $s) (local.get $i)))
        (i32.store16 (i32.shl (local.get $i) (i32.const 1)) (local.get $c))
        (local.set $all (i32.or (local.get $all) (local.get $c)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.ne (i32.and (local.get $c) (i32.const 0xf800)) (i32.const 0xd800)))
        ;; a surrogate: a high one must come first, and a low one next
        (if (i32.ge_u (local.get $c) (i32.const 0xdc00)) (then (return (i32.const -1))))
        (if (i32.ge_u (local.get $i) (local.get $n)) (then (return (i32.const -1))))
        (local.set $d (call $charCodeAt (local.get $s) (local.get $i)))
        (if (i32.ne (i32.and (local.get $d) (i32.const 0xfc00)) (i32.const 0xdc00)) (then (return (i32.const -1))))
        (i32.store16 (i32.shl (local.get $i) (i32.const 1)) (local.get $d))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $all))

  ;; Narrows the $n code units at address 0 (all <= 0xff) to bytes at address 0, for latin1.
  (func (export "latin1") (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.load16_u (i32.shl (local.get $i) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; 1 if the $n bytes at address 0 are all ASCII, 0 if not
  (func (export "ascii") (param $n i32) (result i32)
    (local $i i32) (local $any i64)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
        (local.set $any (i64.or (local.get $any) (i64.load (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $any (i64.or (local.get $any) (i64.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.eqz (i64.and (local.get $any) (i64.const 0x8080808080808080))))

  ;; The string of the $n latin1 bytes at address 0.
  (func (export "fromLatin1") (param $n i32) (result externref)
    (local $i i32) (local $a (ref null $units))
    (local.set $a (global.get $units))
    (if (if (result i32) (ref.is_null (local.get $a)) (then (i32.const 1)) (else (i32.lt_u (array.len (local.get $a)) (local.get $n))))
      (then
        (local.set $a (array.new_default $units (local.get $n)))
        (global.set $units (local.get $a))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (array.set $units (local.get $a) (local.get $i) (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $fromCharCodeArray (local.get $a) (i32.const 0) (local.get $n))))
