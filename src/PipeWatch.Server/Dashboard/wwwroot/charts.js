"use strict";
// Plain SVG pictures of what a detector learned, drawn here (no library): each element carries its data in data-* attributes.
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
    for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === "string" ? document.createTextNode(c) : c);
    return el;
  }

  function title(text) { return svg("title", {}, text); }

  function fmtSeconds(s) {
    if (s === null || s === undefined || !isFinite(s)) return "?";
    if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + "s";
    const m = Math.floor(s / 60), r = Math.round(s % 60);
    if (m >= 60) return Math.floor(m / 60) + "h " + String(m % 60).padStart(2, "0") + "m";
    return m + "m " + String(r).padStart(2, "0") + "s";
  }

  // Durations: the sample oldest first as points joined by a line, the median, the band up to the firing line, the anomalous run marked.
  function durations({ values, median, firesAbove, observed, label }) {
    const W = 640, H = 260, L = 56, R = 12, T = 14, B = 30;
    const max = Math.max(...values, firesAbove || 0, observed || 0) * 1.08 || 1;
    const x = i => L + (values.length <= 1 ? 0 : (i * (W - L - R)) / (values.length - 1));
    const y = v => T + (H - T - B) * (1 - v / max);
    let anomalous = -1;
    if (observed !== null && observed !== undefined) {
      for (let i = values.length - 1; i >= 0; i--) if (Math.abs(values[i] - observed) < 0.01) { anomalous = i; break; }
    }
    const root = svg("svg", {
      viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "data-chart": "durations", "data-points": values.length,
      "data-median": median, "data-fires-above": firesAbove, "data-anomalous-index": anomalous,
      "aria-label": `${label}: ${values.length} runs, median ${fmtSeconds(median)}` + (firesAbove ? `, fires above ${fmtSeconds(firesAbove)}` : "") +
        (anomalous >= 0 ? `, the anomalous run took ${fmtSeconds(values[anomalous])}` : ""),
    });
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4;
      root.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
      root.append(svg("text", { x: L - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, fmtSeconds(v)));
    }
    if (median !== null && firesAbove) {
      root.append(svg("rect", { x: L, width: W - L - R, y: y(firesAbove), height: Math.max(0, y(median) - y(firesAbove)), class: "band", "data-role": "band" },
        title(`normal band: median ${fmtSeconds(median)} up to the firing line ${fmtSeconds(firesAbove)}`)));
      root.append(svg("line", { x1: L, x2: W - R, y1: y(firesAbove), y2: y(firesAbove), class: "threshold", "data-role": "threshold", "data-value": firesAbove }));
      root.append(svg("text", { x: W - R, y: y(firesAbove) - 4, class: "axis", "text-anchor": "end" }, "fires above " + fmtSeconds(firesAbove)));
    }
    if (median !== null) {
      root.append(svg("line", { x1: L, x2: W - R, y1: y(median), y2: y(median), class: "median", "data-role": "median", "data-value": median }));
      root.append(svg("text", { x: L + 4, y: y(median) - 4, class: "axis" }, "median " + fmtSeconds(median)));
    }
    root.append(svg("polyline", { points: values.map((v, i) => `${x(i)},${y(v)}`).join(" "), class: "series" }));
    values.forEach((v, i) => {
      const bad = i === anomalous;
      root.append(svg("circle", {
        cx: x(i), cy: y(v), r: bad ? 6 : 3, class: bad ? "point anomalous" : "point", "data-index": i, "data-value": v, "data-anomalous": bad ? "true" : null,
      }, title(`run ${i + 1} of ${values.length}: ${fmtSeconds(v)}` + (bad ? " (this finding)" : ""))));
    });
    root.append(svg("text", { x: L, y: H - 8, class: "axis" }, `oldest`));
    root.append(svg("text", { x: W - R, y: H - 8, class: "axis", "text-anchor": "end" }, `newest (${values.length} runs)`));
    return root;
  }

  // Hour of week: 7 rows (Sunday first, UTC) × 24 columns, shade by count; the event's cell outlined.
  function hourOfWeek({ hours, mark }) {
    const C = 22, L = 40, T = 18;
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const max = Math.max(1, ...hours);
    const root = svg("svg", { viewBox: `0 0 ${L + 24 * C + 4} ${T + 7 * C + 4}`, class: "chart heat", role: "img", "data-chart": "hour-of-week", "data-mark": mark,
      "aria-label": `hour-of-week profile, ${hours.reduce((a, b) => a + b, 0)} events` });
    for (let h = 0; h < 24; h += 3) root.append(svg("text", { x: L + h * C + 2, y: 12, class: "axis" }, String(h).padStart(2, "0")));
    for (let d = 0; d < 7; d++) {
      root.append(svg("text", { x: 2, y: T + d * C + 15, class: "axis" }, days[d]));
      for (let h = 0; h < 24; h++) {
        const b = d * 24 + h, n = hours[b] || 0;
        const cell = svg("rect", { x: L + h * C, y: T + d * C, width: C - 2, height: C - 2, class: "cell" + (b === mark ? " marked" : ""), "data-bucket": b, "data-count": n },
          title(`${days[d]} ${String(h).padStart(2, "0")}:00 UTC: ${n}` + (b === mark ? " (this finding)" : "")));
        cell.style.fillOpacity = n === 0 ? "0.06" : String(0.2 + 0.8 * (n / max));
        root.append(cell);
      }
    }
    return root;
  }

  // Bars over time with an expected level; one bar marked.
  function bars({ counts, expected, mark, labels, unit }) {
    const W = 640, H = 200, L = 36, R = 8, T = 12, B = 26;
    const max = Math.max(1, expected || 0, ...counts) * 1.1;
    const bw = (W - L - R) / Math.max(1, counts.length);
    const y = v => T + (H - T - B) * (1 - v / max);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "data-chart": "bars", "data-mark": mark, "data-expected": expected,
      "aria-label": `${counts.length} ${unit}, ${counts.reduce((a, b) => a + b, 0)} in all` });
    root.append(svg("text", { x: L - 4, y: y(max / 1.1) + 4, class: "axis", "text-anchor": "end" }, String(Math.round(max / 1.1))));
    root.append(svg("text", { x: L - 4, y: y(0), class: "axis", "text-anchor": "end" }, "0"));
    counts.forEach((n, i) => {
      root.append(svg("rect", { x: L + i * bw, y: y(n), width: Math.max(1, bw - 1), height: Math.max(0, y(0) - y(n)), class: "bar" + (i === mark ? " marked" : ""), "data-index": i, "data-count": n },
        title(`${labels ? labels[i] : i}: ${n}`)));
    });
    if (expected) {
      root.append(svg("line", { x1: L, x2: W - R, y1: y(expected), y2: y(expected), class: "threshold", "data-role": "expected", "data-value": expected }));
      root.append(svg("text", { x: W - R, y: y(expected) - 4, class: "axis", "text-anchor": "end" }, "expected " + expected.toFixed(2)));
    }
    if (labels && labels.length) {
      root.append(svg("text", { x: L, y: H - 8, class: "axis" }, labels[0]));
      root.append(svg("text", { x: W - R, y: H - 8, class: "axis", "text-anchor": "end" }, labels[labels.length - 1]));
    }
    return root;
  }

  // A small line of counts (repositories page).
  function sparkline(counts, label) {
    const W = 120, H = 28, max = Math.max(1, ...counts);
    const pts = counts.map((n, i) => `${(i * (W - 2)) / Math.max(1, counts.length - 1) + 1},${H - 2 - (n / max) * (H - 4)}`).join(" ");
    return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "spark", role: "img", "aria-label": label, "data-counts": counts.join(",") },
      svg("polyline", { points: pts, class: "series" }));
  }

  return { durations, hourOfWeek, bars, sparkline, fmtSeconds };
})();
