// Small DOM helpers shared by the pages: building elements, showing messages, formatting times and shares.
import { api } from "./api.js";

export const $ = (selector, root = document) => root.querySelector(selector);

// el("p", {class: "muted"}, "text", child…): attributes starting with "on" become listeners.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// Replace a node's children, leaving out null, undefined and false (conditional parts).
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function showError(node, error) {
  node.textContent = typeof error === "string" ? error : error.message;
  node.hidden = false;
}

export function clearError(node) {
  node.textContent = "";
  node.hidden = true;
}

const TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  hour12: false,
});

export function fmtTime(iso) {
  if (!iso) return "—";
  const parts = Object.fromEntries(TIME.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export function fmtShare(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(value === 1 || value === 0 ? 0 : 1)}%`;
}

export function debounce(fn, ms) {
  let timer;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

export const WARNING_NAMES = { red: "红灯·已超期", yellow: "黄灯·临期", green: "绿灯·正常" };

export function badge(text, kind = "") {
  return el("span", { class: `badge ${kind}` }, text);
}

export function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

// Said by each page once its keys and buttons are wired (before its data has loaded): `body[data-wired]`.
export function wired() {
  document.body.dataset.wired = "true";
}

// The header's logout button (every page but the login page has one).
export function wireHeader() {
  const button = $("#logout");
  if (!button) return;
  button.addEventListener("click", async () => {
    try {
      await api("/api/v1/auth/logout", { method: "POST" });
    } finally {
      location.assign("/login");
    }
  });
}
