"use strict";
// Landing page of a share link. The secret is in the URL fragment (#...), which browsers never
// send to a server; it is posted once to look the share up and once to open it, then removed.
(function () {
  const root = document.getElementById("landing");
  const lang = root.dataset.lang === "en" ? "en" : "de";
  const texts = document.getElementById("texts").dataset;
  const $ = (id) => document.getElementById(id);
  const secret = decodeURIComponent(location.hash.replace(/^#/, ""));

  for (const a of document.querySelectorAll(".lang-switch a")) {
    a.href = a.getAttribute("href") + location.hash; // keep the secret across a language switch
  }

  function show(message) {
    $("message").textContent = message;
    $("message").hidden = false;
  }

  function forget() {
    // The secret must not stay in the address bar, the history or a bookmark.
    history.replaceState(null, "", location.pathname + location.search);
  }

  async function post(path, payload) {
    const resp = await fetch(path + "?lang=" + lang, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload),
      credentials: "same-origin",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
    let body = {};
    try { body = await resp.json(); } catch (e) { body = {}; }
    return { status: resp.status, body: body };
  }

  const dateFormat = { dateStyle: "full", timeStyle: "short" };
  function dateText(iso) {
    return new Date(iso).toLocaleString(lang === "en" ? "en-GB" : "de-DE", dateFormat);
  }

  function triesText(left) {
    if (typeof left !== "number") { return ""; }
    return left === 1 ? texts.triesOne : texts.triesMany.replace("{n}", String(left));
  }

  function explain(status, body) {
    if (status === 404) { return texts.notfound; }
    if (body.error === "clock_unsynchronised") { return texts.clock; }
    if (body.error === "locked") { return texts.locked; }
    if (status === 429) { return texts.busy; }
    if (status === 401 && body.message === "Wrong PIN.") {
      return texts.wrongpin + " " + triesText(body.tries_left);
    }
    if (status === 401) { return texts.needpin; }
    return texts.failed;
  }

  function lockedForGood() {
    // The lock is permanent until the owner gives a new PIN: nothing left to try here.
    $("pin").disabled = true;
    $("open").disabled = true;
    $("open-form").hidden = true;
  }

  function scheduled(body) {
    $("from").textContent = dateText(body.starts_at);
    $("from").hidden = false;
    $("from-label").hidden = false;
    $("open").disabled = true;
    $("pin-row").hidden = true;
    show(texts.scheduled.replace("{start}", dateText(body.starts_at)));
    // Open the form by itself at the start, if the page is still open then (at most a day).
    const wait = Number(body.seconds_to_start) * 1000;
    if (wait > 0 && wait <= 86400000) {
      window.setTimeout(function () { location.reload(); }, wait + 1000);
    }
  }

  async function lookUp() {
    if (!secret) { $("loading").hidden = true; show(texts.missing); return; }
    const { status, body } = await post("preview", { secret: secret });
    if (status === 200 && body.open) {
      // This browser already holds a session of this share (a once-only link opened again).
      forget();
      location.replace(body.next + "?lang=" + lang);
      return;
    }
    $("loading").hidden = true;
    if (status !== 200) {
      if (status === 404) { forget(); }
      if (body.error === "locked") { lockedForGood(); }
      show(explain(status, body));
      return;
    }
    $("apartment").textContent = body.apartment || "–";
    $("label").textContent = body.label;
    $("level").textContent = body.level_text;
    $("until").textContent = dateText(body.expires_at);
    $("pin-row").hidden = !body.needs_pin;
    $("details").hidden = false;
    if (body.state === "scheduled") { scheduled(body); return; }
    if (body.needs_pin) { $("pin").focus(); } else { $("open").focus(); }
  }

  async function open(event) {
    event.preventDefault();
    $("open").disabled = true;
    $("message").hidden = true;
    const pin = $("pin-row").hidden ? null : $("pin").value.trim();
    try {
      const { status, body } = await post("redeem", { secret: secret, pin: pin });
      if (status === 200 && body.ok) {
        forget();
        location.replace(body.next + "?lang=" + lang);
        return;
      }
      if (status === 401) { $("pin-row").hidden = false; $("pin").value = ""; $("pin").focus(); }
      if (status === 404) { forget(); }
      show(explain(status, body));
      if (body.error === "locked") { lockedForGood(); return; }
    } catch (e) {
      show(texts.failed);
    }
    $("open").disabled = false;
  }

  $("open-form").addEventListener("submit", open);
  lookUp().catch(() => { $("loading").hidden = true; show(texts.failed); });
})();
