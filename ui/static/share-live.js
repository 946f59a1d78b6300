"use strict";
// The share's life on the electrician's page: the time left as the server counts it, warnings
// before the end, the owner's extensions and revocations as they happen, and requests for more
// time. The server's answer carries seconds_left from its own clock; the page counts down from
// it on the monotonic clock (the browser's wall clock may be off) and rounds up, so it never
// shows less time than is left nor ends early (issue 10, item 3).
(function () {
  const root = document.getElementById("share-app");
  const textsEl = document.getElementById("life-texts");
  if (!root || !textsEl) { return; }
  const text = textsEl.dataset;
  const lang = root.dataset.lang === "en" ? "en" : "de";
  const $ = (id) => document.getElementById(id);
  const WARN_AT = [600, 60];

  let left = Number(root.dataset.secondsLeft) || 0; // seconds, true at `since`
  let since = performance.now();
  let expiresAt = $("until").getAttribute("datetime");
  let over = false;
  let warned = 0; // the lowest limit warned about (0: none yet)
  let asked = false; // a request was sent or seen pending while this page is open
  let version = ""; // of the last state seen: the long poll waits only while it holds

  function remaining() { return Math.max(0, left - (performance.now() - since) / 1000); }

  function durationText(seconds) {
    if (seconds <= 0) { return "0 " + text.minutes; }
    if (seconds < 60) { return Math.ceil(seconds) + " " + text.seconds; }
    const minutes = Math.ceil(seconds / 60);
    const hours = Math.floor(minutes / 60);
    const mins = minutes % 60;
    return hours ? hours + " " + text.hours + " " + mins + " " + text.minutes : mins + " " + text.minutes;
  }

  function dateText(iso) {
    return new Date(iso).toLocaleString(lang === "en" ? "en-GB" : "de-DE",
      { dateStyle: "medium", timeStyle: "short" });
  }

  function warn(message) {
    $("life-warning").textContent = message;
    $("life-warning").hidden = !message;
  }

  function status(message) {
    $("life-status").textContent = message;
    $("life-status").hidden = !message;
  }

  function stop(kind) {
    if (over) { return; }
    over = true;
    left = 0;
    $("time-left").textContent = "0 " + text.minutes;
    status("");
    warn(text[kind] || text.ended);
    $("more-time").hidden = true;
    for (const b of document.querySelectorAll("button")) { b.disabled = true; }
  }

  function tick() {
    if (over) { return; }
    const now = remaining();
    $("time-left").textContent = durationText(now);
    if (now <= WARN_AT[1] && warned !== WARN_AT[1]) {
      warned = WARN_AT[1];
      warn(text.warn1);
    } else if (now <= WARN_AT[0] && now > WARN_AT[1] && warned === 0) {
      warned = WARN_AT[0];
      warn(text.warn10);
    } else if (now > WARN_AT[0] && warned) {
      warned = 0; // extended: warn again before the new end
      warn("");
    }
  }

  function apply(state) {
    if (state.state === "revoked" || state.state === "ended") { stop(state.state); return; }
    if (state.state === "expired") { stop("expired"); return; }
    version = state.version || "";
    left = Number(state.seconds_left);
    since = performance.now();
    if (state.expires_at && state.expires_at !== expiresAt) {
      if (expiresAt && state.expires_at > expiresAt) { status(text.extended); }
      expiresAt = state.expires_at;
      $("until").setAttribute("datetime", expiresAt);
    }
    $("until").textContent = dateText(expiresAt);
    const request = state.extension_request;
    if (request && request.answer === null) {
      asked = true;
      status(text.sent);
    } else if (request && asked) {
      asked = false;
      status(request.answer === "granted" ? text.granted : text.declined);
    }
    tick();
  }

  async function fetchState(wait) {
    const query = "?wait=" + wait + "&version=" + encodeURIComponent(version);
    const resp = await fetch("/s/state" + query, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json" },
    });
    if (resp.status === 401) { stop("ended"); return true; }
    if (!resp.ok) { return false; }
    apply(await resp.json());
    return true;
  }

  async function follow() {
    // A long poll: the server answers at once when the owner extends, revokes or answers a
    // request, and at the latest a second after the end.
    while (!over) {
      let ok = false;
      try { ok = await fetchState(25); } catch (e) { ok = false; }
      if (!ok) { await new Promise((r) => setTimeout(r, 5000)); }
    }
  }

  $("ask-more").addEventListener("click", () => {
    $("more-time").hidden = !$("more-time").hidden;
    if (!$("more-time").hidden) { $("more-minutes").focus(); }
  });

  $("more-time").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("more-send").disabled = true;
    try {
      const resp = await fetch("/s/extension-request", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify({
          minutes: Number($("more-minutes").value),
          message: $("more-message").value,
        }),
        credentials: "same-origin",
      });
      if (resp.status === 202) {
        asked = true;
        $("more-time").hidden = true;
        status(text.sent);
      } else if (resp.status === 401) {
        stop("ended");
      } else {
        status(resp.status === 429 ? text.busy : text.failed);
      }
    } catch (e) {
      status(text.failed);
    }
    $("more-send").disabled = over;
  });

  $("until").textContent = dateText(expiresAt);
  tick();
  window.setInterval(tick, 1000);
  follow();
})();
