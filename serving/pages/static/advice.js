// Rendering the dispatch advice (POST /api/v1/advice) and the dispatch preview of the chosen leaf.
import { el, fill, fmtShare, fmtTime } from "./ui.js";

// The top-3 leaves of the advice: {leaf, path, probability}.
export function candidatesOf(advice) {
  const paths = (advice && advice.prediction && advice.prediction.paths) || [];
  return paths.slice(0, 3).map((p) => ({ leaf: p.codes[p.codes.length - 1], path: p.names.join(" > "), probability: p.score,
    untrained: p.trained === false }));
}

export function renderCandidates(list, candidates, chosen, onChoose) {
  list.replaceChildren(...candidates.map((c, i) => {
    const selected = chosen && chosen.leaf === c.leaf;
    return el("li", {
      id: `candidate-${i + 1}`, role: "option", "aria-selected": String(Boolean(selected)), class: selected ? "selected" : "",
      dataset: { leaf: c.leaf, rank: i + 1 }, onclick: () => onChoose(i + 1),
    }, el("kbd", {}, String(i + 1)), " ", el("span", { class: "path" }, c.path), " ",
    el("span", { class: "share" }, fmtShare(c.probability)),
    c.untrained ? el("span", { class: "badge yellow", title: "清单新增或拆分的事项，模型尚未用它训练，按清单描述和示例推荐" }, "新事项·未训练") : "",
    el("meter", { min: 0, max: 1, value: c.probability, "aria-hidden": "true" }));
  }));
  const index = candidates.findIndex((c) => chosen && chosen.leaf === c.leaf);
  if (index >= 0) list.setAttribute("aria-activedescendant", `candidate-${index + 1}`);
  else list.removeAttribute("aria-activedescendant");
}

export function renderUnits(container, advice, unitName) {
  const units = advice && advice.units;
  if (!units || !units.units.length) {
    container.replaceChildren();
    return;
  }
  container.replaceChildren(
    el("h3", {}, "推荐承办单位 ", el("span", { class: "muted" }, `${units.mode} · 把握 ${fmtShare(units.confidence)}`)),
    el("ul", { class: "units" }, ...units.units.map((u) => el("li", { dataset: { unit: u.unit } },
      el("strong", {}, `${u.role}：${u.name || unitName(u.unit)}`), u.role === "主办" ? ` ${fmtShare(u.score)}` : "",
      el("ul", { class: "reasons" }, ...u.reasons.map((r) => el("li", {}, r)))))));
}

export function renderSimilar(container, advice, unitName) {
  const similar = (advice && advice.similar) || [];
  if (!similar.length) {
    container.replaceChildren();
    return;
  }
  container.replaceChildren(el("h3", {}, "相似案例及答复"), el("ol", { class: "similar" }, ...similar.map(({ case: c, likely_leaf: byLeaf }) => el("li", {},
    el("p", {}, c.text.length > 90 ? `${c.text.slice(0, 90)}…` : c.text),
    el("p", { class: "muted" }, [byLeaf ? "按可能类别补充" : "", c.lead_unit ? `主办：${unitName(c.lead_unit)}` : "即办", c.satisfaction ? `满意度：${c.satisfaction}` : "", c.closed_at ? `办结：${fmtTime(c.closed_at)}` : ""].filter(Boolean).join(" · ")),
    c.reply ? el("blockquote", {}, c.reply) : null))));
}

// The chosen leaf and how it would be dispatched now (from /api/v1/workbench/preview); `lead` is the advice's
// recommended lead unit when the advice is about this leaf ({code, name, mode}), else null.
export function renderChosen(container, chosen, preview, lead) {
  if (!chosen) {
    container.replaceChildren();
    return;
  }
  const title = el("p", { class: "chosen-title" }, "已选：", el("strong", {}, `${preview ? preview.leaf : chosen.leaf} ${preview ? preview.path : chosen.path}`),
    chosen.rank ? el("span", { class: "muted" }, ` （建议第 ${chosen.rank} 项）`) : el("span", { class: "muted" }, "（搜索选定）"));
  if (!preview) {
    container.replaceChildren(title);
    return;
  }
  const unit = lead || preview.lead;   // the advice's lead for its own leaf, else the catalogue rule's
  const leadText = unit ? unit.name : `${preview.lead_rule}（${preview.missing_place === "district" ? "请选择区县" : "请选择所在街道"}）`;
  fill(container, title, el("dl", { class: "facts compact", id: "preview" },
    el("dt", {}, "主办"), el("dd", { id: "preview-lead" }, leadText),
    el("dt", {}, "协办"), el("dd", {}, preview.co.map((u) => u.name).join("、") || "无"),
    el("dt", {}, "派单方式"), el("dd", {}, preview.on_the_spot ? "即办" : (lead && lead.mode) || preview.dispatch_mode),
    el("dt", {}, "办理时限"), el("dd", {}, `${preview.time_limit}（${preview.urgency}）`),
    el("dt", {}, "截止时间"), el("dd", { id: "preview-due" }, preview.on_the_spot ? "当场答复" : fmtTime(preview.due_at))),
  preview.on_the_spot ? el("p", { class: "note" }, "该事项为即办：按 Enter 或 Alt+J 当场答复并办结。") : null);
}
