// The agent's workbench: intake form, suggestions as the agent types or pastes, accept or correct by keyboard,
// dispatch or answer on the spot, urgency and risk flags with their evidence, accepting a proposed split, and the
// return visits (回访) waiting for the agent.
import { api, newKey } from "./api.js";
import { candidatesOf, renderCandidates, renderChosen, renderSimilar, renderUnits } from "./advice.js";
import { checkRepeats } from "./repeats.js";
import { catalogueSearch } from "./search.js";
import { confirmedUrgency, renderSignals, splitItems } from "./signals.js";
import { allUnits } from "./ticket.js";
import { $, clearError, debounce, el, fmtTime, isTyping, showError, wired, wireHeader } from "./ui.js";
import { loadVisits } from "./visits.js";

const TYPING_DELAY = 300;   // ms after the last keystroke; a paste asks at once
const MAX_TEXT = 5000;
const INTAKE_LABELS = { text: "诉求内容", title: "标题", address: "地址", caller_phone: "来电号码" };

const state = {
  key: newKey(), ticket: null, advice: null, candidates: [], chosen: null, preview: null,
  placeTouched: false, modelAvailable: null, adviceSeq: 0, adviceAbort: null, previewSeq: 0,
  signals: null, signalsSeq: 0,
};
const units = new Map();
let search;   // the catalogue search box (catalogueSearch)
const unitName = (code) => (units.get(code) || {}).name || code;

// --- the draft ------------------------------------------------------------------------------------
function draft() {
  const body = { channel: $("#channel").value, text: $("#text").value, title: $("#title").value, address: $("#address").value };
  const phone = $("#caller_phone").value.trim();
  if (phone) body.caller_phone = phone;
  return { ...body, ...place() };
}

// The place the agent chose, else the one the advice resolved: {district?, street?}.
function place() {
  const value = $("#place").value;
  if (value.startsWith("street:")) return { street: value.slice(7), district: (units.get(value) || {}).district || undefined };
  if (value.startsWith("district:")) return { district: value.slice(9) };
  return {};
}

// --- advice ---------------------------------------------------------------------------------------
function setSuggestState(name, message) {
  $("#suggestions").dataset.state = name;
  $("#suggest-status").textContent = message;
}

async function advise(startedAt = performance.now()) {
  const text = $("#text").value.trim();
  if (state.adviceAbort) state.adviceAbort.abort();
  if (text.length < 2) {
    setSuggestState("idle", "输入或粘贴诉求内容后，这里会出现建议事项。");
    return;
  }
  if (state.modelAvailable === false) {
    setSuggestState("unavailable", "模型不可用，请手动选择清单事项（按 / 搜索清单）。");
    return;
  }
  const mine = ++state.adviceSeq;
  state.adviceAbort = new AbortController();
  setSuggestState("loading", "正在分析…");
  const body = { text: $("#text").value, title: $("#title").value, address: $("#address").value, similar: 3 };
  if (state.placeTouched) Object.assign(body, place());
  try {
    const advice = await api("/api/v1/advice", { method: "POST", body, signal: state.adviceAbort.signal, labels: INTAKE_LABELS });
    if (mine === state.adviceSeq) showAdvice(advice, startedAt);
  } catch (failure) {
    if (failure.name === "AbortError" || mine !== state.adviceSeq) return;
    if (failure.status === 503) {
      markModel(false);
      setSuggestState("unavailable", "模型不可用，请手动选择清单事项（按 / 搜索清单）。");
    } else {
      setSuggestState("error", failure.message);
    }
  }
}

function showAdvice(advice, startedAt) {
  state.advice = advice;
  state.candidates = candidatesOf(advice);
  const abstain = advice.prediction && advice.prediction.abstain;
  setSuggestState("ready", abstain ? "模型把握不大：请核对建议，或搜索清单。" : "建议事项（1/2/3 选择，Enter 派单）：");
  $("#suggestions").dataset.latencyMs = String(Math.round(performance.now() - startedAt));
  if (!state.placeTouched) showResolvedPlace(advice.place);
  const kept = state.chosen && state.chosen.explicit ? state.candidates.findIndex((c) => c.leaf === state.chosen.leaf) : -1;
  if (state.chosen && state.chosen.explicit && kept < 0 && !state.chosen.rank) {
    renderCandidates($("#candidates"), state.candidates, state.chosen, choose);   // a searched leaf stays chosen
  } else {
    choose(kept >= 0 ? kept + 1 : 1, { quiet: true, explicit: kept >= 0 });
  }
  renderUnits($("#units"), advice, unitName);
  renderSimilar($("#similar"), advice, unitName);
}

