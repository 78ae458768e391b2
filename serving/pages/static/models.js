// The maintainer's retraining loop: review disputed decisions, retrain (with progress), compare, promote,
// shadow and roll back model versions.
import { api } from "./api.js";
import { $, badge, clearError, el, fill, fmtShare, fmtTime, showError } from "./ui.js";

const POLL_MS = 3000;

function table(head, rows) {
  return el("table", { class: "figures" }, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));
}

async function review(item, verdict) {
  const error = $("#disp-error");
  clearError(error);
  try {
    await api(`/api/v1/corrections/${item.suggestion_id}/review`, { method: "POST", body: { verdict } });
    await loadDisputed();
  } catch (failure) {
    showError(error, failure);
  }
}

async function loadDisputed() {
  const error = $("#disp-error");
  clearError(error);
  try {
    const items = await api("/api/v1/corrections/disputed?limit=30");
    fill($("#disp-list"), items.length ? table(["工单内容", "模型首选（概率）", "坐席选择", "操作"], items.map((d) => [
      el("span", { title: d.text }, d.text.slice(0, 60)),
      d.suggested ? `${d.suggested} ${d.suggested_path || ""}（${fmtShare(d.probability)}）` : "无建议",
      `${d.leaf} ${d.leaf_path || ""}${d.leaf !== d.chosen_leaf ? `（首次选择 ${d.chosen_leaf}）` : ""}`,
      el("span", { class: "actions" },
        el("button", { type: "button", class: "small", dataset: { verdict: "label", suggestion: d.suggestion_id },
          onclick: () => review(d, "label") }, "采纳为标注"),
        el("button", { type: "button", class: "small secondary", dataset: { verdict: "agent_error", suggestion: d.suggestion_id },
          onclick: () => review(d, "agent_error") }, "坐席误派")),
    ])) : el("p", { class: "muted", id: "disp-empty" }, "没有待审核的争议记录。"));
  } catch (failure) {
    showError(error, failure);
  }
}

async function act(path, body, confirmText) {
  const error = $("#models-error");
  clearError(error);
  if (confirmText && !window.confirm(confirmText)) return;
  try {
    await api(path, { method: path.endsWith("/shadow") && body.off ? "DELETE" : "POST", body: { reason: body.reason } });
    await loadModels();
  } catch (failure) {
    showError(error, failure);
  }
}

function versionRow(v, overview) {
  const state = v.current ? badge("当前", "green") : v.shadow ? badge("影子", "yellow") : "";
  const buttons = [];
  if (!v.current) buttons.push(el("button", { type: "button", class: "small", onclick: () => act(`/api/v1/models/${v.version}/promote`,
    { reason: "维护人员在维护页发布" }, `发布 ${v.version} 为当前模型？`) }, "发布"));
  if (!v.current && !v.shadow) buttons.push(el("button", { type: "button", class: "small secondary", onclick: () => act(
    `/api/v1/models/${v.version}/shadow`, { reason: "维护人员在维护页设为影子" }) }, "设为影子"));
  if (v.shadow) buttons.push(el("button", { type: "button", class: "small secondary", onclick: () => act(
    "/api/v1/models/shadow", { reason: "维护人员停止影子", off: true }) }, "停止影子"));
  buttons.push(el("button", { type: "button", class: "small secondary", onclick: () => showReport(v.version) }, "对比报告"));
  return [v.version, state, v.catalogue_version, fmtShare(v.dev_leaf_acc), fmtTime(v.created_at), el("span", { class: "actions" }, ...buttons)];
}

async function loadModels() {
  const error = $("#models-error");
  clearError(error);
  try {
    const overview = await api("/api/v1/models");
    const last = overview.history[overview.history.length - 1];
    fill($("#models-current"), el("p", { id: "models-now", dataset: { current: overview.current || "", shadow: overview.shadow || "" } },
      `当前模型：${overview.current || "无"}；影子：${overview.shadow || "无"}`,
      last ? `（最近一次操作：${fmtTime(last.at)} ${last.by} ${last.action} ${last.version}，理由：${last.reason}）` : ""),
      overview.history.some((h) => h.action === "promote" && h.previous) ? el("button", { type: "button", class: "small secondary",
        id: "models-rollback", onclick: () => act("/api/v1/models/rollback", { reason: "维护人员在维护页回退" }, "回退到上一个模型？") },
        "回退到上一个模型") : "");
    if (overview.shadow) showAgreement();
    fill($("#models-list"), table(["版本", "状态", "清单版本", "验证集准确率", "训练时间", "操作"],
      [...overview.versions].reverse().map((v) => versionRow(v, overview))));
  } catch (failure) {
    showError(error, failure);
  }
}

