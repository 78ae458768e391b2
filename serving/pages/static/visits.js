// The agent's return visits (回访): replied tickets to call back, and visited ones to close or reopen.
import { api } from "./api.js";
import { ticketDetail, ticketList } from "./ticket.js";
import { el } from "./ui.js";

export async function loadVisits({ list, detail }) {
  try {
    const pages = await Promise.all(["replied", "visited"].map((s) => api(`/api/v1/tickets?status=${s}&page_size=50`)));
    const open = (ticket) => openVisit(ticket, { list, detail });
    list.replaceChildren(ticketList(pages.flatMap((p) => p.items), open, "暂无待回访工单"));
  } catch (failure) {
    list.replaceChildren(el("p", { class: "error", role: "alert" }, failure.message));
  }
}

function openVisit(ticket, where) {
  const node = ticketDetail(ticket, (updated) => {
    openVisit(updated, where);
    loadVisits(where);
  });
  where.detail.replaceChildren(node);
  node.querySelector("h3").focus();
}
