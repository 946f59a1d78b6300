// The owner tab's few enhancements. Every page works without this file.
"use strict";
(function () {
  const lang = document.documentElement.lang === "en" ? "en" : "de";

  // Inside the configurator's frame: say so to the stylesheet, and tell the frame how tall the
  // page is, so that it grows with the content instead of scrolling inside (one scroll bar).
  // Only a parent of this same origin (the configurator on the dSS) gets the message.
  // On the dSS, the web front logs the homeowner in (digest) and the dSS hands out its `token`
  // cookie on the first /json call of this origin. Opened before the configurator made one, the
  // tab would ask for a password it does not need: make that call once, then reload. Off the
  // dSS, /json does not exist here and nothing happens.
  const loginForm = document.getElementById("login-form");
  if (!loginForm) {
    try { window.sessionStorage.removeItem("dss-share-json-tried"); } catch (e) { /* nothing kept */ }
  } else if (!document.getElementById("login-resume")) {
    let tried = "";
    try { tried = window.sessionStorage.getItem("dss-share-json-tried") || ""; } catch (e) { tried = "x"; }
    if (!tried) {
      try { window.sessionStorage.setItem("dss-share-json-tried", "1"); } catch (e) { /* no retry */ }
      fetch("/json/system/loggedInUser", { method: "POST", credentials: "same-origin", cache: "no-store" })
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (body) {
          if (body && body.ok && body.result && body.result.name) { window.location.reload(); }
        })
        .catch(function () { /* no dSS behind this origin: the password form stays */ });
    }
  }

  const framed = window.parent !== window;
  if (framed) {
    document.documentElement.classList.add("in-frame");
    let last = 0;
    const report = function () {
      const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        try {
          window.parent.postMessage({ type: "dss-share:height", height: height },
            window.location.origin);
        } catch (e) { /* a parent of another origin gets nothing */ }
      }
    };
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
    window.addEventListener("load", report);
    report();
  }

  function durationText(seconds) {
    // Mirrors duration_text() in dss_addon/web/owner/views.py.
    const minutes = Math.max(0, Math.floor(seconds / 60));
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (lang === "de") {
      if (days) return days + (days === 1 ? " Tag " : " Tage ") + hours + " Std.";
      return hours ? hours + " Std. " + mins + " Min." : mins + " Min.";
    }
    if (days) return days + (days === 1 ? " day " : " days ") + hours + " h";
    return hours ? hours + " h " + mins + " min" : mins + " min";
  }

  // The browser's time zone, so that dates typed into the forms mean local time.
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll('input[name="tz"]').forEach(function (input) {
    if (!input.value) input.value = zone;
  });

  // Times in the browser's zone and language.
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    const moment = new Date(el.getAttribute("datetime"));
    if (!isNaN(moment.getTime())) {
      el.textContent = moment.toLocaleString(lang === "de" ? "de-DE" : "en-GB",
        { dateStyle: "medium", timeStyle: "short" });
    }
  });

  // Live time left, counted from the server's figure (not from the browser's clock).
  const counters = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));
  const loaded = Date.now();
  function tick() {
    const elapsed = (Date.now() - loaded) / 1000;
    counters.forEach(function (el) {
      const start = Number(el.getAttribute("data-countdown"));
      if (start > 0) el.textContent = durationText(start - elapsed);
    });
  }
  if (counters.length) window.setInterval(tick, 15000);

  // A request for more time that comes in while the tab is open: say so (a reload shows it
  // with its grant and decline buttons). Reads the owner API's `requested` every 30 seconds.
  const notice = document.getElementById("live-notice");
  if (notice) {
    const shown = (notice.getAttribute("data-shown") || "").split(",").filter(Boolean);
    const check = function () {
      fetch(notice.getAttribute("data-api"), { credentials: "same-origin", cache: "no-store" })
        .then(function (resp) { return resp.ok ? resp.json() : null; })
        .then(function (body) {
          if (!body || !notice.hidden) return;
          const fresh = (body.requested || []).some(function (id) {
            return shown.indexOf(id) < 0;
          });
          if (!fresh) return;
          notice.textContent = notice.getAttribute("data-text") + " ";
          const reload = document.createElement("a");
          reload.href = location.pathname + location.search;
          reload.textContent = notice.getAttribute("data-reload");
          notice.appendChild(reload);
          notice.hidden = false;
        })
        .catch(function () { /* the next round tries again */ });
    };
    window.setInterval(check, 30000);
  }

  // Copy buttons; a screen reader hears the result through the status region.
  const copyStatus = document.getElementById("copy-status");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      const field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      const done = function () {
        const text = button.getAttribute("data-done") || button.textContent;
        button.textContent = text;
        if (copyStatus) copyStatus.textContent = text;
      };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (document.execCommand("copy")) done();
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });

  // Confirmation dialogs; without JavaScript the server asks on a page of its own.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      const confirmed = form.querySelector('input[name="confirmed"]');
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      } else if (confirmed) {
        confirmed.value = "yes";
      }
    });
  });

  // Typing an end date picks the "until" choice.
  document.querySelectorAll("[data-selects]").forEach(function (input) {
    const pick = function () {
      const radio = document.getElementById(input.getAttribute("data-selects"));
      if (radio) radio.checked = true;
    };
    input.addEventListener("focus", pick);
    input.addEventListener("input", pick);
  });

  // The vendor-support preset fills the form in place (the link works without JavaScript).
  document.querySelectorAll('[data-preset="support"]').forEach(function (link) {
    const form = document.getElementById("share-form");
    if (!form) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      const label = form.querySelector('input[name="label"]');
      if (label && !label.value) label.value = link.getAttribute("data-label") || "";
      const level = form.querySelector('input[name="level"][value="view"]');
      if (level) level.checked = true;
      const duration = form.querySelector('input[name="duration"][value="4320"]');
      if (duration) duration.checked = true;
      const pin = form.querySelector('input[name="pin"]');
      if (pin) pin.checked = true;
    });
  });

  // "Configure" asks for a PIN unless the owner has decided on the PIN already.
  const pinBox = document.querySelector('#share-form input[name="pin"]');
  if (pinBox) {
    let pinTouched = false;
    pinBox.addEventListener("change", function () { pinTouched = true; });
    document.querySelectorAll('#share-form input[name="level"]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked && radio.value === "configure" && !pinTouched) pinBox.checked = true;
      });
    });
  }
})();
