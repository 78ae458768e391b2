// The supervisor's board: today's and this month's indicators (figures from the analytics API, drawn as SVG), links
// to the reports, and the lists to act on: overdue, 督办池, repeated, 不满意, waiting for a decision, 回头看.
import { api } from "./api.js";
import { barChart } from "./chart.js";
import { ticketDetail, ticketList } from "./ticket.js";
import { $, badge, clearError, el, fmtShare, fmtTime, showError, wired, wireHeader } from "./ui.js";

const TILES = ["volume", "response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate", "per_10k"];
const LISTS = [["urgent", "立即办（未答复）"], ["overdue", "超期未办结"], ["pool", "督办池"], ["repeats", "重复诉求（同一问题第 3 次及以上）"],
  ["unsatisfied", "不满意及重办"], ["pending", "待审批（退单、延期、会商）"], ["lookback", "待回头看"]];
const SHANGHAI = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" });

let definitions = {};
let serverNow = null;
let openId = null;

function format(key) {
  const unit = (definitions[key] || {}).unit;
  return (value) => {
    if (value === null || value === undefined) return "—";
    if (unit === "比例") return fmtShare(value);
    if (unit === "件/万人") return value.toFixed(2);
    return String(value);
  };
}

// The service's today (its clock, Asia/Shanghai) as start/end dates, and its month.
function periods(now) {
  const today = SHANGHAI.format(new Date(now));
  const [y, m, d] = today.split("-").map(Number);
  const tomorrow = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return { today: { start: today, end: tomorrow }, month: { month: today.slice(0, 7) } };
}

async function indicators(params, by) {
  return api(`/api/v1/analytics/indicators?${new URLSearchParams({ ...params, by })}`, { labels: { month: "月份" } });
}

async function loadIndicators() {
  const error = $("#ind-error");
  clearError(error);
  const span = periods(serverNow);
  const month = $("#ind-month").value.trim();
  const chosen = month ? { month } : span[$("#ind-period-select").value];
  try {
    const [today, thisMonth, cut] = await Promise.all([indicators(span.today, "none"), indicators(span.month, "none"),
      indicators(chosen, $("#ind-by").value)]);
    renderTiles(today.rows[0], thisMonth.rows[0]);
    renderCut(cut);
    $("#ind-period").textContent = `今日 ${span.today.start} · 本月 ${span.month.month}`;
  } catch (failure) {
    showError(error, failure);   // the month typed stays in the field
  }
}

function renderTiles(today, month) {
  $("#tiles").replaceChildren(...TILES.map((key) => {
    const def = definitions[key] || { name: key };
    const show = format(key);
    const m = month ? month.indicators[key] : null;
    const t = today ? today.indicators[key] : null;
    return el("div", { class: "tile", id: `tile-${key}`, title: def.formula || "", dataset: { key, month: show(m && m.value), today: show(t && t.value) } },
      el("span", { class: "name" }, def.name), el("span", { class: "big" }, show(m && m.value)),
      el("span", { class: "muted" }, `本月${m && m.denominator !== null ? `（${m.numerator}/${m.denominator}）` : ""} · 今日 ${show(t && t.value)}`));
  }));
}

function renderCut(result) {
  const key = $("#ind-key").value;
  const def = definitions[key] || { name: key };
  const rows = result.rows.map((r) => ({ label: r.name, value: r.indicators[key] ? r.indicators[key].value : null }));
  const title = `${def.name}（${result.by_name}，${fmtTime(result.start).slice(0, 10)} 起）`;
  $("#chart").replaceChildren(barChart({ rows, title, format: format(key), max: def.unit === "比例" ? 1 : 0 }),
    el("figcaption", {}, title));
  const head = el("tr", {}, el("th", { scope: "col" }, result.by_name), ...TILES.map((k) => el("th", { scope: "col" }, (definitions[k] || {}).name || k)));
  const body = result.rows.map((r) => el("tr", {}, el("th", { scope: "row" }, r.name),
    ...TILES.map((k) => el("td", {}, format(k)(r.indicators[k] ? r.indicators[k].value : null)))));
  $("#ind-table").replaceChildren(el("table", { class: "figures" }, el("thead", {}, head), el("tbody", {}, ...body)));
}

