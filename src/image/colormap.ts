/** Colour maps for saliency heat maps, as 256-entry RGB lookup tables built from anchor colours. */
export type ColorMap = "jet" | "turbo" | "inferno" | "gray";

export const COLOR_MAPS: readonly ColorMap[] = ["jet", "turbo", "inferno", "gray"];

// Evenly spaced anchors, interpolated linearly; close enough to the published maps for viewing.
const ANCHORS: Record<ColorMap, readonly (readonly [number, number, number])[]> = {
  jet: [
    [0, 0, 128],
    [0, 0, 255],
    [0, 128, 255],
    [0, 255, 255],
    [128, 255, 128],
    [255, 255, 0],
    [255, 128, 0],
    [255, 0, 0],
    [128, 0, 0],
  ],
  turbo: [
    [48, 18, 59],
    [70, 107, 227],
    [40, 187, 235],
    [50, 241, 152],
    [164, 252, 59],
    [237, 208, 58],
    [251, 128, 34],
    [210, 47, 6],
    [122, 4, 3],
  ],
  inferno: [
    [0, 0, 4],
    [40, 11, 84],
    [101, 21, 110],
    [159, 42, 99],
    [212, 72, 66],
    [245, 125, 21],
    [250, 193, 39],
    [252, 255, 164],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
};

const tables = new Map<ColorMap, Uint8Array>();

/** 256 * 3 bytes: the colour of value i / 255 at 3i..3i+2. */
export function colorTable(map: ColorMap): Uint8Array {
  const cached = tables.get(map);
  if (cached) return cached;
  const anchors = ANCHORS[map];
  if (anchors === undefined) {
    throw new Error(`color map: expected one of ${COLOR_MAPS.join(", ")}; got ${JSON.stringify(map)}`);
  }
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (anchors.length - 1);
    const k = Math.min(Math.floor(t), anchors.length - 2);
    const f = t - k;
    for (let c = 0; c < 3; c++)
      table[i * 3 + c] = Math.round(anchors[k][c] * (1 - f) + anchors[k + 1][c] * f);
  }
  tables.set(map, table);
  return table;
}
