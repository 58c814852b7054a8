import { RgbFrame } from "./frame";
import { PreprocessSpec } from "./preprocess";

/**
 * Turns one image of a model input tensor (C, H, W) back into something a person can look at:
 * undoes the spec's scale and bias and, for YUV, the colour conversion. One-channel inputs become
 * gray; anything else is stretched to 0..255 per image.
 */
export function tensorToFrame(
  data: Float32Array,
  channels: number,
  height: number,
  width: number,
  spec?: PreprocessSpec,
): RgbFrame {
  const plane = height * width;
  const out = new Uint8Array(plane * 3);
  const clamp = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  if (channels === 3 && spec !== undefined && spec.scale !== 0) {
    for (let p = 0; p < plane; p++) {
      const c = [0, 1, 2].map((k) => (data[k * plane + p] - spec.bias) / spec.scale);
      let [r, g, b] = c;
      if (spec.colorSpace === "bgr") [r, b] = [c[2], c[0]];
      else if (spec.colorSpace === "yuv") {
        const [y, u, v] = [c[0], c[1] - 128, c[2] - 128];
        r = y + 1.402 * v;
        g = y - 0.344136 * u - 0.714136 * v;
        b = y + 1.772 * u;
      }
      out[p * 3] = clamp(r);
      out[p * 3 + 1] = clamp(g);
      out[p * 3 + 2] = clamp(b);
    }
    return { width, height, data: out };
  }
  if (channels === 1 && spec?.colorSpace === "grey" && spec.scale !== 0) {
    for (let p = 0; p < plane; p++) {
      const v = clamp((data[p] - spec.bias) / spec.scale);
      out.fill(v, p * 3, p * 3 + 3);
    }
    return { width, height, data: out };
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < channels * plane; i++) {
    min = Math.min(min, data[i]);
    max = Math.max(max, data[i]);
  }
  const range = max > min ? max - min : 1;
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const channel = channels === 3 ? k : 0;
      out[p * 3 + k] = clamp(((data[channel * plane + p] - min) / range) * 255);
    }
  }
  return { width, height, data: out };
}
