// A self-contained HTML page of line charts (inline SVG, no script, no external file): what the
// demo draws its loss and accuracy curves with.

/** One line: a name and its (x, y) points. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

/** One chart: a title, axis labels and its lines. */
export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round "nice" tick values covering [lo, hi]: about 5 steps of 1, 2 or 5 x 10^k. */
function ticks(lo: number, hi: number): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw) as number;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(+v.toPrecision(10));
  return out;
}

/** One chart as an SVG element, 640 x 320, axes with ticks, a legend on the right. */
export function lineChart(chart: Chart): string {
  const W = 640;
  const H = 320;
  const m = { left: 56, right: 150, top: 30, bottom: 44 };
  const pts = chart.series.flatMap((s) => s.points);
  if (pts.length === 0)
    return `<svg width="${W}" height="40"><text x="8" y="24">${esc(chart.title)}: no data</text></svg>`;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const px = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * (W - m.left - m.right);
  const py = (y: number): number => H - m.bottom - ((y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${W / 2 - m.right / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  for (const t of ticks(y0, y1)) {
    parts.push(
      `<line x1="${m.left}" x2="${W - m.right}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/>`,
      `<text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`,
    );
  }
  for (const t of ticks(x0, x1)) {
    parts.push(`<text x="${px(t)}" y="${H - m.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#999"/>`,
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    `<text transform="translate(14 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const d = s.points
      .map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join('');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (s.points.length <= 12) {
      for (const p of s.points)
        parts.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3" fill="${color}"/>`);
    }
    const ly = m.top + 10 + i * 18;
    parts.push(
      `<line x1="${W - m.right + 10}" x2="${W - m.right + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - m.right + 36}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** A whole HTML page: a title, a preformatted summary (the results table) and the charts. */
export function htmlPage(title: string, summary: string, charts: readonly Chart[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1000px}pre{background:#f6f6f6;padding:12px}</style>
</head><body>
<h1>${esc(title)}</h1>
<pre>${esc(summary)}</pre>
${charts.map((c) => `<div>${lineChart(c)}</div>`).join('\n')}
</body></html>
`;
}
