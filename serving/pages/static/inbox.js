// The unit's inbox: its tickets grouped by warning level (from the API), and the chosen ticket's actions.
import { api } from "./api.js";
import { ticketDetail, ticketList } from "./ticket.js";
import { $, clearError, el, showError, WARNING_NAMES, wired, wireHeader } from "./ui.js";

const GROUPS = [["red", WARNING_NAMES.red], ["yellow", WARNING_NAMES.yellow], ["green", WARNING_NAMES.green],
  ["done", "已答复待回访"]];
// Being handled (every one a unit must act on, up to the API's page limit), then the latest replied.
const STATUSES = [["dispatched", 200], ["signed", 200], ["replied", 30]];
let openId = null;

async function load({ refreshOpen = true } = {}) {
  const error = $("#inbox-error");
  clearError(error);
  try {
    const pages = await Promise.all(STATUSES.map(([status, size]) => api(`/api/v1/tickets?status=${status}&page_size=${size}`)));
    const tickets = pages.flatMap((p) => p.items);
    render(tickets);
    const open = refreshOpen && tickets.find((t) => t.id === openId);
    if (open) show(open, false);
  } catch (failure) {
    showError(error, failure);
  }
}

function render(tickets) {
  const byGroup = Object.groupBy ? Object.groupBy(tickets, (t) => t.warning || "done")
    : tickets.reduce((acc, t) => ((acc[t.warning || "done"] ||= []).push(t), acc), {});
  $("#groups").replaceChildren(...GROUPS.map(([key, title]) => {
    const items = byGroup[key] || [];
    return el("section", { class: `group ${key}`, dataset: { group: key }, "aria-label": title },
      el("h3", {}, `${title}（${items.length}）`), ticketList(items, (t) => show(t, true), "无"));
  }));
}

function show(ticket, focus) {
  openId = ticket.id;
  const detail = ticketDetail(ticket, (updated) => {
    show(updated, true);
    load({ refreshOpen: false });
  });
  $("#detail").replaceChildren(detail);
  if (focus) detail.querySelector("h3").focus();
}

wireHeader();
$("#refresh").addEventListener("click", () => load());
document.addEventListener("keydown", (event) => {
  if (event.altKey && event.code === "KeyR") {
    event.preventDefault();
    load();
  }
});
wired();
load();
