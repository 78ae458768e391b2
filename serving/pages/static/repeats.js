// The repeat warning of the workbench: earlier tickets (90 days) of the same caller phone or address.
import { api } from "./api.js";
import { el, fmtTime } from "./ui.js";

let seq = 0;

export async function checkRepeats({ phone, address, box }) {
  const body = { address: address.value };
  if (phone.value.trim()) body.caller_phone = phone.value.trim();
  const mine = ++seq;
  if (!body.caller_phone && !body.address.trim()) {
    box.hidden = true;
    return;
  }
  try {
    const found = await api("/api/v1/workbench/repeats", { method: "POST", body, labels: { caller_phone: "来电号码", address: "地址" } });
    if (mine === seq) showRepeats(box, found);
  } catch (failure) {
    if (mine !== seq) return;
    box.replaceChildren(el("p", {}, failure.message));
    box.hidden = false;
  }
}

function showRepeats(box, found) {
  if (!found.repeat) {
    box.hidden = true;
    return;
  }
  const lines = [];
  if (found.by_caller.length) lines.push(`重复来电：该号码 ${found.window_days} 天内已有 ${found.by_caller.length} 件工单`);
  if (found.by_address.length) lines.push(`重复诉求：同一地址 ${found.window_days} 天内已有 ${found.by_address.length} 件工单`);
  const earlier = [...found.by_caller, ...found.by_address.filter((t) => !found.by_caller.some((c) => c.id === t.id))];
  box.replaceChildren(el("p", {}, el("strong", {}, `⚠ ${lines.join("；")}`)), el("ul", {}, ...earlier.slice(0, 5).map((t) =>
    el("li", {}, `${t.number} · ${fmtTime(t.created_at)} · ${t.status_name} · ${t.leaf_path || t.text}`,
      t.reply_text ? el("span", { class: "muted" }, ` · 答复：${t.reply_text}`) : "", t.satisfaction ? ` · ${t.satisfaction}` : ""))));
  box.hidden = false;
}
