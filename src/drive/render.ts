/**
 * Renders one camera view of the synthetic road with its two ground-truth masks. Order: sky and
 * clouds, distant hills, the ground a row at a time (road, markings, verges, shadows, haze), props
 * far to near, the car's hood, then exposure. A pixel is in at most one mask: what is seen there
 * decides (a marking under a shadow is a marking; a parked car in front of a road edge is a
 * distractor).
 */
import type { RgbFrame } from "../image/frame";
import { Camera } from "./camera";
import { cellNoise } from "./random";
import { laneGeometry, ROAD_LAYOUT, type LineKind, type Road } from "./road";
import { PARKED_CAR_SIZE, type Prop, type Rgb, type Scene, type Shadow } from "./scene";

/** Where the camera is, relative to the lane centre at arc length s. */
export interface ViewPose {
  readonly s: number;
  /** Metres left of the lane centre. */
  readonly lateral: number;
  /** Camera heading minus road heading, radians, left positive. */
  readonly headingError: number;
}

export interface RenderedView {
  readonly image: RgbFrame;
  /** 1 where a lane marking or road edge is seen. */
  readonly laneMask: Uint8Array;
  /** 1 where a tree, pole, parked car, cloud or shadow is seen. */
  readonly distractorMask: Uint8Array;
  /** LANE_LINE.left or .right where laneMask shows that line of the car's lane, else 0. */
  readonly lineMask: Uint8Array;
}

/** Codes of `lineMask`: the two lines that bound the car's lane. */
export const LANE_LINE = { left: 1, right: 2 } as const;

/** The ground is drawn out to this distance; beyond it there is only haze. */
const MAX_DISTANCE = 400;
/** Props are drawn out to this distance. */
const PROP_DISTANCE = 140;
const HAZE: Rgb = [196, 204, 214];
const SKY_TOP: Rgb = [70, 120, 200];
const ASPHALT = 92;
const PAINT: Rgb = [236, 236, 228];
const GRASS: Rgb = [72, 118, 48];
const DIRT: Rgb = [132, 108, 78];
const MARKING_COVERAGE = 0.3;

interface CarFrame {
  readonly x: number;
  readonly y: number;
  readonly cos: number;
  readonly sin: number;
  readonly heading: number;
}

interface Target {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly lane: Uint8Array;
  readonly distractor: Uint8Array;
  readonly line: Uint8Array;
}

/** Renders the view from `pose`; pure apart from the road's and scene's caches. */
export function renderView(road: Road, scene: Scene, camera: Camera, pose: ViewPose): RenderedView {
  const { width, height } = camera.spec;
  const target: Target = {
    width,
    height,
    data: new Uint8Array(width * height * 3),
    lane: new Uint8Array(width * height),
    distractor: new Uint8Array(width * height),
    line: new Uint8Array(width * height),
  };
  const centre = road.pose(pose.s);
  const heading = centre.heading + pose.headingError;
  const car: CarFrame = {
    x: centre.x - Math.sin(centre.heading) * pose.lateral,
    y: centre.y + Math.cos(centre.heading) * pose.lateral,
    cos: Math.cos(heading),
    sin: Math.sin(heading),
    heading,
  };
  drawSky(target, camera, scene, car);
  drawGround(target, camera, road, scene, car, pose.s);
  drawProps(target, camera, road, scene, car, pose.s);
  drawHood(target);
  const lighting = scene.lightingAt(pose.s);
  applyLighting(target.data, lighting.gain, lighting.contrast);
  return {
    image: { width, height, data: target.data },
    laneMask: target.lane,
    distractorMask: target.distractor,
    lineMask: target.line,
  };
}

function toCar(car: CarFrame, wx: number, wy: number): [number, number] {
  const dx = wx - car.x;
  const dy = wy - car.y;
  return [dx * car.cos + dy * car.sin, -dx * car.sin + dy * car.cos];
}

