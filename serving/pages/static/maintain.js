// The maintainer's page: browse and search the catalogue (pinyin too), and the agents' corrections of the
// suggestions, counted per chosen leaf and per (suggested → chosen) pair; the retraining loop (models.js).
import { api } from "./api.js";
import { barChart } from "./chart.js";
import { wireModels } from "./models.js";
import { catalogueSearch } from "./search.js";
import { $, clearError, el, fill, fmtShare, fmtTime, isTyping, showError, wired, wireHeader } from "./ui.js";

async function openNode(code) {
  const error = $("#cat-error");
  clearError(error);
  try {
    render(await api(`/api/v1/catalog/nodes/${encodeURIComponent(code)}`));
  } catch (failure) {
    showError(error, failure.status === 404 ? `清单中没有编码为 ${code} 的事项` : failure);
  }
}

function nodeLink(node) {
  return el("a", { href: `/catalogue/${node.code}`, onclick: (event) => { event.preventDefault(); openNode(node.code); } },
    `${node.code} ${node.name}`, node.is_leaf ? el("span", { class: "badge green" }, "可派单") : "");
}

function render(node) {
  $("#crumbs").replaceChildren(el("a", { href: "#", onclick: (event) => { event.preventDefault(); showRoots(); } }, "全部大类"),
    ...node.ancestors.flatMap((a) => [" › ", nodeLink(a)]), ` › ${node.name}`);
  const rows = [["层级", node.level_name], ["描述", node.description], ["关键词", node.keywords.join("、")], ["群众说法", node.aliases.join("、")]];
  const d = node.dispatch;
  if (d) rows.push(["主办", d.responsible_name], ["协办", d.co_handler_names.join("、") || "无"], ["派单方式", d.dispatch_mode],
    ["办理时限", `${d.time_limit}（${d.urgency}）`], ["结案标准", d.closure_standard]);
  fill($("#node"), el("h3", { tabindex: "-1" }, `${node.code} ${node.name}`),
    el("dl", { class: "facts" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    d ? el("div", {}, el("h4", {}, "示例诉求"), ...d.examples.map((e) => el("blockquote", {}, e))) : null,
    node.children.length ? el("ul", { class: "children" }, ...node.children.map((c) => el("li", {}, nodeLink(c)))) : null);
  $("#node h3").focus();
}

async function showRoots() {
  const [roots, stats] = await Promise.all([api("/api/v1/catalog/roots"), api("/api/v1/catalog/stats")]);
  $("#cat-stats").textContent = `${stats.leaves} 个可派单事项 · 版本 ${stats.version}`;
  $("#crumbs").replaceChildren("全部大类");
  $("#node").replaceChildren(el("ul", { class: "children" }, ...roots.map((r) => el("li", {}, nodeLink(r)))));
}

function table(head, rows) {
  return el("table", { class: "figures" }, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));
}

async function loadCorrections() {
  const error = $("#corr-error");
  clearError(error);
  try {
    const found = await api("/api/v1/workbench/corrections?recent=30");
    $("#corr-summary").replaceChildren(el("p", { id: "corr-counts", dataset: { decided: found.decided, corrected: found.corrected } },
      `坐席共决定 ${found.decided} 次，其中改选 ${found.corrected} 次（${fmtShare(found.decided ? found.corrected / found.decided : null)}）。`));
    const top = found.by_leaf.slice(0, 15);
    fill($("#corr-leaves"), el("h3", {}, "按改选后的事项计数"), top.length
      ? barChart({ rows: top.map((r) => ({ label: `${r.leaf} ${r.path ? r.path.split(" > ").pop() : "（已不在清单）"}`, value: r.count })), title: "改选次数最多的事项", format: (v) => `${v} 次` })
      : el("p", { class: "muted" }, "暂无改选记录。"),
    top.length ? table(["事项", "路径", "次数"], found.by_leaf.map((r) => [r.leaf, r.path || "（已不在清单）", String(r.count)])) : null);
    $("#corr-pairs").replaceChildren(el("h3", {}, "建议 → 改选"), table(["首选建议", "坐席改选", "次数"],
      found.pairs.slice(0, 30).map((p) => [`${p.suggested} ${p.suggested_path || ""}`, `${p.chosen} ${p.chosen_path || ""}`, String(p.count)])));
    $("#corr-recent").replaceChildren(el("h3", {}, "最近的改选"), table(["工单", "时间", "坐席", "首选建议（概率）", "改选", "建议名次"],
      found.recent.map((c) => [c.number, fmtTime(c.decided_at), c.decided_by || "", `${c.suggested}（${fmtShare(c.probability)}）`,
        `${c.chosen} ${c.chosen_path || ""}`, c.chosen_rank ? `第 ${c.chosen_rank} 项` : "未在建议中"])));
  } catch (failure) {
    showError(error, failure);
  }
}

wireHeader();
$("#cat-search").addEventListener("submit", (event) => event.preventDefault());
catalogueSearch({ input: $("#cat-q"), list: $("#cat-results"), error: $("#cat-error"), leavesOnly: false, limit: 20,
  onPick: (hit) => openNode(hit.code) });
$("#corr-refresh").addEventListener("click", loadCorrections);
document.addEventListener("keydown", (event) => {
  if (event.key === "/" && !isTyping(event.target)) {
    event.preventDefault();
    $("#cat-q").focus();
  }
});
wireModels();
wired();
showRoots().catch((failure) => showError($("#cat-error"), failure));
loadCorrections();
