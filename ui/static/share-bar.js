"use strict";
// The share bar on configurator pages. Loaded first in <head> (no defer): the configurator's
// own scripts must find fetch and XMLHttpRequest already wrapped, so that the share site's
// refusals of their /json calls are shown as readable messages instead of silently breaking.
(() => {
  const early = [];
  let show = (status, message) => { early.push([status, message]); };

  function isJson(url) {
    try { return new URL(url, location.href).pathname.startsWith("/json/"); } catch { return false; }
  }
  function messageOf(text) {
    try { return String(JSON.parse(text).message || ""); } catch { return ""; }
  }
  function seen(status, url, text) {
    if ((status === 401 || status === 403 || status === 429) && isJson(url)) { show(status, messageOf(text)); }
  }

  const realFetch = window.fetch;
  window.fetch = async function (...args) {
    const resp = await realFetch.apply(this, args);
    if (resp.status === 401 || resp.status === 403 || resp.status === 429) {
      resp.clone().text().then((text) => seen(resp.status, resp.url, text), () => seen(resp.status, resp.url, ""));
    }
    return resp;
  };
  const realOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (...args) {
    this.addEventListener("loadend", () => {
      let text = "";
      try { text = this.responseType === "" || this.responseType === "text" ? this.responseText : ""; } catch { text = ""; }
      seen(this.status, this.responseURL, text);
    });
    return realOpen.apply(this, args);
  };

  function start() {
    const bar = document.getElementById("dss-share-bar");
    if (!bar) { return; }
    const texts = document.getElementById("dss-share-texts").dataset;
    const box = document.getElementById("dss-share-message");
    let ended = false;

    function say(text) { box.textContent = text; box.hidden = false; }
    function endNow() {
      ended = true;
      say(texts.ended);
      document.getElementById("dss-share-done").hidden = true;
      document.body.classList.add("dss-share-ended");
    }
    show = (status, message) => {
      if (ended) { return; }
      if (status === 401) { endNow(); return; }
      if (status === 429) { say(texts.busy); return; }
      say(message ? texts.denied + " " + message : texts.deniedPlain);
    };
    for (const [status, message] of early.splice(0)) { show(status, message); }

    const until = Date.now() + Number(bar.dataset.secondsLeft) * 1000;
    const left = document.getElementById("dss-share-time-left");
    const tick = () => {
      const minutes = Math.max(0, Math.round((until - Date.now()) / 60000));
      left.textContent = Math.floor(minutes / 60) + " " + texts.hours + " " + (minutes % 60) + " " + texts.minutes;
      if (minutes <= 0 && !ended) { endNow(); }
    };
    tick();
    setInterval(tick, 30000);

    document.getElementById("dss-share-done").addEventListener("click", async () => {
      if (!window.confirm(texts.confirmDone)) { return; }
      const resp = await realFetch("/s/done", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: "{}", credentials: "same-origin",
      });
      if (resp.ok || resp.status === 401) { endNow(); } else { say(texts.failed); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