function put(target: Target, index: number, r: number, g: number, b: number): void {
  const o = index * 3;
  target.data[o] = r;
  target.data[o + 1] = g;
  target.data[o + 2] = b;
}

/** A pixel of a distractor (tree, pole, parked car, cloud) in front of everything drawn before. */
function putDistractor(target: Target, index: number, colour: Rgb): void {
  put(target, index, colour[0], colour[1], colour[2]);
  target.lane[index] = 0;
  target.line[index] = 0;
  target.distractor[index] = 1;
}

/** Angle difference wrapped into (-pi, pi]. */
function wrap(angle: number): number {
  return angle - 2 * Math.PI * Math.round(angle / (2 * Math.PI));
}

function drawSky(target: Target, camera: Camera, scene: Scene, car: CarFrame): void {
  const { width } = target;
  const horizon = camera.horizon;
  const lastRow = Math.min(target.height, Math.ceil(horizon));
  for (let v = 0; v < lastRow; v++) {
    const t = Math.min(1, Math.max(0, (horizon - v - 0.5) / Math.max(horizon, 1)));
    const r = HAZE[0] + (SKY_TOP[0] - HAZE[0]) * t;
    const g = HAZE[1] + (SKY_TOP[1] - HAZE[1]) * t;
    const b = HAZE[2] + (SKY_TOP[2] - HAZE[2]) * t;
    for (let u = 0; u < width; u++) put(target, v * width + u, r, g, b);
  }
  const halfFov = Math.atan(camera.cx / camera.focal);
  for (const cloud of scene.clouds) {
    const relative = wrap(cloud.azimuth - car.heading);
    if (Math.abs(relative) > halfFov + cloud.halfWidth) continue;
    const cu = camera.cx - camera.focal * Math.tan(relative);
    const cv = horizon - camera.focal * Math.tan(cloud.elevation);
    const rx = camera.focal * cloud.halfWidth;
    const ry = camera.focal * cloud.halfHeight;
    const u0 = Math.max(0, Math.floor(cu - rx));
    const u1 = Math.min(width - 1, Math.ceil(cu + rx));
    const v0 = Math.max(0, Math.floor(cv - ry));
    const v1 = Math.min(lastRow - 1, Math.ceil(cv + ry));
    for (let v = v0; v <= v1; v++) {
      for (let u = u0; u <= u1; u++) {
        const nx = (u + 0.5 - cu) / rx;
        const ny = (v + 0.5 - cv) / ry;
        // A lumpy ellipse: the bottom is flat-ish, the top billows.
        const lump = 0.85 + 0.15 * Math.sin(nx * 7 + cloud.azimuth * 13);
        const r2 = nx * nx + (ny > 0 ? ny * ny * 1.6 : (ny * ny) / (lump * lump));
        if (r2 >= 1) continue;
        const alpha = Math.min(1, (1 - r2) * 2.2);
        const index = v * width + u;
        const o = index * 3;
        const shade = 246 - 30 * Math.max(0, ny);
        target.data[o] += (shade - target.data[o]) * alpha;
        target.data[o + 1] += (shade - target.data[o + 1]) * alpha;
        target.data[o + 2] += (shade + 4 - target.data[o + 2]) * alpha;
        if (alpha > 0.25) target.distractor[index] = 1;
      }
    }
  }
  // Distant hills: a silhouette fixed in world directions, part of the background.
  for (let u = 0; u < width; u++) {
    const azimuth = car.heading + Math.atan((camera.cx - u - 0.5) / camera.focal);
    const rise =
      0.012 +
      0.008 * Math.sin(3 * azimuth + 1) +
      0.006 * Math.sin(7 * azimuth + 2) +
      0.003 * Math.sin(17 * azimuth);
    const top = Math.max(0, Math.floor(horizon - camera.focal * rise));
    for (let v = top; v < lastRow; v++) {
      const index = v * width + u;
      put(target, index, 120, 140, 135);
      target.distractor[index] = 0;
    }
  }
}

