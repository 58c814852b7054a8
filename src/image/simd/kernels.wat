;; WebAssembly SIMD image kernels for the per-frame work around the engine (issue 12).
;;
;; Resampling runs in float32, four lanes at a time: the model's input and the mask on the camera
;; frame are float32 anyway, and four lanes do twice the work of the two that doubles allow. The
;; JavaScript loops in src/image/resize.ts (and test/image/reference-kernels.ts) sum in doubles,
;; so the kernels' values differ from theirs by float32 rounding: the tests hold the model input
;; within 1/1000 of a camera level of the reference's, and mask levels within one level. The
;; overlay blend is integer arithmetic in 16-bit lanes where every intermediate fits (at most
;; 65408), so its bytes are the reference's exactly. No fused multiply-add and no relaxed SIMD, so
;; results are the same on every engine and machine.
;;
;; Assembled with wabt (`node scripts/build-wasm.js`) into src/image/simd/kernels-wasm.ts, which is
;; committed so that neither the build nor the installed package needs wabt; a test re-assembles
;; this file and checks the committed bytes match. The caller (src/image/simd/kernels.ts) owns the
;; memory layout: it copies inputs in, calls one function, and reads the results out.
(module
  (memory (export "memory") 1)

  ;; Horizontal pass of interleaved 8-bit RGB rows into planar float32 rows, four source rows at
  ;; a time: the rows' bytes are widened to floats in `pair` (byte column j at pair + 16 j, rows
  ;; A, B, C and D in one f32x4), then each output pixel sums its taps in three f32x4 accumulators
  ;; (R, G, B of the four rows), acc += w * s in tap order from +0. `weights` are float32.
  ;; `src` is the first row (readable 8 bytes past the last row's end); row r of `h` is three
  ;; planes of `plane` bytes (R, G, B; dstW floats each, padded), and `h` has room for up to three
  ;; spare rows past `rows` (the last rows of a group read the last source row).
  (func (export "hpassRgb")
    (param $src i32) (param $stride i32) (param $rows i32) (param $pair i32)
    (param $starts i32) (param $counts i32) (param $weights i32) (param $maxTaps i32)
    (param $dstW i32) (param $h i32) (param $plane i32)
    (local $r i32) (local $last i32) (local $rowA i32) (local $rowB i32) (local $rowC i32) (local $rowD i32)
    (local $j i32) (local $p i32) (local $x i32) (local $q i32) (local $w i32) (local $n i32)
    (local $ab v128) (local $cd v128) (local $v v128) (local $half v128)
    (local $ws v128) (local $a0 v128) (local $a1 v128) (local $a2 v128)
    (local $rowBytes i32) (local $o i32)
    (local.set $rowBytes (i32.mul (local.get $plane) (i32.const 3)))
    (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $rowA (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $rowB (i32.add (local.get $src) (i32.mul (local.get $stride)
          (select (i32.add (local.get $r) (i32.const 1)) (local.get $last)
            (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))))))
        (local.set $rowC (i32.add (local.get $src) (i32.mul (local.get $stride)
          (select (i32.add (local.get $r) (i32.const 2)) (local.get $last)
            (i32.lt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows))))))
        (local.set $rowD (i32.add (local.get $src) (i32.mul (local.get $stride)
          (select (i32.add (local.get $r) (i32.const 3)) (local.get $last)
            (i32.lt_u (i32.add (local.get $r) (i32.const 3)) (local.get $rows))))))
        ;; Widen eight byte columns of the four rows per step: interleave rows A with B and C with
        ;; D byte by byte, then the two pairs 16 bits at a time (A B C D per column), zero-extend
        ;; to 32 bits and convert as signed (one instruction on x86; the values are 0..255).
        (local.set $j (i32.const 0))
        (local.set $p (local.get $pair))
        (block $convDone
          (loop $conv
            (br_if $convDone (i32.ge_u (local.get $j) (local.get $stride)))
            (local.set $ab
              (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
                (v128.load64_zero (i32.add (local.get $rowA) (local.get $j)))
                (v128.load64_zero (i32.add (local.get $rowB) (local.get $j)))))
            (local.set $cd
              (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
                (v128.load64_zero (i32.add (local.get $rowC) (local.get $j)))
                (v128.load64_zero (i32.add (local.get $rowD) (local.get $j)))))
            (local.set $v (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $ab) (local.get $cd)))
            (local.set $half (i16x8.extend_low_i8x16_u (local.get $v)))
            (v128.store offset=0 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $half))))
            (v128.store offset=16 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $half))))
            (local.set $half (i16x8.extend_high_i8x16_u (local.get $v)))
            (v128.store offset=32 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $half))))
            (v128.store offset=48 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $half))))
            (local.set $v (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $ab) (local.get $cd)))
            (local.set $half (i16x8.extend_low_i8x16_u (local.get $v)))
            (v128.store offset=64 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $half))))
            (v128.store offset=80 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $half))))
            (local.set $half (i16x8.extend_high_i8x16_u (local.get $v)))
            (v128.store offset=96 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $half))))
            (v128.store offset=112 (local.get $p) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $half))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 128)))
            (br $conv)))
        ;; Sum the taps of each output pixel for the four rows at once; a source pixel is three
        ;; columns (48 bytes) of `pair`.
        (local.set $o (i32.add (local.get $h) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $x (i32.const 0))
        (block $xDone
          (loop $xLoop
            (br_if $xDone (i32.ge_u (local.get $x) (local.get $dstW)))
            (local.set $q (i32.add (local.get $pair)
              (i32.mul (i32.load (i32.add (local.get $starts) (i32.shl (local.get $x) (i32.const 2))))
                       (i32.const 48))))
            (local.set $n (i32.load (i32.add (local.get $counts) (i32.shl (local.get $x) (i32.const 2)))))
            (local.set $w (i32.add (local.get $weights)
              (i32.shl (i32.mul (local.get $x) (local.get $maxTaps)) (i32.const 2))))
            (local.set $a0 (v128.const i64x2 0 0))
            (local.set $a1 (v128.const i64x2 0 0))
            (local.set $a2 (v128.const i64x2 0 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.eqz (local.get $n)))
                (local.set $ws (v128.load32_splat (local.get $w)))
                (local.set $a0 (f32x4.add (local.get $a0)
                  (f32x4.mul (local.get $ws) (v128.load offset=0 (local.get $q)))))
                (local.set $a1 (f32x4.add (local.get $a1)
                  (f32x4.mul (local.get $ws) (v128.load offset=16 (local.get $q)))))
                (local.set $a2 (f32x4.add (local.get $a2)
                  (f32x4.mul (local.get $ws) (v128.load offset=32 (local.get $q)))))
                (local.set $q (i32.add (local.get $q) (i32.const 48)))
                (local.set $w (i32.add (local.get $w) (i32.const 4)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $kLoop)))
            ;; Lane i is row r + i: the R plane, then G, then B.
            (v128.store32_lane 0 (local.get $o) (local.get $a0))
            (v128.store32_lane 1 (i32.add (local.get $o) (local.get $rowBytes)) (local.get $a0))
            (v128.store32_lane 2 (i32.add (local.get $o) (i32.shl (local.get $rowBytes) (i32.const 1))) (local.get $a0))
            (v128.store32_lane 3 (i32.add (local.get $o) (i32.mul (local.get $rowBytes) (i32.const 3))) (local.get $a0))
            (local.set $q (i32.add (local.get $o) (local.get $plane)))
            (v128.store32_lane 0 (local.get $q) (local.get $a1))
            (v128.store32_lane 1 (i32.add (local.get $q) (local.get $rowBytes)) (local.get $a1))
            (v128.store32_lane 2 (i32.add (local.get $q) (i32.shl (local.get $rowBytes) (i32.const 1))) (local.get $a1))
            (v128.store32_lane 3 (i32.add (local.get $q) (i32.mul (local.get $rowBytes) (i32.const 3))) (local.get $a1))
            (local.set $q (i32.add (local.get $q) (local.get $plane)))
            (v128.store32_lane 0 (local.get $q) (local.get $a2))
            (v128.store32_lane 1 (i32.add (local.get $q) (local.get $rowBytes)) (local.get $a2))
            (v128.store32_lane 2 (i32.add (local.get $q) (i32.shl (local.get $rowBytes) (i32.const 1))) (local.get $a2))
            (v128.store32_lane 3 (i32.add (local.get $q) (i32.mul (local.get $rowBytes) (i32.const 3))) (local.get $a2))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $xLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rowLoop))))

  ;; Vertical pass over the planar rows hpassRgb made, four pixels at a time, and the colour
  ;; conversion of the finished pixels, written as the model's input values. Per channel
  ;; acc += w * h tap by tap from +0 in float32; then per output channel c,
  ;; (((m[c][0] r + m[c][1] g) + m[c][2] b) + m[c][3]) * scale + bias (an RGB or BGR row of the
  ;; matrix is one 1 and two 0s, which leave the value as it is). `starts` are row indices into
  ;; `h` (rows of three planes of `plane` bytes). `colour` holds 14 float32s: the 3 x 4 matrix row
  ;; by row, scale, bias. Pixel (x, y)'s channel c goes to out + (y dstW + x) pixelStep + c
  ;; channelStride; a row's last step may write up to three pixels past its end, which the next
  ;; row overwrites (the caller leaves room after the last row).
  (func (export "vpassColour")
    (param $h i32) (param $plane i32) (param $dstW i32) (param $starts i32) (param $counts i32)
    (param $weights i32) (param $maxTaps i32) (param $dstH i32) (param $colour i32)
    (param $out i32) (param $pixelStep i32) (param $channelStride i32)
    (local $y i32) (local $x i32) (local $k i32) (local $base i32) (local $w i32) (local $wp i32)
    (local $q i32) (local $o i32) (local $n i32) (local $rowBytes i32) (local $c i32) (local $m i32)
    (local $r v128) (local $g v128) (local $b v128) (local $ws v128) (local $f v128)
    (local $scale v128) (local $bias v128)
    (local.set $rowBytes (i32.mul (local.get $plane) (i32.const 3)))
    (local.set $scale (v128.load32_splat offset=48 (local.get $colour)))
    (local.set $bias (v128.load32_splat offset=52 (local.get $colour)))
    (block $yDone
      (loop $yLoop
        (br_if $yDone (i32.ge_u (local.get $y) (local.get $dstH)))
        (local.set $base (i32.add (local.get $h)
          (i32.mul (i32.load (i32.add (local.get $starts) (i32.shl (local.get $y) (i32.const 2))))
                   (local.get $rowBytes))))
        (local.set $n (i32.load (i32.add (local.get $counts) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $w (i32.add (local.get $weights)
          (i32.shl (i32.mul (local.get $y) (local.get $maxTaps)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $xDone
          (loop $xLoop
            (br_if $xDone (i32.ge_u (local.get $x) (local.get $dstW)))
            (local.set $r (v128.const i64x2 0 0))
            (local.set $g (v128.const i64x2 0 0))
            (local.set $b (v128.const i64x2 0 0))
            (local.set $q (i32.add (local.get $base) (i32.shl (local.get $x) (i32.const 2))))
            (local.set $wp (local.get $w))
            (local.set $k (local.get $n))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.eqz (local.get $k)))
                (local.set $ws (v128.load32_splat (local.get $wp)))
                (local.set $r (f32x4.add (local.get $r) (f32x4.mul (local.get $ws) (v128.load (local.get $q)))))
                (local.set $g (f32x4.add (local.get $g) (f32x4.mul (local.get $ws)
                  (v128.load (i32.add (local.get $q) (local.get $plane))))))
                (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $ws)
                  (v128.load (i32.add (local.get $q) (i32.shl (local.get $plane) (i32.const 1)))))))
                (local.set $q (i32.add (local.get $q) (local.get $rowBytes)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $kLoop)))
            ;; The three output channels of the four pixels.
            (local.set $o (i32.add (local.get $out)
              (i32.mul (i32.add (i32.mul (local.get $y) (local.get $dstW)) (local.get $x)) (local.get $pixelStep))))
            (local.set $m (local.get $colour))
            (local.set $c (i32.const 0))
            (block $cDone
              (loop $cLoop
                (br_if $cDone (i32.ge_u (local.get $c) (i32.const 3)))
                (local.set $f (f32x4.add (f32x4.mul (f32x4.add (f32x4.add (f32x4.add
                  (f32x4.mul (v128.load32_splat offset=0 (local.get $m)) (local.get $r))
                  (f32x4.mul (v128.load32_splat offset=4 (local.get $m)) (local.get $g)))
                  (f32x4.mul (v128.load32_splat offset=8 (local.get $m)) (local.get $b)))
                  (v128.load32_splat offset=12 (local.get $m)))
                  (local.get $scale)) (local.get $bias)))
                (if (i32.eq (local.get $pixelStep) (i32.const 4))
                  (then (v128.store (local.get $o) (local.get $f)))
                  (else
                    (v128.store32_lane 0 (local.get $o) (local.get $f))
                    (v128.store32_lane 1 (i32.add (local.get $o) (local.get $pixelStep)) (local.get $f))
                    (v128.store32_lane 2 (i32.add (local.get $o) (i32.shl (local.get $pixelStep) (i32.const 1))) (local.get $f))
                    (v128.store32_lane 3 (i32.add (local.get $o) (i32.mul (local.get $pixelStep) (i32.const 3))) (local.get $f))))
                (local.set $o (i32.add (local.get $o) (local.get $channelStride)))
                (local.set $m (i32.add (local.get $m) (i32.const 16)))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $cLoop)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $xLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yLoop))))

  ;; Two-tap horizontal pass of a float32 image (the mask, when mapped back up): per output
  ;; xw0 * s[xa] + xw1 * s[xb] in float32, four outputs at a time. Where dstW is not a multiple of
  ;; four, the last step reads the tap arrays up to three entries past their end (the caller pads
  ;; them with a valid index) and writes up to three values past the row, which the next row
  ;; overwrites (the caller leaves room after the last).
  (func (export "hpassBilinear")
    (param $src i32) (param $srcW i32) (param $rows i32) (param $xa i32) (param $xb i32)
    (param $xw0 i32) (param $xw1 i32) (param $dstW i32) (param $h i32)
    (local $r i32) (local $row i32) (local $x i32) (local $o i32) (local $i i32)
    (local $a v128) (local $b v128)
    (block $rDone
      (loop $rLoop
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $src)
          (i32.shl (i32.mul (local.get $r) (local.get $srcW)) (i32.const 2))))
        ;; Rows are dstW floats apart, so a row's spare values fall on the next row's first.
        (local.set $o (i32.add (local.get $h)
          (i32.shl (i32.mul (local.get $r) (local.get $dstW)) (i32.const 2))))
        (local.set $x (i32.const 0))
        (block $xDone
          (loop $xLoop
            (br_if $xDone (i32.ge_u (local.get $x) (local.get $dstW)))
            (local.set $i (i32.shl (local.get $x) (i32.const 2)))
            (local.set $a (v128.load32_zero
              (i32.add (local.get $row) (i32.shl (i32.load (i32.add (local.get $xa) (local.get $i))) (i32.const 2)))))
            (local.set $a (v128.load32_lane 1
              (i32.add (local.get $row) (i32.shl (i32.load offset=4 (i32.add (local.get $xa) (local.get $i))) (i32.const 2)))
              (local.get $a)))
            (local.set $a (v128.load32_lane 2
              (i32.add (local.get $row) (i32.shl (i32.load offset=8 (i32.add (local.get $xa) (local.get $i))) (i32.const 2)))
              (local.get $a)))
            (local.set $a (v128.load32_lane 3
              (i32.add (local.get $row) (i32.shl (i32.load offset=12 (i32.add (local.get $xa) (local.get $i))) (i32.const 2)))
              (local.get $a)))
            (local.set $b (v128.load32_zero
              (i32.add (local.get $row) (i32.shl (i32.load (i32.add (local.get $xb) (local.get $i))) (i32.const 2)))))
            (local.set $b (v128.load32_lane 1
              (i32.add (local.get $row) (i32.shl (i32.load offset=4 (i32.add (local.get $xb) (local.get $i))) (i32.const 2)))
              (local.get $b)))
            (local.set $b (v128.load32_lane 2
              (i32.add (local.get $row) (i32.shl (i32.load offset=8 (i32.add (local.get $xb) (local.get $i))) (i32.const 2)))
              (local.get $b)))
            (local.set $b (v128.load32_lane 3
              (i32.add (local.get $row) (i32.shl (i32.load offset=12 (i32.add (local.get $xb) (local.get $i))) (i32.const 2)))
              (local.get $b)))
            (v128.store (local.get $o) (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $xw0) (local.get $i))) (local.get $a))
              (f32x4.mul (v128.load (i32.add (local.get $xw1) (local.get $i))) (local.get $b))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br $xLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rLoop))))

  ;; Vertical two-tap blend of the rows hpassBilinear made, quantised to 8-bit levels, written to
  ;; `out` (the first output pixel) with a row stride of `stride` bytes. `ya`/`yb` are row indices
  ;; into `h`, `yw0`/`yw1` their float32 weights. Per pixel, in float32: level(w0 a + w1 b) with
  ;; level(v) = v * 255 + 0.5 truncated and clamped to 0..255 (NaN to 0). Sixteen pixels a step:
  ;; trunc_sat gives 0 for NaN and saturates, and the two narrowing steps saturate to i16 and then
  ;; to 0..255, so no clamping is needed; the rest four and then one at a time.
  (func (export "bilinearLevels")
    (param $h i32) (param $dstW i32) (param $dstH i32) (param $ya i32) (param $yb i32)
    (param $yw0 i32) (param $yw1 i32) (param $out i32) (param $stride i32)
    (local $y i32) (local $i i32) (local $a i32) (local $b i32) (local $o i32) (local $rowBytes i32)
    (local $w0 v128) (local $w1 v128) (local $l0 v128) (local $l1 v128) (local $l2 v128) (local $l3 v128)
    (local $v f32) (local $level i32)
    (local.set $rowBytes (i32.shl (local.get $dstW) (i32.const 2)))
    (block $yDone
      (loop $yLoop
        (br_if $yDone (i32.ge_u (local.get $y) (local.get $dstH)))
        (local.set $a (i32.add (local.get $h) (i32.mul (local.get $rowBytes)
          (i32.load (i32.add (local.get $ya) (i32.shl (local.get $y) (i32.const 2)))))))
        (local.set $b (i32.add (local.get $h) (i32.mul (local.get $rowBytes)
          (i32.load (i32.add (local.get $yb) (i32.shl (local.get $y) (i32.const 2)))))))
        (local.set $w0 (v128.load32_splat (i32.add (local.get $yw0) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $w1 (v128.load32_splat (i32.add (local.get $yw1) (i32.shl (local.get $y) (i32.const 2)))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $stride))))
        (local.set $i (i32.const 0))
        (block $sixteenDone
          (loop $sixteen
            (br_if $sixteenDone (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $dstW)))
            (local.set $l0 (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (f32x4.add
              (f32x4.mul (local.get $w0) (v128.load offset=0 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
              (f32x4.mul (local.get $w1) (v128.load offset=0 (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))
              (v128.const f32x4 255 255 255 255)) (v128.const f32x4 0.5 0.5 0.5 0.5))))
            (local.set $l1 (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (f32x4.add
              (f32x4.mul (local.get $w0) (v128.load offset=16 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
              (f32x4.mul (local.get $w1) (v128.load offset=16 (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))
              (v128.const f32x4 255 255 255 255)) (v128.const f32x4 0.5 0.5 0.5 0.5))))
            (local.set $l2 (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (f32x4.add
              (f32x4.mul (local.get $w0) (v128.load offset=32 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
              (f32x4.mul (local.get $w1) (v128.load offset=32 (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))
              (v128.const f32x4 255 255 255 255)) (v128.const f32x4 0.5 0.5 0.5 0.5))))
            (local.set $l3 (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (f32x4.add
              (f32x4.mul (local.get $w0) (v128.load offset=48 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
              (f32x4.mul (local.get $w1) (v128.load offset=48 (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))
              (v128.const f32x4 255 255 255 255)) (v128.const f32x4 0.5 0.5 0.5 0.5))))
            (v128.store (i32.add (local.get $o) (local.get $i)) (i8x16.narrow_i16x8_u
              (i16x8.narrow_i32x4_s (local.get $l0) (local.get $l1))
              (i16x8.narrow_i32x4_s (local.get $l2) (local.get $l3))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $sixteen)))
        (block $quadDone
          (loop $quad
            (br_if $quadDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $dstW)))
            (local.set $l0 (i32x4.trunc_sat_f32x4_s (f32x4.add (f32x4.mul (f32x4.add
              (f32x4.mul (local.get $w0) (v128.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
              (f32x4.mul (local.get $w1) (v128.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))
              (v128.const f32x4 255 255 255 255)) (v128.const f32x4 0.5 0.5 0.5 0.5))))
            (local.set $l0 (i16x8.narrow_i32x4_s (local.get $l0) (local.get $l0)))
            (v128.store32_lane 0 (i32.add (local.get $o) (local.get $i))
              (i8x16.narrow_i16x8_u (local.get $l0) (local.get $l0)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $quad)))
        (block $oneDone
          (loop $one
            (br_if $oneDone (i32.ge_u (local.get $i) (local.get $dstW)))
            (local.set $v (f32.add (f32.mul (f32.add
              (f32.mul (f32x4.extract_lane 0 (local.get $w0))
                (f32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
              (f32.mul (f32x4.extract_lane 0 (local.get $w1))
                (f32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))
              (f32.const 255)) (f32.const 0.5)))
            (local.set $level (i32.trunc_sat_f32_s (local.get $v)))
            (i32.store8 (i32.add (local.get $o) (local.get $i))
              (select (i32.const 255)
                (select (local.get $level) (i32.const 0) (i32.gt_s (local.get $level) (i32.const 0)))
                (i32.gt_s (local.get $level) (i32.const 255))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $one)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yLoop))))

  ;; The overlay blend of renderOverlayFromMono8: per pixel and channel
  ;; out = (camera * keep + colour * weight + 128) >> 8, the second term read from the table by the
  ;; pixel's level. Sixteen pixels (48 bytes) per step, the rest one at a time. The table at
  ;; address 0 holds per level 160 bytes: ten 16-byte vectors of u16 lanes, each the level's three
  ;; colour terms at the lanes one pixel of an eight-pixel group takes in the bytes' order (24
  ;; lanes, three vectors; pixels 2 and 5 straddle two vectors, so they have two entries each),
  ;; zeros elsewhere. ORing a group's entries gives its terms with no shuffles:
  ;;   vector 0: entries 0 (pixel 0), 1 (pixel 1), 2 (pixel 2's r, g)
  ;;   vector 1: entries 3 (pixel 2's b), 4 (pixel 3), 5 (pixel 4), 6 (pixel 5's r)
  ;;   vector 2: entries 7 (pixel 5's g, b), 8 (pixel 6), 9 (pixel 7)
  ;; Each eight bytes are (camera * keep + term) >> 8 in 16-bit lanes (at most 65408, no wrap).
  ;; Written out inline: Node 20's V8 does not inline WebAssembly calls, and a call per step costs
  ;; more than the step. Entry 0 alone (r, g, b at bytes 0, 2, 4) serves the one-pixel tail.
  ;; Sixteen pixels of one level (most of a frame: the rows outside the crop, where the mask is 0,
  ;; and the mask's quiet parts) take the same terms from three ORs of that level's entries, the
  ;; group's pattern repeating every eight pixels: the same sums, so the same bytes.
  (func (export "blend")
    (param $src i32) (param $levels i32) (param $out i32) (param $pixels i32)
    (param $keep i32)
    (local $p i32) (local $s i32) (local $o i32) (local $l i32) (local $k v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $t i32)
    (local $u0 v128) (local $u1 v128) (local $u2 v128)
    (local.set $k (i16x8.splat (local.get $keep)))
    (local.set $s (local.get $src))
    (local.set $o (local.get $out))
    (local.set $l (local.get $levels))
    (block $done
      (loop $step
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $pixels)))
        (local.set $s0 (v128.load offset=0 (local.get $s)))
        (local.set $s1 (v128.load offset=16 (local.get $s)))
        (local.set $s2 (v128.load offset=32 (local.get $s)))
        (local.set $t (i32.load8_u (local.get $l)))
        (if (i8x16.all_true (i8x16.eq (v128.load (local.get $l)) (i8x16.splat (local.get $t))))
          (then
            (local.set $t (i32.mul (local.get $t) (i32.const 160)))
            (local.set $u0 (v128.or (v128.or (v128.load offset=0 (local.get $t))
              (v128.load offset=16 (local.get $t))) (v128.load offset=32 (local.get $t))))
            (local.set $u1 (v128.or (v128.or (v128.load offset=48 (local.get $t))
              (v128.load offset=64 (local.get $t))) (v128.or (v128.load offset=80 (local.get $t))
              (v128.load offset=96 (local.get $t)))))
            (local.set $u2 (v128.or (v128.or (v128.load offset=112 (local.get $t))
              (v128.load offset=128 (local.get $t))) (v128.load offset=144 (local.get $t))))
            (v128.store offset=0 (local.get $o) (i8x16.narrow_i16x8_u
              (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $s0)) (local.get $k)) (local.get $u0)) (i32.const 8))
              (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $s0)) (local.get $k)) (local.get $u1)) (i32.const 8))))
            (v128.store offset=16 (local.get $o) (i8x16.narrow_i16x8_u
              (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $s1)) (local.get $k)) (local.get $u2)) (i32.const 8))
              (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $s1)) (local.get $k)) (local.get $u0)) (i32.const 8))))
            (v128.store offset=32 (local.get $o) (i8x16.narrow_i16x8_u
              (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $s2)) (local.get $k)) (local.get $u1)) (i32.const 8))
              (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $s2)) (local.get $k)) (local.get $u2)) (i32.const 8))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $l (i32.add (local.get $l) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 48)))
            (local.set $o (i32.add (local.get $o) (i32.const 48)))
            (br $step)))
        (v128.store offset=0 (local.get $o) (i8x16.narrow_i16x8_u
          (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $s0)) (local.get $k)) (v128.or (v128.or (v128.load offset=0 (i32.mul (i32.load8_u offset=0 (local.get $l)) (i32.const 160))) (v128.load offset=16 (i32.mul (i32.load8_u offset=1 (local.get $l)) (i32.const 160)))) (v128.load offset=32 (i32.mul (i32.load8_u offset=2 (local.get $l)) (i32.const 160))))) (i32.const 8))
          (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $s0)) (local.get $k)) (v128.or (v128.or (v128.load offset=48 (i32.mul (i32.load8_u offset=2 (local.get $l)) (i32.const 160))) (v128.load offset=64 (i32.mul (i32.load8_u offset=3 (local.get $l)) (i32.const 160)))) (v128.or (v128.load offset=80 (i32.mul (i32.load8_u offset=4 (local.get $l)) (i32.const 160))) (v128.load offset=96 (i32.mul (i32.load8_u offset=5 (local.get $l)) (i32.const 160)))))) (i32.const 8))))
        (v128.store offset=16 (local.get $o) (i8x16.narrow_i16x8_u
          (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $s1)) (local.get $k)) (v128.or (v128.or (v128.load offset=112 (i32.mul (i32.load8_u offset=5 (local.get $l)) (i32.const 160))) (v128.load offset=128 (i32.mul (i32.load8_u offset=6 (local.get $l)) (i32.const 160)))) (v128.load offset=144 (i32.mul (i32.load8_u offset=7 (local.get $l)) (i32.const 160))))) (i32.const 8))
          (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $s1)) (local.get $k)) (v128.or (v128.or (v128.load offset=0 (i32.mul (i32.load8_u offset=8 (local.get $l)) (i32.const 160))) (v128.load offset=16 (i32.mul (i32.load8_u offset=9 (local.get $l)) (i32.const 160)))) (v128.load offset=32 (i32.mul (i32.load8_u offset=10 (local.get $l)) (i32.const 160))))) (i32.const 8))))
        (v128.store offset=32 (local.get $o) (i8x16.narrow_i16x8_u
          (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $s2)) (local.get $k)) (v128.or (v128.or (v128.load offset=48 (i32.mul (i32.load8_u offset=10 (local.get $l)) (i32.const 160))) (v128.load offset=64 (i32.mul (i32.load8_u offset=11 (local.get $l)) (i32.const 160)))) (v128.or (v128.load offset=80 (i32.mul (i32.load8_u offset=12 (local.get $l)) (i32.const 160))) (v128.load offset=96 (i32.mul (i32.load8_u offset=13 (local.get $l)) (i32.const 160)))))) (i32.const 8))
          (i16x8.shr_u (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $s2)) (local.get $k)) (v128.or (v128.or (v128.load offset=112 (i32.mul (i32.load8_u offset=13 (local.get $l)) (i32.const 160))) (v128.load offset=128 (i32.mul (i32.load8_u offset=14 (local.get $l)) (i32.const 160)))) (v128.load offset=144 (i32.mul (i32.load8_u offset=15 (local.get $l)) (i32.const 160))))) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $l (i32.add (local.get $l) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 48)))
        (local.set $o (i32.add (local.get $o) (i32.const 48)))
        (br $step)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $p) (local.get $pixels)))
        (local.set $t (i32.mul (i32.load8_u (local.get $l)) (i32.const 160)))
        (i32.store8 offset=0 (local.get $o) (i32.shr_u (i32.add
          (i32.mul (i32.load8_u offset=0 (local.get $s)) (local.get $keep))
          (i32.load16_u offset=0 (local.get $t))) (i32.const 8)))
        (i32.store8 offset=1 (local.get $o) (i32.shr_u (i32.add
          (i32.mul (i32.load8_u offset=1 (local.get $s)) (local.get $keep))
          (i32.load16_u offset=2 (local.get $t))) (i32.const 8)))
        (i32.store8 offset=2 (local.get $o) (i32.shr_u (i32.add
          (i32.mul (i32.load8_u offset=2 (local.get $s)) (local.get $keep))
          (i32.load16_u offset=4 (local.get $t))) (i32.const 8)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (local.set $s (i32.add (local.get $s) (i32.const 3)))
        (local.set $o (i32.add (local.get $o) (i32.const 3)))
        (br $tail))))
)
