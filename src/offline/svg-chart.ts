/**
 * A small line chart as inline SVG, so the report is one self-contained HTML file that opens
 * anywhere without scripts or network.
 */

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** [x, y] points; non-finite values break the line. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface ChartOptions {
  readonly width?: number;
  readonly height?: number;
  readonly xLabel: string;
  readonly yLabel: string;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round tick values covering [min, max]. */
export function ticks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function extent(values: number[]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [0, 1];
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (min === max) {
    min -= Math.abs(min) * 0.1 || 1;
    max += Math.abs(max) * 0.1 || 1;
  }
  return [min, max];
}

/** The chart as an `<svg>` element string. */
export function lineChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 900;
  const height = options.height ?? 280;
  const left = 70;
  const right = 20;
  const top = 30;
  const bottom = 45;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys);
  const px = (x: number): number => left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const py = (y: number): number => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(
    `<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="#fafafa" stroke="#ccc"/>`,
  );
  for (const t of ticks(x0, x1, 8)) {
    parts.push(
      `<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${top}" y2="${height - bottom}" stroke="#eee"/>`,
    );
    parts.push(`<text x="${px(t).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle">${t}</text>`);
  }
  for (const t of ticks(y0, y1, 5)) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`,
    );
    parts.push(`<text x="${left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  if (y0 < 0 && y1 > 0)
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${py(0).toFixed(1)}" y2="${py(0).toFixed(1)}" stroke="#999"/>`,
    );
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  for (const s of series) {
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        segments.push([]);
        continue;
      }
      segments[segments.length - 1].push(`${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    }
    for (const segment of segments.filter((seg) => seg.length > 0)) {
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5 3"' : ""} points="${segment.join(" ")}"/>`,
      );
    }
  }
  series.forEach((s, i) => {
    const x = left + 10 + i * 220;
    parts.push(
      `<line x1="${x}" x2="${x + 24}" y1="${top - 12}" y2="${top - 12}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
    );
    parts.push(`<text x="${x + 30}" y="${top - 8}">${escapeXml(s.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

export { escapeXml };