/** The lane centreline ahead in car coordinates, up to where it stops running away from the car. */
interface Centreline {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly angles: Float64Array;
  readonly ss: Float64Array;
  readonly count: number;
}

function centrelineAhead(road: Road, car: CarFrame, s: number): Centreline {
  const step = 0.5;
  const max = Math.ceil(MAX_DISTANCE / step) + 8;
  const xs = new Float64Array(max);
  const ys = new Float64Array(max);
  const angles = new Float64Array(max);
  const ss = new Float64Array(max);
  let count = 0;
  for (let k = 0; k < max; k++) {
    const sk = s - 3 + k * step;
    const p = road.pose(sk);
    const [x, y] = toCar(car, p.x, p.y);
    const angle = wrap(p.heading - car.heading);
    // Stop once the road turns back towards the camera or sideways: rows beyond see no road.
    if (count > 0 && (x <= xs[count - 1] || Math.abs(angle) > 1.35)) break;
    xs[count] = x;
    ys[count] = y;
    angles[count] = angle;
    ss[count] = sk;
    count++;
    if (x > MAX_DISTANCE) break;
  }
  return { xs, ys, angles, ss, count };
}

function lineOn(kind: LineKind, along: number): boolean {
  if (kind === "none") return false;
  if (kind === "solid") return true;
  const phase = along - ROAD_LAYOUT.dashPeriod * Math.floor(along / ROAD_LAYOUT.dashPeriod);
  return phase < ROAD_LAYOUT.dashLength;
}

/** Share of the pixel interval [d - w/2, d + w/2] covered by a line centred at c. */
function coverage(d: number, w: number, c: number): number {
  const half = ROAD_LAYOUT.lineWidth / 2;
  const overlap = Math.min(d + w / 2, c + half) - Math.max(d - w / 2, c - half);
  return overlap <= 0 ? 0 : Math.min(1, overlap / w);
}

