// Charts as inline SVG drawn here (no library): horizontal bars, one per row, with the value written beside.
const NS = "http://www.w3.org/2000/svg";
const ROW = 24;
const LABEL = 170;
const BAR = 330;
const VALUE = 70;
let charts = 0;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

// rows: [{label, value}] (value null: no figure); format(value) → text; max: the full bar (1 for shares).
export function barChart({ rows, title, format, max }) {
  const id = `chart-${++charts}`;
  const top = Math.max(max || 0, ...rows.map((r) => r.value || 0)) || 1;
  const height = rows.length * ROW + 8;
  const chart = svg("svg", { viewBox: `0 0 ${LABEL + BAR + VALUE} ${height}`, role: "img", "aria-labelledby": `${id}-t`, class: "bars" },
    svg("title", { id: `${id}-t` }, title));
  rows.forEach((row, i) => {
    const y = i * ROW + 4;
    const width = row.value === null || row.value === undefined ? 0 : Math.max(1, (row.value / top) * BAR);
    chart.append(
      svg("text", { x: LABEL - 6, y: y + ROW / 2 + 5, "text-anchor": "end", class: "label" }, row.label.length > 11 ? `${row.label.slice(0, 11)}…` : row.label),
      svg("rect", { x: LABEL, y: y + 3, width: BAR, height: ROW - 8, class: "track" }),
      svg("rect", { x: LABEL, y: y + 3, width, height: ROW - 8, class: "bar" }, svg("title", {}, `${row.label}：${format(row.value)}`)),
      svg("text", { x: LABEL + BAR + 6, y: y + ROW / 2 + 5, class: "value" }, format(row.value)));
  });
  return chart;
}
