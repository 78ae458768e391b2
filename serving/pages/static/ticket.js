// One ticket as the pages show it: its facts, a form for each action the API allows the caller now
// (`allowed_actions`), and its history. Lists of tickets as keyboard-usable buttons.
import { api } from "./api.js";
import { badge, clearError, el, fmtTime, showError, WARNING_NAMES } from "./ui.js";

const REASON = { name: "reason", label: "理由", kind: "textarea" };
const DECISION = { name: "approve", label: "审批结果", kind: "choice", type: "bool", options: [["true", "同意"], ["false", "驳回"]] };

// action → how to ask for it: the API path, its fields, fixed body parts, and when it is shown.
const FORMS = {
  sign: { label: "签收", path: "sign" },
  reply: { label: "答复", path: "reply", fields: [{ name: "text", label: "答复内容", kind: "textarea" }] },
  co_reply: { label: "协办答复", path: "co-reply", fields: [{ name: "text", label: "协办答复内容", kind: "textarea" }] },
  forward: { label: "转派街道", path: "forward", fields: [{ name: "unit", label: "街道", kind: "streets" }] },
  request_return: { label: "申请退单", path: "return-request", fields: [{ ...REASON, label: "退单理由" }] },
  request_extension: {
    label: "申请延期", path: "extension-request",
    fields: [{ name: "days", label: "延期天数（工作日）", kind: "number", type: "int" }, { ...REASON, label: "延期理由" }],
  },
  request_consultation: { label: "申请会商", path: "consultation-request", fields: [{ ...REASON, label: "会商理由" }] },
  approve_return: { label: "退单审批", path: "return-decision", fields: [DECISION, REASON], when: (t) => t.return_pending },
  approve_extension: {
    label: "延期审批", path: "extension-decision", fields: [DECISION, REASON], when: (t) => t.extension_pending_days > 0,
  },
  resolve_consultation: {
    label: "会商决定", path: "consultation-decision", when: (t) => t.consultation_pending,
    fields: [{ name: "lead_unit", label: "主办单位", kind: "units" }, { name: "co_units", label: "协办单位（可多选）", kind: "units", multiple: true }, REASON],
  },
  visit: {
    label: "记录回访", path: "visit",
    fields: [
      { name: "satisfaction", label: "满意度", kind: "choice", options: [["满意", "满意"], ["基本满意", "基本满意"], ["不满意", "不满意"]] },
      { name: "resolved", label: "问题是否解决", kind: "choice", type: "bool", optional: true, options: [["", "按满意度认定"], ["true", "已解决"], ["false", "未解决"]] },
      { name: "note", label: "回访记录", kind: "textarea", optional: true },
    ],
  },
  close: { label: "办结", path: "close" },
  reopen: { label: "重办", path: "reopen", fields: [{ ...REASON, label: "重办理由" }] },
  lookback: {
    label: "回头看", path: "lookback",
    fields: [{ name: "passed", label: "结论", kind: "choice", type: "bool", options: [["true", "通过"], ["false", "未通过（重办）"]] }, { name: "note", label: "核查情况", kind: "textarea" }],
  },
};
const ALIASES = { reject_return: "approve_return", reject_extension: "approve_extension" };

const ACTION_NAMES = {
  register: "登记", dispatch: "派单", answer: "即办答复", sign: "签收", reply: "答复", co_reply: "协办答复", forward: "转派",
  request_return: "申请退单", approve_return: "同意退单", reject_return: "驳回退单", request_extension: "申请延期",
  approve_extension: "同意延期", reject_extension: "驳回延期", visit: "回访", close: "办结", reopen: "重办", merge: "合并",
  archive: "归档", request_consultation: "申请会商", resolve_consultation: "会商决定", lookback: "回头看",
  auto_dispatch: "自动派单", auto_dispatch_skipped: "未自动派单", remind: "催办", supervise: "纳入督办池",
  link_repeat: "关联重复诉求", flag_repeat: "重复诉求专项督办", sample_lookback: "抽取回头看",
  split: "拆分", reopen_split: "子工单重办", signals: "紧急程度与风险识别", split_dispatch_skipped: "子工单未能派单",
  recatalogue: "清单版本迁移",
};
const STATUS_NAMES = {
  registered: "已登记", dispatched: "已派单", signed: "办理中", replied: "已答复", visited: "已回访", closed: "已办结",
  archived: "已归档", merged: "已合并", split: "已拆分",
};