function drawGround(
  target: Target,
  camera: Camera,
  road: Road,
  scene: Scene,
  car: CarFrame,
  s: number,
): void {
  const { width, height } = target;
  const line = centrelineAhead(road, car, s);
  const shadows = scene.shadowsBetween(s - 10, s + MAX_DISTANCE);
  const rowShadows: Shadow[] = [];
  let k = 0;
  for (let v = Math.max(0, Math.floor(camera.horizon)); v < height; v++) {
    const row = camera.groundRow(v);
    if (!row) continue;
    const fog = 1 - Math.exp(-row.forward / 220);
    const base = v * width;
    if (
      row.forward > MAX_DISTANCE ||
      line.count < 2 ||
      row.forward > line.xs[line.count - 1] ||
      row.forward < line.xs[0]
    ) {
      for (let u = 0; u < width; u++) {
        const index = base + u;
        put(
          target,
          index,
          GRASS[0] + (HAZE[0] - GRASS[0]) * fog,
          GRASS[1] + (HAZE[1] - GRASS[1]) * fog,
          GRASS[2] + (HAZE[2] - GRASS[2]) * fog,
        );
      }
      continue;
    }
    while (k > 0 && line.xs[k] > row.forward) k--;
    while (k < line.count - 2 && line.xs[k + 1] <= row.forward) k++;
    const f = (row.forward - line.xs[k]) / (line.xs[k + 1] - line.xs[k]);
    const yc = line.ys[k] + (line.ys[k + 1] - line.ys[k]) * f;
    const angle = line.angles[k] + (line.angles[k + 1] - line.angles[k]) * f;
    const sc = line.ss[k] + (line.ss[k + 1] - line.ss[k]) * f;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const d0 = (row.lateralAtZero - yc) * cos;
    const dd = row.lateralPerPixel * cos;
    const a0 = sc + (row.lateralAtZero - yc) * sin;
    const da = row.lateralPerPixel * sin;
    const w = Math.abs(dd);
    const edgeBand = Math.max(0.12, 0.75 * w);
    const stretch = road.stretchAt(Math.max(0, sc));
    const lanes = laneGeometry(stretch);
    const wear = stretch.wear ?? 1;
    const rightVerge = stretch.rightVerge === "grass" ? GRASS : DIRT;
    const leftVerge = stretch.leftVerge === "grass" ? GRASS : DIRT;
    const aMin = Math.min(a0, a0 + da * width) - 1;
    const aMax = Math.max(a0, a0 + da * width) + 1;
    rowShadows.length = 0;
    for (const shadow of shadows) {
      const reach = Math.abs(shadow.skew) * 30;
      if (shadow.s1 + reach >= aMin && shadow.s0 - reach <= aMax) rowShadows.push(shadow);
    }
    // Texture cells grow with distance so far ground does not shimmer into noise.
    const cell = Math.max(0.1, w * 1.5);
    const haze0 = HAZE[0] * fog;
    const haze1 = HAZE[1] * fog;
    const haze2 = HAZE[2] * fog;
    const keep = 1 - fog;
    for (let u = 0; u < width; u++) {
      const d = d0 + dd * u;
      const a = a0 + da * u;
      const index = base + u;
      let r: number;
      let g: number;
      let b: number;
      let lane = 0;
      const noise = cellNoise(Math.floor(a / cell), Math.floor(d / cell), 0x51ed);
      let line = 0;
      if (d < lanes.rightEdge || d > lanes.leftEdge) {
        const verge = d < 0 ? rightVerge : leftVerge;
        const n = 0.8 + 0.4 * noise;
        r = verge[0] * n;
        g = verge[1] * n;
        b = verge[2] * n;
      } else {
        const grey = ASPHALT + 10 * noise;
        const right = lineOn(stretch.right, a) ? coverage(d, w, lanes.rightLine) : 0;
        const centre = lineOn(stretch.centre, a) ? coverage(d, w, lanes.centreLine) : 0;
        let paint = right + centre;
        if (lineOn(stretch.left, a)) paint += coverage(d, w, lanes.leftLine);
        if (paint > 1) paint = 1;
        // Worn paint (training variety only): fainter, and gone in patches along the line.
        if (wear < 1 && paint > 0) paint *= wear * Math.min(1, 2 * cellNoise(Math.floor(a / 0.7), 7, 0x3ea7));
        r = grey + (PAINT[0] - grey) * paint;
        g = grey + (PAINT[1] - grey) * paint;
        b = grey + 3 + (PAINT[2] - grey - 3) * paint;
        if (paint >= MARKING_COVERAGE) {
          lane = 1;
          if (centre >= MARKING_COVERAGE / 2 && centre >= right) line = LANE_LINE.left;
          else if (right >= MARKING_COVERAGE / 2) line = LANE_LINE.right;
        }
      }
      if (Math.abs(d - lanes.rightEdge) <= edgeBand || Math.abs(d - lanes.leftEdge) <= edgeBand) lane = 1;
      let shaded = 0;
      for (let i = 0; i < rowShadows.length; i++) {
        const shadow = rowShadows[i];
        const along = a - shadow.skew * d;
        if (along >= shadow.s0 && along <= shadow.s1 && d >= shadow.dMin && d <= shadow.dMax) {
          r *= shadow.darkness;
          g *= shadow.darkness;
          b *= shadow.darkness * 1.05;
          shaded = 1;
          break;
        }
      }
      put(target, index, r * keep + haze0, g * keep + haze1, b * keep + haze2);
      target.lane[index] = lane;
      target.line[index] = line;
      target.distractor[index] = lane ? 0 : shaded;
    }
  }
}

interface PlacedProp {
  readonly prop: Prop;
  readonly depth: number;
}

