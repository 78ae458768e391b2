// Catalogue search as a keyboard combobox: type words, pinyin or initials (the API matches them), ↑/↓ to move,
// Enter to pick (a typed code is picked as is, so the page can check it), Esc to leave.
import { api } from "./api.js";
import { clearError, debounce, el, showError } from "./ui.js";

export function catalogueSearch({ input, list, error, onPick, onEscape, leavesOnly = true, limit = 12 }) {
  let hits = [];
  let active = -1;
  let seq = 0;

  function render() {
    list.replaceChildren(...hits.map((hit, i) => el("li", {
      id: `${list.id}-${i}`, role: "option", class: i === active ? "active" : "", "aria-selected": String(i === active),
      dataset: { code: hit.node.code }, onmousedown: (event) => { event.preventDefault(); pick(i); },
    }, el("span", { class: "code" }, hit.node.code), " ", hit.path, hit.node.is_leaf ? "" : el("span", { class: "muted" }, "（含下级）"))));
    input.setAttribute("aria-expanded", String(hits.length > 0));
    if (active >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${active}`);
    else input.removeAttribute("aria-activedescendant");
  }

  async function run() {
    const query = input.value.trim();
    const mine = ++seq;
    clearError(error);
    try {
      const found = await api(`/api/v1/catalog/search?${new URLSearchParams({ q: query, limit, leaves_only: leavesOnly })}`, { labels: { q: "搜索词" } });
      if (mine !== seq) return;
      hits = found;
      active = hits.length ? 0 : -1;
      if (!hits.length) showError(error, `没有找到与“${query}”匹配的清单事项`);
    } catch (failure) {
      if (mine !== seq) return;
      hits = [];
      active = -1;
      showError(error, failure);
    }
    render();
  }

  const later = debounce(() => (input.value.trim() ? run() : clear()), 200);

  function clear() {
    seq++;
    hits = [];
    active = -1;
    clearError(error);
    render();
  }

  function pick(i) {
    const hit = hits[i];
    if (hit) onPick({ code: hit.node.code, path: hit.path, isLeaf: hit.node.is_leaf });
  }

  input.addEventListener("input", later);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!hits.length) return;
      active = (active + (event.key === "ArrowDown" ? 1 : hits.length - 1)) % hits.length;
      render();
    } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      later.cancel();
      const query = input.value.trim();
      if (/^\d{2,8}$/.test(query) && !hits.some((h) => h.node.code === query)) onPick({ code: query, path: "", isLeaf: true });
      else if (active >= 0 && hits.length) pick(active);
      else run();
    } else if (event.key === "Escape") {
      event.preventDefault();
      clear();
      if (onEscape) onEscape();
    }
  });
  return { clear, run };
}
