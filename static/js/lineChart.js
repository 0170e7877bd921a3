// Line charts drawn as inline SVG (the page uses no chart library): the loss chart and the learning-rate chart.

import { h } from "./dom.js";
import { number } from "./format.js";

const svgNamespace = "http://www.w3.org/2000/svg";
const width = 640;
const height = 240;
const margin = { top: 12, right: 16, bottom: 28, left: 76 };
// Past this many points a series is thinned for drawing; the data itself is kept whole.
const maximumDrawnPoints = 1500;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** About `count` round tick values covering [low, high]. */
function ticks(low, high, count) {
  if (high <= low) return [low];
  const rough = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough);
  const values = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) values.push(value);
  return values;
}

/** Points whose coordinates can be drawn (a diverged loss may be NaN or infinite). */
function isDrawable([x, y]) {
  return Number.isFinite(x) && Number.isFinite(y);
}

function thinned(points) {
  if (points.length <= maximumDrawnPoints) return points;
  const stride = Math.ceil(points.length / maximumDrawnPoints);
  const kept = points.filter((_, index) => index % stride === 0);
  if (kept.at(-1) !== points.at(-1)) kept.push(points.at(-1));
  return kept;
}

/**
 * A chart of one or more series of `[x, y]` points (x: the step), redrawn at most once per frame however often the
 * data changes.
 */
export class LineChart {
  /**
   * @param {string} title What the chart shows; also its accessible name.
   * @param {string} yLabel What the y axis measures.
   */
  constructor(title, yLabel) {
    this.title = title;
    this.yLabel = yLabel;
    this.series = new Map();
    this.frame = 0;
    this.svg = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart-plot" });
    this.legend = h("ul", { class: "chart-legend" });
    this.element = h("figure", { class: "chart" }, h("figcaption", {}, title), this.svg, this.legend);
    this.render();
  }

  /** Replaces the points of the series named `label`; `style` is the CSS class that colours it. */
  set(label, style, points) {
    this.series.set(label, { style, points });
    this.scheduleRender();
  }

  /** Appends one point to the series named `label`. */
  append(label, style, point) {
    const series = this.series.get(label) ?? { style, points: [] };
    series.points.push(point);
    this.series.set(label, series);
    this.scheduleRender();
  }

  scheduleRender() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render() {
    const all = [...this.series.values()].flatMap((series) => series.points.filter(isDrawable));
    const description = [...this.series.entries()]
      .map(([label, series]) => `${label}: ${series.points.length ? number(series.points.at(-1)[1]) : "no data"}`)
      .join("; ");
    this.svg.setAttribute("aria-label", `${this.title}. ${description || "No data yet."}`);
    this.svg.replaceChildren(svg("title", {}, this.title));
    this.legend.replaceChildren(
      ...[...this.series.entries()].map(([label, series]) =>
        h("li", { class: series.style }, `${label}: ${series.points.length ? number(series.points.at(-1)[1]) : "—"}`),
      ),
    );
    if (all.length === 0) {
      const center = { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" };
      this.svg.append(svg("text", center, "No data yet"));
      return;
    }
    // Loops, not Math.min(...points): spreading a long run's points would overflow the call stack.
    let [xLow, xHigh, yLow, yHigh] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [x, y] of all) {
      [xLow, xHigh, yLow, yHigh] = [Math.min(xLow, x), Math.max(xHigh, x), Math.min(yLow, y), Math.max(yHigh, y)];
    }
    if (xHigh === xLow) xHigh = xLow + 1;
    if (yHigh === yLow) [yLow, yHigh] = [yLow - Math.abs(yLow || 1) * 0.1, yHigh + Math.abs(yHigh || 1) * 0.1];
    const plotWidth = width - margin.left - margin.right;
    const plotHeight = height - margin.top - margin.bottom;
    const scaleX = (x) => margin.left + ((x - xLow) / (xHigh - xLow)) * plotWidth;
    const scaleY = (y) => margin.top + (1 - (y - yLow) / (yHigh - yLow)) * plotHeight;

    const grid = svg("g", { class: "chart-grid" });
    for (const value of ticks(yLow, yHigh, 4)) {
      const y = scaleY(value);
      grid.append(svg("line", { x1: margin.left, x2: width - margin.right, y1: y, y2: y }));
      grid.append(svg("text", { x: margin.left - 6, y: y + 4, "text-anchor": "end" }, number(value, 3)));
    }
    for (const value of ticks(xLow, xHigh, 6).filter(Number.isInteger)) {
      const x = scaleX(value);
      grid.append(svg("text", { x, y: height - 8, "text-anchor": "middle" }, String(value)));
    }
    const middle = margin.top + plotHeight / 2;
    const yAxisLabel = { x: 10, y: middle, transform: `rotate(-90 10 ${middle})`, "text-anchor": "middle" };
    grid.append(svg("text", yAxisLabel, this.yLabel));
    this.svg.append(grid);

    for (const series of this.series.values()) {
      const points = thinned(series.points.filter(isDrawable));
      if (points.length === 0) continue;
      if (points.length === 1) {
        const [[x, y]] = points;
        this.svg.append(svg("circle", { cx: scaleX(x), cy: scaleY(y), r: 3, class: series.style }));
        continue;
      }
      const path = points
        .map(([x, y], index) => `${index ? "L" : "M"}${scaleX(x).toFixed(1)} ${scaleY(y).toFixed(1)}`)
        .join("");
      this.svg.append(svg("path", { d: path, class: `chart-line ${series.style}` }));
    }
  }
}