async function loadDefinitions() {
  const found = await api("/api/v1/analytics/definitions");
  definitions = Object.fromEntries(found.indicators.map((d) => [d.key, d]));
  $("#ind-key").replaceChildren(...found.indicators.map((d) => el("option", { value: d.key, selected: d.key === "satisfaction_rate" }, d.name)));
}

async function loadLists({ refreshOpen = true } = {}) {
  const error = $("#lists-error");
  clearError(error);
  try {
    const [board, lookback] = await Promise.all([api("/api/v1/workbench/board"), api("/api/v1/supervision/lookback")]);
    serverNow = board.now;
    const lists = { ...board, lookback };
    $("#lists").replaceChildren(...LISTS.map(([key, title]) => el("section", { class: "group", id: `list-${key}`, dataset: { group: key } },
      el("h3", {}, `${title}（${lists[key].length}）`), ticketList(lists[key], (t) => show(t, true), "无"))));
    const open = refreshOpen && Object.values(lists).flat().find((t) => t.id === openId);
    if (open) show(open, false);
  } catch (failure) {
    showError(error, failure);
  }
}

function show(ticket, focus) {
  openId = ticket.id;
  const detail = ticketDetail(ticket, (updated) => {
    show(updated, true);
    loadLists({ refreshOpen: false });
  });
  $("#detail").replaceChildren(detail);
  if (focus) detail.querySelector("h3").focus();
}

// A sweep on demand: the button waits while it runs, and the outcome (or why it failed) is said next to it.
async function sweep() {
  const button = $("#sweep"), status = $("#sweep-result");
  button.disabled = true;
  status.textContent = "巡查中…";
  try {
    const result = await api("/api/v1/supervision/sweep", { method: "POST" });
    status.textContent = `巡查完成：催办 ${result.reminded.length ?? result.reminded} 件，进入督办池 ${result.supervised.length ?? result.supervised} 件，重复诉求 ${result.repeats.length ?? result.repeats} 件。`;
    await loadLists();
  } catch (failure) {
    status.textContent = `巡查未完成：${failure.message}`;
    showError($("#lists-error"), failure);
  } finally {
    button.disabled = false;
  }
}

// Spike warnings of the last 7 days: what, where, how many against how many expected, who was told.
async function loadHotspots() {
  const error = $("#hot-error");
  clearError(error);
  try {
    const warnings = await api("/api/v1/analytics/hotspots?days=7");
    const head = el("tr", {}, ...["日期", "事项", "区域", "件数", "预期", "去年同日", "通知单位"].map((h) => el("th", { scope: "col" }, h)));
    const rows = warnings.map((w) => el("tr", { dataset: { level: w.level } }, el("td", {}, w.day), el("td", {}, w.name),
      el("td", {}, w.district_name), el("td", {}, String(w.count)), el("td", {}, w.expected.toFixed(1)),
      el("td", {}, w.last_year === null ? "—" : String(w.last_year)), el("td", {}, w.units.join("、") || "—")));
    $("#hotspots").replaceChildren(warnings.length ? el("table", { class: "figures" }, el("thead", {}, head), el("tbody", {}, ...rows))
      : el("p", { class: "muted" }, "近 7 天无热点预警"));
  } catch (failure) {
    showError(error, failure);
  }
}