async function showAgreement() {
  try {
    const a = await api("/api/v1/models/shadow/agreement");
    $("#models-current").append(el("p", { id: "shadow-agreement" }, `影子对照（${a.decided} 单已由坐席决定）：当前模型首选命中 ${fmtShare(a.current_top1)}，影子首选命中 ${fmtShare(a.shadow_top1)}，影子前三命中 ${fmtShare(a.shadow_top3)}；影子出错 ${a.shadow_errors} 次。`));
  } catch (failure) {
    showError($("#models-error"), failure);
  }
}

const SETS = { test: "固定留出集（全部）", test_known: "留出集·原有事项", test_new: "留出集·新事项", corrections: "留出的近期纠错" };
const LEVELS = { level1: "大类", level2: "小类", level3: "细类", leaf: "事项" };

async function showReport(version) {
  const error = $("#models-error");
  clearError(error);
  try {
    const r = await api(`/api/v1/models/${encodeURIComponent(version)}/report`);
    const rows = Object.entries(r.sets).filter(([, s]) => s.old.n).map(([name, s]) => [SETS[name] || name, String(s.old.n),
      ...Object.keys(LEVELS).map((k) => `${fmtShare(s.old[k])} → ${fmtShare(s.new[k])}`)]);
    fill($("#models-report"), el("h3", {}, `对比报告：${r.old_version} → ${r.new_version}`),
      el("p", {}, `发布闸门：${r.gate.passed ? "通过" : "未通过"}；训练 ${r.training.seconds} 秒；坐席决定 ${r.decisions.train} 条用于训练、${r.decisions.held_out} 条留作评估。`),
      el("ul", {}, ...r.gate.checks.map((c) => el("li", {}, `${c.passed ? "✓" : "✗"} ${c.rule}：${c.detail}`))),
      table(["评估集", "条数", ...Object.values(LEVELS).map((v) => `${v}（旧→新）`)], rows),
      el("h4", {}, `进步的事项 ${r.leaves.better || 0} 个，退步的 ${r.leaves.worse || 0} 个`),
      table(["事项", "旧", "新", "条数"], [...(r.leaves.most_better || []), ...(r.leaves.most_worse || [])]
        .map((x) => [`${x.leaf} ${x.name}`, fmtShare(x.old), fmtShare(x.new), String(x.n)])));
  } catch (failure) {
    showError(error, failure.status === 404 ? "该版本是从头训练的，没有重训对比报告" : failure);
  }
}

async function followJob(id) {
  const box = $("#retrain-job");
  try {
    const job = await api(`/api/v1/models/jobs/${encodeURIComponent(id)}`);
    const done = ["succeeded", "failed", "interrupted"].includes(job.status);
    const names = { queued: "排队中", running: "进行中", succeeded: "已完成", failed: "失败", interrupted: "已中断" };
    fill(box, el("p", { id: "retrain-status", dataset: { status: job.status } }, `重新训练 ${job.id}：${names[job.status] || job.status} · ${job.stage || ""}`),
      el("progress", { max: "1", value: String(job.progress || 0), "aria-label": "重新训练进度" }),
      job.error ? el("p", { class: "error" }, job.error) : null,
      job.result ? el("p", {}, `新版本 ${job.result.version}：${job.result.promoted ? "已通过闸门并发布" : job.result.shadow ? "已放入影子" : "未发布（闸门未通过或选择不发布）"}`) : null);
    if (!done) window.setTimeout(() => followJob(id), POLL_MS);
    else { $("#retrain-start").disabled = false; loadModels(); }
  } catch (failure) {
    showError($("#models-error"), failure);
    $("#retrain-start").disabled = false;
  }
}

async function startRetrain(event) {
  event.preventDefault();
  const error = $("#models-error");
  clearError(error);
  const since = $("#retrain-since").value;
  try {
    $("#retrain-start").disabled = true;
    const job = await api("/api/v1/models/retrain", { method: "POST", body: { since: since || null, shadow: $("#retrain-shadow").checked } });
    followJob(job.id);
  } catch (failure) {
    $("#retrain-start").disabled = false;
    showError(error, failure);
  }
}

export function wireModels() {
  $("#disp-refresh").addEventListener("click", loadDisputed);
  $("#models-refresh").addEventListener("click", loadModels);
  $("#retrain-form").addEventListener("submit", startRetrain);
  loadDisputed();
  loadModels();
}
