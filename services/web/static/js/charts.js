// A thin wrapper over Chart.js (window.Chart, loaded by /app/vendor/chart.umd.js before the
// page's module): one chart per canvas, redrawn in place, no animation, and the canvas marked
// data-rendered="1" once it shows data.

const PALETTE = ["#0b5394", "#1e7b34", "#b3261e", "#8a5a00", "#6a1b9a", "#00838f", "#5f6368"];

const charts = new WeakMap();

/** The colour of series `index` (the same order on every chart). */
export function colour(index) {
  return PALETTE[index % PALETTE.length];
}

function hasData(data) {
  return (data.datasets || []).some((set) =>
    (set.data || []).some((value) => value !== null && value !== undefined),
  );
}

/** Forget the chart drawn on `canvas`, if any. */
export function clearChart(canvas) {
  const chart = charts.get(canvas);
  if (chart) chart.destroy();
  charts.delete(canvas);
  delete canvas.dataset.rendered;
}

/**
 * Draw `type` ("line", "bar", ...) with `data` ({labels, datasets}) on `canvas`, replacing
 * what was there. `options` are Chart.js options merged over the defaults. Returns whether
 * any data was drawn.
 */
export function drawChart(canvas, type, data, options = {}) {
  clearChart(canvas);
  if (!window.Chart || !hasData(data)) return false;
  const chart = new window.Chart(canvas, {
    type,
    data,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      ...options,
    },
  });
  charts.set(canvas, chart);
  canvas.dataset.rendered = "1";
  return true;
}

/** Axis options for shares 0..1 shown as percentages with `format`. */
export function shareAxis(format, max = 1) {
  return { min: 0, max, ticks: { callback: (value) => format(value, 0) } };
}
