"use strict";
// Electrician overview: everything goes through the share site's /json proxy, which decides
// every call; this page only hides what the level cannot do anyway.
(function () {
  const root = document.getElementById("share-app");
  const lang = root.dataset.lang === "en" ? "en" : "de";
  const text = document.getElementById("texts").dataset;
  const zonesAllowed = JSON.parse(root.dataset.zones || "[]");
  const canOperate = root.dataset.operate === "yes";
  const $ = (id) => document.getElementById(id);
  // One subscription id per browser tab, kept across reloads: the share site caps the ids a
  // session may hold, and a reload must not use up a new one each time.
  const subscriptionID = (function () {
    const key = "dss-share-subscription";
    try {
      const kept = window.sessionStorage.getItem(key);
      if (kept && /^[0-9]{4}$/.test(kept)) { return kept; }
      const made = String(1000 + Math.floor(Math.random() * 9000));
      window.sessionStorage.setItem(key, made);
      return made;
    } catch (e) {
      return String(1000 + Math.floor(Math.random() * 9000));
    }
  })();
  let ended = false;
  const zoneNames = {};

  function el(tag, txt, cls) {
    const e = document.createElement(tag);
    if (txt !== undefined) { e.textContent = txt; }
    if (cls) { e.className = cls; }
    return e;
  }

  function show(message) { $("message").textContent = message; $("message").hidden = false; }

  function endedNow() {
    if (ended) { return; }
    ended = true;
    show(text.ended);
    for (const b of document.querySelectorAll("button")) { b.disabled = true; }
  }

  async function call(path, params) {
    const resp = await fetch("/json/" + path, {
      method: "POST",
      body: new URLSearchParams(params || {}),
      credentials: "same-origin",
      cache: "no-store",
    });
    let body = { ok: false, message: "" };
    try { body = await resp.json(); } catch (e) { /* keep the default */ }
    if (resp.status === 401) { endedNow(); }
    if (resp.status === 403) { show(text.denied + " " + body.message); }
    return body;
  }

  function act(button, path, params) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      const body = await call(path, params);
      if (!body.ok && !ended && body.message) { show(body.message); }
      button.disabled = ended;
      loadZones();
    });
    return button;
  }

  function zoneButtons(zone) {
    const box = el("div", undefined, "actions");
    const hasGroup = (id) => zone.groups.some((g) => g.id === id && g.devices.length > 0);
    if (hasGroup(1)) {
      box.append(act(el("button", text.lightOn), "zone/callScene", { id: zone.id, groupID: 1, sceneNumber: 5 }));
      box.append(act(el("button", text.lightOff), "zone/callScene", { id: zone.id, groupID: 1, sceneNumber: 0 }));
    }
    if (hasGroup(2)) {
      box.append(act(el("button", text.shadeUp), "zone/callScene", { id: zone.id, groupID: 2, sceneNumber: 14 }));
      box.append(act(el("button", text.shadeDown), "zone/callScene", { id: zone.id, groupID: 2, sceneNumber: 13 }));
    }
    return box;
  }

  function deviceItem(dev) {
    const item = el("li", undefined, "device");
    item.append(el("span", dev.name || dev.dSUID, "name"));
    item.append(el("span", dev.on ? text.on : text.off, dev.on ? "state on" : "state off"));
    if (canOperate) {
      item.append(act(el("button", text.identify, "small"), "device/blink", { dsuid: dev.dSUID }));
    }
    return item;
  }

  async function loadZones() {
    const body = await call("apartment/getStructure");
    if (!body.ok) { return; }
    const box = $("zones");
    box.replaceChildren();
    for (const zone of body.result.apartment.zones) {
      if (zone.id === 0) { continue; }
      if (zonesAllowed.length && !zonesAllowed.includes(zone.id)) { continue; }
      zoneNames[zone.id] = zone.name;
      const card = el("article", undefined, "zone");
      card.append(el("h3", zone.name || text.zone + " " + zone.id));
      if (canOperate) { card.append(zoneButtons(zone)); }
      const list = el("ul", undefined, "plain devices");
      for (const dev of zone.devices) { list.append(deviceItem(dev)); }
      if (!zone.devices.length) { list.append(el("li", text.noDevices, "muted")); }
      card.append(list);
      box.append(card);
    }
  }

  async function loadMeters() {
    const [circuits, latest] = await Promise.all([
      call("apartment/getCircuits"),
      call("metering/getLatest", { type: "consumption", from: ".meters(all)" }),
    ]);
    if (!latest.ok) { return; }
    const names = {};
    if (circuits.ok) { for (const c of circuits.result.circuits) { names[c.dSUID] = c.name; } }
    const list = $("meters");
    list.replaceChildren();
    for (const v of latest.result.values) {
      const item = el("li");
      item.append(el("span", names[v.dSUID] || v.dSUID, "name"));
      item.append(el("strong", Math.round(v.value) + " W"));
      list.append(item);
    }
  }

  function addEvent(ev) {
    const p = ev.properties || {};
    const zoneID = Number(p.zoneID || (ev.source && ev.source.zoneID) || 0);
    if (zonesAllowed.length && !zonesAllowed.includes(zoneID)) { return; }
    const where = zoneID ? zoneNames[zoneID] || text.zone + " " + zoneID : "";
    const line = new Date().toLocaleTimeString(lang === "en" ? "en-GB" : "de-DE") + " · " +
      ev.name + " · " + text.scene + " " + (p.sceneID || "?") + (where ? " · " + where : "");
    const list = $("events");
    const none = $("no-events");
    if (none) { none.remove(); }
    list.prepend(el("li", line));
    while (list.children.length > 20) { list.lastChild.remove(); }
  }

  async function eventLoop() {
    const sub = await call("event/subscribe", { name: "callScene", subscriptionID: subscriptionID });
    if (!sub.ok) { return; }
    while (!ended) {
      const body = await call("event/get", { subscriptionID: subscriptionID, timeout: 30000 });
      if (!body.ok) {
        if (ended) { return; }
        await new Promise((r) => setTimeout(r, 5000));
        await call("event/subscribe", { name: "callScene", subscriptionID: subscriptionID });
        continue;
      }
      for (const ev of body.result.events) { addEvent(ev); }
      if (body.result.events.some((ev) => ev.name === "callScene")) { loadZones(); }
    }
  }

  $("done").addEventListener("click", async () => {
    if (!window.confirm(text.confirmDone)) { return; }
    const resp = await fetch("/s/done", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
      credentials: "same-origin",
    });
    if (resp.ok || resp.status === 401) { endedNow(); } else { show(text.failed); }
  });

  loadZones();
  loadMeters();
  eventLoop();
})();
