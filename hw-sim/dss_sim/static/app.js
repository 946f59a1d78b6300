"use strict";
const TEXT = {
  de: { title: "digitalSTROM Konfigurator", login: "Anmelden", user: "Benutzer", password: "Passwort",
        submit: "Anmelden", logout: "Abmelden", overview: "Übersicht", sharing: "Freigaben",
        failed: "Anmeldung fehlgeschlagen", on: "Ein", off: "Aus", devices: "Geräte", apartment: "Wohnung" },
  en: { title: "digitalSTROM configurator", login: "Log in", user: "User", password: "Password",
        submit: "Log in", logout: "Log out", overview: "Overview", sharing: "Access sharing",
        failed: "Login failed", on: "On", off: "Off", devices: "devices", apartment: "Apartment" },
};
// The sim's own page is rendered in a language; the appliance's static page (no lang) follows
// the browser, like the real configurator.
const pageLang = document.documentElement.lang || (navigator.language || "de").slice(0, 2);
const lang = pageLang === "en" ? "en" : "de";
const t = (key) => TEXT[lang][key] || key;

async function call(path, params) {
  const body = new URLSearchParams(params || {});
  const resp = await fetch("/json/" + path, { method: "POST", body, credentials: "same-origin" });
  return resp.json();
}

function el(tag, text) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }

async function showApp() {
  const who = await call("system/loggedInUser");
  if (!who.ok || !who.result.name) { return false; }
  document.getElementById("login").hidden = true;
  document.getElementById("app").hidden = false;
  document.getElementById("logout").hidden = false;
  document.getElementById("user").textContent = who.result.name;
  const name = await call("apartment/getName");
  document.getElementById("apartment").textContent = name.ok ? name.result.name : t("apartment");
  const structure = await call("apartment/getStructure");
  const zones = document.getElementById("zones");
  zones.replaceChildren();
  if (!structure.ok) { return true; }
  for (const zone of structure.result.apartment.zones) {
    if (zone.id === 0) { continue; }
    const box = el("div"); box.className = "zone";
    box.append(el("h3", zone.name + " (" + zone.devices.length + " " + t("devices") + ")"));
    const list = el("ul");
    for (const dev of zone.devices) {
      const item = el("li", dev.name + " ");
      for (const [label, verb] of [[t("on"), "turnOn"], [t("off"), "turnOff"]]) {
        const button = el("button", label);
        button.addEventListener("click", () => call("device/" + verb, { dsuid: dev.dSUID }));
        item.append(button);
      }
      list.append(item);
    }
    box.append(list);
    zones.append(box);
  }
  return true;
}

function selectTab(name) {
  for (const panel of document.querySelectorAll(".panel")) { panel.hidden = panel.id !== name; }
  for (const tab of document.querySelectorAll(".tab")) { tab.setAttribute("aria-selected", String(tab.dataset.tab === name)); }
  const frame = document.getElementById("addon");
  if (name === "sharing" && frame.getAttribute("src") === "about:blank") { frame.src = frame.dataset.src; }
}

// The add-on's page tells its height (dss-share:height): the frame grows with it, so the page
// never scrolls inside a fixed-height box. Only the frame's own page, of this origin, counts.
window.addEventListener("message", (ev) => {
  const frame = document.getElementById("addon");
  if (!frame || ev.origin !== window.location.origin || ev.source !== frame.contentWindow) { return; }
  const data = ev.data;
  if (data && data.type === "dss-share:height" && Number.isFinite(data.height)) {
    frame.style.height = Math.max(200, Math.min(20000, Math.ceil(data.height))) + "px";
  }
});

document.addEventListener("DOMContentLoaded", () => {
  for (const node of document.querySelectorAll("[data-i18n]")) { node.textContent = t(node.dataset.i18n); }
  document.getElementById("login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    const answer = await call("system/login", { user: form.get("user"), password: form.get("password") });
    document.getElementById("error").textContent = answer.ok ? "" : t("failed");
    if (answer.ok) { await showApp(); }
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await call("system/logout");
    window.location.reload();
  });
  for (const tab of document.querySelectorAll(".tab")) { tab.addEventListener("click", () => selectTab(tab.dataset.tab)); }
  selectTab("overview");
  showApp();
});
