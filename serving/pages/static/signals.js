// Urgency, risk flags and the split proposal of the call being taken (POST /api/v1/workbench/signals): the level with
// its evidence, each flag with its score and evidence, and the proposed items with a button to accept the split.
import { badge, el, fill, fmtShare } from "./ui.js";

const LEVEL_COLOURS = { 立即办: "red", 紧急: "yellow", 一般: "green" };

function quoted(phrases) {
  return phrases.map((p) => `「${p}」`).join(" ");
}

function sourceNote(found) {
  if (found.source.startsWith("learned:")) return `学习模型 ${found.source.slice(8)}`;
  return `关键词规则${found.fallback ? `（${found.fallback}）` : ""}`;
}

function urgencyPart(found) {
  const { level, score, evidence } = found.urgency;
  return el("div", { id: "urgency", dataset: { level } },
    el("p", {}, "紧急程度：", badge(level, LEVEL_COLOURS[level] || ""), score === null ? "" : ` ${fmtShare(score)}`,
      evidence.length ? el("span", { class: "muted" }, ` 依据：${quoted(evidence)}`) : ""),
    level === "立即办" ? el("label", { class: "note" }, el("input", { type: "checkbox", id: "urgent-now", checked: true }),
      " 按立即办派单（办理时限缩短为应急时限，并即时提示督办）") : null);
}

function flagsPart(found) {
  if (!found.flags.length) return el("p", { class: "muted", id: "flags" }, "风险标记：无");
  return el("div", { id: "flags" }, el("p", {}, "风险标记："),
    el("ul", { class: "reasons" }, ...found.flags.map((f) => el("li", { dataset: { flag: f.name } },
      badge(f.name, "yellow"), f.score === null ? "" : ` ${fmtShare(f.score)}`,
      f.evidence.length ? ` 依据：${quoted(f.evidence)}` : ""))));
}

// One proposed problem: its words, a choice of leaf (the proposed one, or the span's next best) and its unit.
function itemRow(item, i) {
  const unitText = item.unit_name ? `主办 ${item.unit_name}` : `主办 ${item.rule_name || "按清单规则"}（派单时按属地确定）`;
  const id = `split-leaf-${i}`;
  const choices = [item, ...(item.alternatives || [])];
  const unit = el("span", { class: "muted" }, unitText);
  const select = el("select", { id, name: "split-leaf", dataset: { span: item.span } },
    ...choices.map((c, n) => el("option", { value: c.leaf, selected: n === 0 }, `${c.leaf} ${c.path || ""}`)));
  select.addEventListener("change", () => {
    unit.textContent = select.value === item.leaf ? unitText : "主办按所选事项的清单规则确定";
  });
  return el("li", { dataset: { leaf: item.leaf, index: i } }, `「${item.span}」`, el("br"),
    el("label", { for: id, class: "muted" }, "清单事项 "), select, " ", unit);
}

function splitPart(found, onAccept) {
  const split = found.split;
  if (!split || !split.items.length) return null;
  return el("div", { id: "split", class: "warning", dataset: { items: split.items.length } },
    el("p", {}, el("strong", {}, `一次来电含 ${split.items.length} 个诉求，建议拆分：`)),
    el("ol", { class: "units" }, ...split.items.map(itemRow)),
    el("button", { type: "button", id: "split-accept", class: "primary", onclick: onAccept },
      `接受拆分（${split.items.length} 件分别派单）`, " ", el("kbd", {}, "Alt"), "+", el("kbd", {}, "S")));
}

// Render what the signals endpoint answered; `onAccept` runs when the agent accepts the split.
export function renderSignals(container, found, onAccept) {
  if (!found || found.error) {
    fill(container, found && found.error ? el("p", { class: "muted" }, `未能判断紧急程度与风险：${found.error}`) : null);
    container.hidden = !(found && found.error);
    return;
  }
  container.hidden = false;
  fill(container, el("h3", {}, "紧急程度与风险 ", el("span", { class: "muted", id: "signals-source" }, sourceNote(found))),
    urgencyPart(found), flagsPart(found), splitPart(found, onAccept));
}

// The urgency the agent confirms for dispatch: 立即办 while the box is ticked, else the leaf's own (`fallback`).
export function confirmedUrgency(found, fallback) {
  if (!found || !found.urgency || found.urgency.level !== "立即办") return null;
  const box = document.getElementById("urgent-now");
  return box && box.checked ? "立即办" : fallback;
}

// The items to split into, as the split endpoint takes them: each span with the leaf the agent left chosen.
export function splitItems(found) {
  if (!found || !found.split) return [];
  return [...document.querySelectorAll('#split select[name="split-leaf"]')].map((s) => ({ span: s.dataset.span, leaf: s.value }));
}