function showResolvedPlace(resolved) {
  const code = resolved && (resolved.street ? `street:${resolved.street}` : resolved.district ? `district:${resolved.district}` : "");
  const select = $("#place");
  select.value = code && units.has(code) ? code : "";
  $("#place-note").textContent = select.value ? "（由内容和地址识别，可修改）" : "";
}

function markModel(available, version) {
  state.modelAvailable = available;
  const badge = $("#model-status");
  badge.textContent = available ? `模型可用${version ? ` · ${version}` : ""}` : "模型不可用，请手动选择清单事项";
  badge.className = `badge ${available ? "green" : "red"}`;
}

// --- urgency, risk flags and the split proposal -----------------------------------------------------
async function loadSignals() {
  const text = $("#text").value.trim();
  const mine = ++state.signalsSeq;
  if (text.length < 5) {
    state.signals = null;
    renderSignals($("#signals"), null);
    return;
  }
  const body = { text: $("#text").value, title: $("#title").value, address: $("#address").value, ...place() };
  try {
    const found = await api("/api/v1/workbench/signals", { method: "POST", body, labels: INTAKE_LABELS });
    if (mine !== state.signalsSeq) return;
    state.signals = found;
    renderSignals($("#signals"), found, acceptSplit);
  } catch (failure) {
    if (mine === state.signalsSeq) renderSignals($("#signals"), { error: failure.message });
  }
}

// 拆分: register the call once, then one linked ticket per proposed problem, each dispatched by its own leaf.
async function acceptSplit() {
  const error = $("#split-error");
  clearError(error);
  const items = splitItems(state.signals);
  if (items.length < 2) return;
  const button = $("#split-accept");
  if (button) button.disabled = true;
  let parent;
  try {
    const ticket = await register();
    parent = await api(`/api/v1/tickets/${ticket.id}/split`, { method: "POST", body: { items } });
  } catch (failure) {
    showError(error, state.ticket ? `工单 ${state.ticket.number} 已登记，尚未拆分：${failure.message}` : failure.message);
    if (button) button.disabled = false;
    return;
  }
  const children = parent.children.map((c) => `${c.number}（${c.leaf_path ? c.leaf_path.split(" > ").pop() : c.leaf}${
    c.lead_unit ? ` · ${unitName(c.lead_unit)}` : ""} · ${c.status_name}）`);
  $("#outcome").replaceChildren(el("p", { class: "success", dataset: { number: parent.number, id: parent.id, children: parent.children.length } },
    `已拆分：工单 ${parent.number} → ${children.join("、")}`));
  reset(false);
}

// --- choosing a leaf ------------------------------------------------------------------------------
// Choose suggestion 1, 2 or 3; an explicit choice (a key, a click) survives the next advice while still suggested.
function choose(rank, { quiet = false, explicit = true } = {}) {
  const candidate = state.candidates[rank - 1];
  if (!candidate) return;
  select({ ...candidate, rank, explicit }, quiet);
}

function select(chosen, quiet = false) {
  state.chosen = chosen;
  state.preview = null;
  clearError($("#chosen-error"));
  renderCandidates($("#candidates"), state.candidates, chosen, choose);
  renderChosen($("#chosen"), chosen, null);
  loadPreview();
  if (!quiet && document.activeElement === $("#catalog-q")) $("#candidates").focus();
}

async function loadPreview() {
  const chosen = state.chosen;
  if (!chosen) return;
  const mine = ++state.previewSeq;
  const query = new URLSearchParams(Object.entries({ leaf: chosen.leaf, ...place() }).filter(([, v]) => v));
  try {
    const preview = await api(`/api/v1/workbench/preview?${query}`, { labels: { leaf: "清单事项编码" } });
    if (mine !== state.previewSeq) return;
    state.preview = preview;
    renderChosen($("#chosen"), chosen, preview, adviceLead());
  } catch (failure) {
    if (mine !== state.previewSeq) return;
    state.chosen = null;
    renderChosen($("#chosen"), null, null);
    renderCandidates($("#candidates"), state.candidates, null, choose);
    showError($("#chosen-error"), failure);
  }
}

// The advice's lead unit when the advice is about the chosen leaf and the agent has not changed the place.
function adviceLead() {
  const recommended = state.advice && state.advice.units;
  if (!recommended || !state.chosen || recommended.leaf !== state.chosen.leaf || state.placeTouched) return null;
  const lead = recommended.units.find((u) => u.role === "主办");
  return lead ? { code: lead.unit, name: lead.name, mode: recommended.mode } : null;
}

// --- registering and dispatching -------------------------------------------------------------------
async function register() {
  if (state.ticket) return state.ticket;
  state.ticket = await api("/api/v1/tickets", {
    method: "POST", body: draft(), headers: { "Idempotency-Key": state.key }, labels: INTAKE_LABELS,
  });
  return state.ticket;
}