function drawProps(target: Target, camera: Camera, road: Road, scene: Scene, car: CarFrame, s: number): void {
  const placed: PlacedProp[] = [];
  for (const prop of scene.propsBetween(s - 5, s + PROP_DISTANCE * 1.3)) {
    const [x] = propPoint(road, car, prop.s, prop.d);
    if (x < 1 || x > PROP_DISTANCE) continue;
    placed.push({ prop, depth: x });
  }
  placed.sort((p, q) => q.depth - p.depth);
  for (const { prop } of placed) {
    if (prop.kind === "tree") drawTree(target, camera, road, car, prop);
    else if (prop.kind === "pole") drawPole(target, camera, road, car, prop.s, prop.d, prop.height);
    else drawCar(target, camera, road, car, prop.s, prop.d, prop.colour);
  }
}

/** Car-frame position of road point (s, d). */
function propPoint(road: Road, car: CarFrame, s: number, d: number): [number, number] {
  const p = road.pose(s);
  return toCar(car, p.x - Math.sin(p.heading) * d, p.y + Math.cos(p.heading) * d);
}

/** Fills an axis-aligned box; `shade` gives the colour per pixel (or undefined to skip it). */
function fillBox(
  target: Target,
  u0: number,
  u1: number,
  v0: number,
  v1: number,
  shade: (u: number, v: number) => Rgb | undefined,
): void {
  const x0 = Math.max(0, Math.round(u0));
  const x1 = Math.min(target.width, Math.round(u1));
  const y0 = Math.max(0, Math.round(v0));
  const y1 = Math.min(target.height, Math.round(v1));
  for (let v = y0; v < y1; v++) {
    for (let u = x0; u < x1; u++) {
      const colour = shade(u, v);
      if (colour) putDistractor(target, v * target.width + u, colour);
    }
  }
}

function drawTree(
  target: Target,
  camera: Camera,
  road: Road,
  car: CarFrame,
  tree: Extract<Prop, { kind: "tree" }>,
): void {
  const [x, y] = propPoint(road, car, tree.s, tree.d);
  const foot = camera.project(x, y, 0);
  if (!foot) return;
  const scale = camera.focal / foot.depth;
  const trunkHalf = 0.18 * scale;
  const crownBase = tree.conifer ? 1.2 : tree.height - 2 * tree.crownRadius;
  const trunkTop = foot.v - scale * Math.max(crownBase, 1) - 1;
  fillBox(target, foot.u - trunkHalf, foot.u + trunkHalf + 1, trunkTop, foot.v, () => [88, 66, 44]);
  const radius = tree.crownRadius * scale;
  const [r, g, b] = tree.colour;
  if (tree.conifer) {
    const top = foot.v - tree.height * scale;
    const bottom = foot.v - crownBase * scale;
    fillBox(target, foot.u - radius, foot.u + radius + 1, top, bottom, (u, v) => {
      const halfWidth = ((v - top) / Math.max(1, bottom - top)) * radius;
      if (Math.abs(u + 0.5 - foot.u) > halfWidth) return undefined;
      const n =
        0.8 +
        0.35 *
          cellNoise(
            Math.floor((u - foot.u) / Math.max(1, radius / 5)),
            Math.floor(v / Math.max(1, radius / 5)),
            77,
          );
      return [r * n, g * n, b * n];
    });
    return;
  }
  const cv = foot.v - (tree.height - tree.crownRadius) * scale;
  fillBox(target, foot.u - radius, foot.u + radius + 1, cv - radius * 1.1, cv + radius * 1.1, (u, v) => {
    const nx = (u + 0.5 - foot.u) / radius;
    const ny = (v + 0.5 - cv) / (radius * 1.1);
    if (nx * nx + ny * ny > 1) return undefined;
    const n = 0.75 + 0.4 * cellNoise(Math.floor(nx * 6), Math.floor(ny * 6), 91) - 0.2 * ny;
    return [r * n, g * n, b * n];
  });
}