// The reports: the latest daily, weekly and monthly one, and those already generated, each as a page and a workbook.
async function loadReports() {
  const error = $("#rep-error");
  clearError(error);
  try {
    const reports = await api("/api/v1/analytics/reports");
    const head = el("tr", {}, ...["类型", "期间", "打开", "状态"].map((h) => el("th", { scope: "col" }, h)));
    const rows = reports.map((r) => el("tr", { dataset: { kind: r.kind, period: r.period } },
      el("td", {}, r.kind_name), el("td", {}, r.title),
      el("td", {}, el("a", { href: r.html, target: "_blank", rel: "noopener", class: "report-html" }, "HTML 页面"), " · ",
        el("a", { href: r.xlsx, class: "report-xlsx" }, "XLSX 工作簿")),
      el("td", {}, r.stored ? `已生成 ${fmtTime(r.generated_at)}${r.complete ? "" : "（阶段数据）"}` : "打开时生成")));
    $("#reports").replaceChildren(el("table", { class: "figures" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  } catch (failure) {
    showError(error, failure);
  }
}

// Emerging topics of the last 7 days: words and main leaf, size, why flagged, the 8 weeks before, examples.
async function loadTopics() {
  const error = $("#topics-error");
  clearError(error);
  try {
    const found = await api("/api/v1/analytics/topics?days=7&limit=10");
    $("#topics-note").textContent = `近 7 天 ${found.tickets} 件与前 8 周比较，新出现和激增的在前（${found.vectors_name}）`;
    const head = el("tr", {}, ...["话题（关键词·主要事项）", "件数", "标记", "前 8 周同类", "代表工单"].map((h) => el("th", { scope: "col" }, h)));
    const rows = found.topics.map((t) => el("tr", { dataset: { new: String(t.new) } }, el("td", {}, t.label),
      el("td", {}, String(t.size)), el("td", {}, t.why ? badge(t.why, "yellow") : "—"), el("td", {}, String(t.baseline)),
      el("td", {}, ...t.representatives.map((r) => el("div", { title: r.text }, `${r.number || r.id}：${r.text.slice(0, 24)}`)))));
    $("#topics").replaceChildren(found.topics.length ? el("table", { class: "figures" }, el("thead", {}, head), el("tbody", {}, ...rows))
      : el("p", { class: "muted" }, "近 7 天无成规模的话题"));
  } catch (failure) {
    showError(error, failure);
  }
}

// 每月一题 candidates for last month: each component's value and its counts; the units on hover.
async function loadProblems() {
  const error = $("#problems-error");
  clearError(error);
  try {
    const found = await api("/api/v1/analytics/monthly-problems?limit=10");
    $("#problems-note").textContent = `${found.month}，${found.candidates} 个候选问题（当月不少于 ${found.min_volume} 件），按诉求量、重复率、不满意率、涉及单位加权排序`;
    const share = (c) => `${fmtShare(c.value)}（${c.numerator}/${c.denominator ?? "—"}）`;
    const head = el("tr", {}, ...["排名", "问题", "得分", "诉求量", "重复诉求率", "不满意率", "涉及单位", "示例工单"].map((h) => el("th", { scope: "col" }, h)));
    const rows = found.problems.map((p) => el("tr", {}, el("td", {}, String(p.rank)),
      el("td", {}, p.district ? `${p.leaf_name}（${p.district_name}）` : p.leaf_name), el("td", {}, p.score.toFixed(2)),
      el("td", {}, String(p.components.volume.value)), el("td", {}, share(p.components.repeat)),
      el("td", {}, share(p.components.dissatisfaction)),
      el("td", { title: p.units.map((u) => u.name).join("、") }, String(p.components.spread.value)),
      el("td", {}, p.components.volume.examples.map((e) => e.number || e.id).join("、"))));
    $("#problems").replaceChildren(found.problems.length ? el("table", { class: "figures" }, el("thead", {}, head), el("tbody", {}, ...rows))
      : el("p", { class: "muted" }, `${found.month} 无达到件数的候选问题`));
  } catch (failure) {
    showError(error, failure);
  }
}

async function refresh() {
  await loadLists();
  await loadIndicators();
  await loadHotspots();
  await loadReports();
  await Promise.all([loadTopics(), loadProblems()]);
}

async function start() {
  wireHeader();
  $("#ind-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadIndicators();
  });
  for (const id of ["#ind-by", "#ind-period-select", "#ind-key"]) $(id).addEventListener("change", loadIndicators);
  $("#refresh").addEventListener("click", refresh);
  $("#sweep").addEventListener("click", sweep);
  document.addEventListener("keydown", (event) => {
    if (event.altKey && event.code === "KeyR") {
      event.preventDefault();
      refresh();
    }
  });
  wired();
  try {
    await loadDefinitions();
  } catch (failure) {
    showError($("#ind-error"), failure);
  }
  await refresh();
  document.body.dataset.ready = "true";
}

start();