let unitsPromise;
export function allUnits() {
  unitsPromise = unitsPromise || api("/api/v1/catalog/units");
  return unitsPromise;
}

function control(field, ticket, id) {
  if (field.kind === "textarea") return el("textarea", { id, name: field.name, rows: 3 });
  if (field.kind === "number") return el("input", { id, name: field.name, type: "number", inputmode: "numeric" });
  const select = el("select", { id, name: field.name, multiple: field.multiple });
  if (field.kind === "choice") {
    select.append(...field.options.map(([value, text]) => el("option", { value }, text)));
    return select;
  }
  if (!field.multiple) select.append(el("option", { value: "" }, "（请选择）"));
  allUnits().then((units) => {
    const wanted = field.kind === "streets"
      ? units.filter((u) => u.kind === "street" && u.district === ticket.district) : units;
    select.append(...wanted.map((u) => el("option", { value: u.code }, u.name)));
  });
  return select;
}

function valueOf(field, node) {
  if (field.multiple) return [...node.selectedOptions].map((o) => o.value);
  const raw = node.value.trim();
  if (raw === "" && (field.optional || field.kind !== "textarea")) return undefined;   // → "请填写…"
  if (field.type === "bool") return raw === "true";
  if (field.type === "int") return /^\d+$/.test(raw) ? Number(raw) : raw;
  return raw;
}