function drawPole(
  target: Target,
  camera: Camera,
  road: Road,
  car: CarFrame,
  s: number,
  d: number,
  poleHeight: number,
): void {
  const [x, y] = propPoint(road, car, s, d);
  const foot = camera.project(x, y, 0);
  if (!foot) return;
  const scale = camera.focal / foot.depth;
  const half = Math.max(0.5, 0.1 * scale);
  const top = foot.v - poleHeight * scale;
  fillBox(target, foot.u - half, foot.u + half, top, foot.v, () => [128, 128, 124]);
  fillBox(target, foot.u - 3 * half, foot.u + 3 * half, top - 2 * half, top + half, () => [60, 60, 62]);
}

/** Fills a vertical quad between two projected vertical edges (u, vTop, vBottom). */
function fillQuad(
  target: Target,
  near: readonly [number, number, number],
  far: readonly [number, number, number],
  shade: (heightShare: number) => Rgb,
): void {
  const [ua, ta, ba] = near[0] <= far[0] ? near : far;
  const [ub, tb, bb] = near[0] <= far[0] ? far : near;
  const u0 = Math.max(0, Math.round(ua));
  const u1 = Math.min(target.width, Math.round(ub));
  for (let u = u0; u < u1; u++) {
    const t = ub - ua > 1e-6 ? (u + 0.5 - ua) / (ub - ua) : 0;
    const top = ta + (tb - ta) * t;
    const bottom = ba + (bb - ba) * t;
    const v0 = Math.max(0, Math.round(top));
    const v1 = Math.min(target.height, Math.round(bottom));
    for (let v = v0; v < v1; v++) {
      putDistractor(target, v * target.width + u, shade((bottom - v - 0.5) / Math.max(1e-6, bottom - top)));
    }
  }
}

function drawCar(
  target: Target,
  camera: Camera,
  road: Road,
  car: CarFrame,
  s: number,
  d: number,
  colour: Rgb,
): void {
  const { length, width, height } = PARKED_CAR_SIZE;
  // The side that faces the road is the one nearer the lane centre.
  const inner = d < 0 ? d + width / 2 : d - width / 2;
  const outer = d < 0 ? d - width / 2 : d + width / 2;
  const edge = (sAt: number, dAt: number): [number, number, number] | undefined => {
    const [x, y] = propPoint(road, car, sAt, dAt);
    const bottom = camera.project(x, y, 0.15);
    const top = camera.project(x, y, height);
    return bottom && top ? [bottom.u, top.v, bottom.v] : undefined;
  };
  const body = (share: number): Rgb => {
    if (share < 0.2) return [25, 25, 28];
    if (share > 0.62 && share < 0.95) return [45, 55, 65];
    const n = share >= 0.95 ? 0.85 : 1;
    return [colour[0] * n, colour[1] * n, colour[2] * n];
  };
  const rearInner = edge(s - length / 2, inner);
  const frontInner = edge(s + length / 2, inner);
  const rearOuter = edge(s - length / 2, outer);
  if (rearInner && frontInner) {
    fillQuad(target, rearInner, frontInner, (share) => {
      const [r, g, b] = body(share);
      return [r * 0.8, g * 0.8, b * 0.8];
    });
  }
  if (rearInner && rearOuter) fillQuad(target, rearInner, rearOuter, body);
}

function drawHood(target: Target): void {
  const { width, height } = target;
  for (let u = 0; u < width; u++) {
    const x = (u + 0.5) / width - 0.5;
    const top = Math.round(height * (0.915 + 0.2 * x * x));
    for (let v = Math.max(0, top); v < height; v++) {
      const index = v * width + u;
      const shine = 1 - (v - top) / Math.max(1, height - top);
      put(target, index, 38 + 22 * shine, 42 + 22 * shine, 50 + 24 * shine);
      target.lane[index] = 0;
      target.line[index] = 0;
      target.distractor[index] = 0;
    }
  }
}

function applyLighting(data: Uint8Array, gain: number, contrast: number): void {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const value = ((i - 128) * contrast + 128) * gain;
    table[i] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
  }
  for (let i = 0; i < data.length; i++) data[i] = table[data[i]];
}