function dispatchBody() {
  const body = { leaf: state.chosen.leaf, ...place() };
  const urgency = confirmedUrgency(state.signals, state.preview && state.preview.urgency);
  if (urgency) body.urgency = urgency;
  const lead = adviceLead();
  if (lead) {
    body.lead_unit = lead.code;
    if (["直派", "逐级转派", "双派"].includes(lead.mode)) body.mode = lead.mode;
  }
  if (!body.street && !body.district && state.advice && !state.placeTouched) {
    const resolved = state.advice.place || {};
    if (resolved.district) body.district = resolved.district;
    if (resolved.street) body.street = resolved.street;
  }
  return body;
}

async function accept() {
  const error = $("#intake-error");
  clearError(error);
  if (!state.chosen || !state.preview) {
    showError(error, state.chosen ? "正在读取所选事项，请稍候再按一次" : "请先选择清单事项：按 1/2/3 选择建议，或按 / 搜索清单");
    return;
  }
  if (state.preview.on_the_spot) {
    openAnswer();
    return;
  }
  const button = $("#accept");
  button.disabled = true;
  let done;
  try {
    const ticket = await register();
    done = ticket.status === "registered"   // else the leaf's auto-dispatch rule has already sent it at intake
      ? await api(`/api/v1/tickets/${ticket.id}/dispatch`, { method: "POST", body: dispatchBody() }) : ticket;
  } catch (failure) {
    showError(error, state.ticket ? `工单 ${state.ticket.number} 已登记，尚未派单：${failure.message}` : failure.message);
    $("#text").focus();
    return;
  } finally {
    button.disabled = false;
  }
  finish(done, done.auto_dispatched ? "已自动派单" : "已派单");
}

function openAnswer() {
  $("#answer-box").hidden = false;
  $("#answer-text").focus();
}

async function answer() {
  const error = $("#answer-error");
  clearError(error);
  let done;
  try {
    const ticket = await register();
    const body = { text: $("#answer-text").value };
    if (state.chosen && state.preview) body.leaf = state.chosen.leaf;
    done = await api(`/api/v1/tickets/${ticket.id}/answer`, { method: "POST", body, labels: { text: "即办答复内容" } });
  } catch (failure) {
    showError(error, state.ticket ? `工单 ${state.ticket.number} 已登记：${failure.message}` : failure.message);
    $("#answer-text").focus();
    return;
  }
  finish(done, "已即办");
}

function finish(ticket, verb) {
  const lead = ticket.assignments.find((a) => a.active && a.role === "lead");
  const parts = [`${verb}：工单 ${ticket.number}`, lead ? `主办 ${lead.unit_name}` : "", ticket.dispatch_mode || "",
    ticket.due_at ? `截止 ${fmtTime(ticket.due_at)}` : "", ticket.status_name];
  $("#outcome").replaceChildren(el("p", { class: "success", dataset: { number: ticket.number, id: ticket.id } }, parts.filter(Boolean).join(" · ")));
  reset(false);
}

function reset(clearOutcome = true) {
  const channel = $("#channel").value;
  $("#intake").reset();
  $("#channel").value = channel;
  $("#answer-text").value = "";
  $("#answer-box").hidden = true;
  Object.assign(state, { key: newKey(), ticket: null, advice: null, candidates: [], chosen: null, preview: null, placeTouched: false, signals: null });
  state.adviceSeq++;
  state.signalsSeq++;
  renderSignals($("#signals"), null);
  for (const id of ["#candidates", "#units", "#similar", "#chosen"]) $(id).replaceChildren();
  $("#catalog-q").value = "";
  search.clear();
  for (const id of ["#intake-error", "#answer-error", "#chosen-error", "#split-error"]) clearError($(id));
  $("#repeat-warning").hidden = true;
  $("#place-note").textContent = "";
  $("#text-count").textContent = `0 / ${MAX_TEXT}`;
  setSuggestState(state.modelAvailable === false ? "unavailable" : "idle", state.modelAvailable === false
    ? "模型不可用，请手动选择清单事项（按 / 搜索清单）。" : "输入或粘贴诉求内容后，这里会出现建议事项。");
  if (clearOutcome) $("#outcome").replaceChildren();
  $("#caller_phone").focus();
}

// --- keyboard -------------------------------------------------------------------------------------
function onKey(event) {
  const target = event.target;
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    if (target.id === "answer-text") answer();
    else accept();
  } else if (event.altKey && ["1", "2", "3"].includes(event.key)) {
    event.preventDefault();
    choose(Number(event.key));
  } else if (event.altKey && event.code === "KeyJ") {
    event.preventDefault();
    openAnswer();
  } else if (event.altKey && event.code === "KeyN") {
    event.preventDefault();
    reset();
  } else if (event.altKey && event.code === "KeyS") {
    event.preventDefault();
    acceptSplit();
  } else if (event.key === "Escape" && target.closest && target.closest("#intake")) {
    event.preventDefault();
    $("#candidates").focus();
  } else if (!isTyping(target) && !event.altKey && !event.ctrlKey && !event.metaKey) {
    onPlainKey(event, target);
  }
}