function actionForm(ticket, action, spec, onChange) {
  const fields = spec.fields || [];
  const error = el("p", { class: "error", role: "alert", hidden: true });
  const labels = Object.fromEntries(fields.map((f) => [f.name, f.label.replace(/（.*）/, "")]));
  const inputs = fields.map((field) => {
    const id = `f-${ticket.id}-${action}-${field.name}`;
    return [field, control(field, ticket, id), id];
  });
  const button = el("button", { type: "submit", class: fields.length ? "primary" : "" }, spec.label);
  const form = el("form", { class: "action", dataset: { action }, novalidate: true },
    fields.length ? el("h4", {}, spec.label) : null,
    ...inputs.map(([field, node, id]) => el("div", { class: "field" }, el("label", { for: id }, field.label), node)),
    button, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(error);
    const body = { ...(spec.fixed || {}) };
    for (const [field, node] of inputs) {
      const value = valueOf(field, node);
      if (value !== undefined) body[field.name] = value;
    }
    button.disabled = true;
    try {
      const empty = !fields.length && !spec.fixed;   // close, sign: no body at all (an empty one is not "none")
      onChange(await api(`/api/v1/tickets/${ticket.id}/${spec.path}`, { method: "POST", body: empty ? undefined : body, labels }));
    } catch (failure) {
      showError(error, failure);   // what was typed stays in the form
      (inputs[0]?.[1] || button).focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export function actionForms(ticket, onChange) {
  const shown = new Set();
  const forms = [];
  for (const allowed of ticket.allowed_actions) {
    const action = ALIASES[allowed] || allowed;
    const spec = FORMS[action];
    if (!spec || shown.has(action) || (spec.when && !spec.when(ticket))) continue;
    shown.add(action);
    forms.push(actionForm(ticket, action, spec, onChange));
  }
  return forms;
}

export function ticketBadges(ticket) {
  return [
    ticket.warning ? badge(WARNING_NAMES[ticket.warning], ticket.warning) : null,
    ticket.supervised ? badge("督办", "red") : null,
    ticket.repeat_count ? badge(`重复·第${ticket.repeat_count + 1}次`, "yellow") : null,
    ticket.return_pending ? badge("退单待审") : null,
    ticket.extension_pending_days ? badge(`延期待审 ${ticket.extension_pending_days} 天`) : null,
    ticket.consultation_pending ? badge("会商中") : null,
    ticket.auto_dispatched ? badge("自动派单") : null,
    ticket.lookback_at && !ticket.lookback_result ? badge("待回头看") : null,
    ticket.satisfaction === "不满意" ? badge("不满意", "red") : null,
  ];
}

function facts(ticket) {
  const units = ticket.assignments.filter((a) => a.active)
    .map((a) => `${a.unit_name}（${a.role === "lead" ? "主办" : "协办"}${a.signed_at ? "·已签收" : ""}${a.replied_at ? "·已答复" : ""}）`);
  const rows = [
    ["诉求内容", ticket.text], ["标题", ticket.title], ["地址", ticket.address],
    ["来电号码", ticket.caller_phone_masked], ["清单事项", ticket.leaf_path && `${ticket.leaf} ${ticket.leaf_path}`],
    ["派单方式", ticket.dispatch_mode], ["办理时限", ticket.time_limit && `${ticket.time_limit}（${ticket.urgency}）`],
    ["截止时间", ticket.due_at && fmtTime(ticket.due_at) + (ticket.extended_days ? `（已延期 ${ticket.extended_days} 天）` : "")],
    ["承办单位", units.join("、")], ["答复内容", ticket.reply_text], ["满意度", ticket.satisfaction],
    ["登记时间", fmtTime(ticket.created_at)],
  ];
  return el("dl", { class: "facts" }, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

async function history(ticket, container) {
  try {
    const entries = await api(`/api/v1/tickets/${ticket.id}/audit`);
    container.replaceChildren(el("ol", { class: "history" }, ...entries.map((e) => el("li", {},
      el("time", {}, fmtTime(e.at)), " ", el("strong", {}, ACTION_NAMES[e.action] || e.action), " · ",
      `${e.actor}`, e.from_status ? ` · ${STATUS_NAMES[e.from_status] || e.from_status} → ` : " · ",
      STATUS_NAMES[e.to_status] || e.to_status, e.reason ? ` · ${e.reason}` : ""))));
  } catch (failure) {
    container.replaceChildren(el("p", { class: "error", role: "alert" }, failure.message));
  }
}

// The whole ticket: facts, action forms, history. `onChange(updated)` after a successful action.
export function ticketDetail(ticket, onChange) {
  const log = el("div", { class: "history-box" }, el("p", { class: "muted" }, "正在读取办理记录…"));
  const forms = actionForms(ticket, onChange);
  const node = el("article", { class: "ticket", dataset: { id: ticket.id, status: ticket.status } },
    el("h3", { tabindex: "-1" }, `工单 ${ticket.number} · ${ticket.status_name} `, ...ticketBadges(ticket)),
    facts(ticket),
    el("section", { class: "actions-box", "aria-label": "办理" }, forms.length ? forms : el("p", { class: "muted" }, "当前没有可办理的操作。")),
    el("h4", {}, "办理记录"), log);
  history(ticket, log);
  return node;
}

// Tickets as a list of buttons; `onOpen(ticket)` on click or Enter.
export function ticketList(tickets, onOpen, empty = "暂无工单") {
  if (!tickets.length) return el("p", { class: "muted" }, empty);
  return el("ul", { class: "tickets" }, ...tickets.map((t) => el("li", {},
    el("button", { type: "button", class: `ticket-item ${t.warning || ""}`, dataset: { id: t.id, number: t.number }, onclick: () => onOpen(t) },
      el("span", { class: "number" }, t.number), " ", el("span", { class: "what" }, t.leaf_path || t.text.slice(0, 40)),
      el("span", { class: "meta" }, `${t.status_name}${t.due_at ? ` · 截止 ${fmtTime(t.due_at)}` : ""}`), " ", ...ticketBadges(t)))));
}
