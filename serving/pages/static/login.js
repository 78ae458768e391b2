// Login: the API sets the HttpOnly session cookie; then on to the page asked for, or the person's own page.
import { api } from "./api.js";
import { $, clearError, showError, wired } from "./ui.js";

function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/home";
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("#login-error");
  clearError(error);
  const button = $("#login-form button[type=submit]");
  button.disabled = true;
  try {
    await api("/api/v1/auth/login", { method: "POST", body: { name: $("#name").value, password: $("#password").value } });
    location.assign(nextPage());
  } catch (failure) {
    showError(error, failure);
    $("#password").focus();
  } finally {
    button.disabled = false;
  }
});
wired();