// Keys outside text fields: "/" anywhere; 1/2/3, ↑/↓ and Enter on the suggestions (or with nothing focused).
function onPlainKey(event, target) {
  const onSuggestions = target === document.body || target.closest(".advice");
  const rank = state.chosen && state.chosen.rank;
  if (event.key === "/") {
    event.preventDefault();
    $("#catalog-q").focus();
  } else if (!onSuggestions || ["BUTTON", "A"].includes(target.tagName)) {
    return;
  } else if (["1", "2", "3"].includes(event.key)) {
    event.preventDefault();
    choose(Number(event.key));
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    choose(Math.min(Math.max((rank || 0) + (event.key === "ArrowDown" ? 1 : -1), 1), state.candidates.length));
  } else if (event.key === "Enter") {
    event.preventDefault();
    accept();
  }
}

// Enter in a one-line field of the intake form moves on instead of submitting (dispatch is a deliberate key).
function enterMovesOn(event) {
  if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.target.tagName !== "INPUT") return;
  event.preventDefault();
  const fields = [...$("#intake").querySelectorAll("input, select, textarea")];
  const next = fields[fields.indexOf(event.target) + 1];
  if (next) next.focus();
}

// --- start ----------------------------------------------------------------------------------------
async function loadPlaces() {
  const all = await allUnits();
  for (const unit of all) units.set(unit.code, unit);
  const select = $("#place");
  const districts = all.filter((u) => u.kind === "district");
  for (const district of districts) {
    const code = district.code.slice(9);
    select.append(el("optgroup", { label: district.name },
      el("option", { value: district.code }, `${district.name}（区县级）`),
      ...all.filter((u) => u.kind === "street" && u.district === code).map((u) => el("option", { value: u.code }, u.name))));
  }
}

async function loadStatus() {
  try {
    const status = await api("/api/v1/workbench/status");
    markModel(status.model_available, status.suggester);
    if (!status.model_available) setSuggestState("unavailable", "模型不可用，请手动选择清单事项（按 / 搜索清单）。");
  } catch (failure) {
    $("#model-status").textContent = failure.message;
  }
}

function start() {
  wireHeader();
  const typed = debounce(() => advise(), TYPING_DELAY);
  const signalsTyped = debounce(() => loadSignals(), TYPING_DELAY);
  const repeats = debounce(() => checkRepeats({ phone: $("#caller_phone"), address: $("#address"), box: $("#repeat-warning") }), 500);
  $("#text").addEventListener("input", (event) => {
    $("#text-count").textContent = `${[...$("#text").value].length} / ${MAX_TEXT}`;
    if (event.inputType === "insertFromPaste") {
      typed.cancel();
      signalsTyped.cancel();
      advise(performance.now());
      loadSignals();
    } else {
      typed();
      signalsTyped();
    }
  });
  for (const id of ["#title", "#address"]) $(id).addEventListener("input", typed);
  for (const id of ["#title", "#address"]) $(id).addEventListener("input", signalsTyped);
  for (const id of ["#caller_phone", "#address"]) $(id).addEventListener("input", repeats);
  $("#place").addEventListener("change", () => {
    state.placeTouched = true;
    $("#place-note").textContent = "";
    loadPreview();
    loadSignals();
  });
  $("#intake").addEventListener("submit", (event) => {
    event.preventDefault();
    accept();
  });
  $("#intake").addEventListener("keydown", enterMovesOn);
  $("#answer-open").addEventListener("click", openAnswer);
  $("#answer-submit").addEventListener("click", answer);
  $("#next-call").addEventListener("click", () => reset());
  const visits = () => loadVisits({ list: $("#visits"), detail: $("#visit-detail") });
  $("#visits-refresh").addEventListener("click", visits);
  document.addEventListener("keydown", onKey);
  search = catalogueSearch({
    input: $("#catalog-q"), list: $("#catalog-results"), error: $("#search-error"),
    onPick: (hit) => select({ leaf: hit.code, path: hit.path, rank: null, explicit: true }),
    onEscape: () => $("#candidates").focus(),
  });
  wired();
  loadStatus();
  // The caller's number first, unless the agent has already started somewhere else while the places loaded.
  loadPlaces().then(() => {
    if (document.activeElement === document.body || document.activeElement === null) $("#caller_phone").focus();
  });
  visits();
}

start();
