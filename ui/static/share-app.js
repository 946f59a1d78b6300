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

  const O = window.DssOverview;
  const sceneNames = {};  // zone id -> {"group:scene": the installation's name}
  const openRooms = new Set();
  let roomCount = 0;

  function announce(message) {
    const status = $("status");
    status.textContent = "";
    // A fresh text node each time, so screen readers announce a repeated message too.
    window.setTimeout(() => { status.textContent = message; }, 50);
  }

  // A tap shows at once that it is being sent, then says what happened.
  function act(button, path, params, doneText) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.classList.add("busy");
      const body = await call(path, params);
      button.classList.remove("busy");
      button.removeAttribute("aria-busy");
      if (body.ok) {
        button.classList.add("done");
        announce(text.sent + " " + doneText);
        window.setTimeout(() => button.classList.remove("done"), 1500);
      } else if (!ended && body.message) {
        show(body.message);
      }
      button.disabled = ended;
      loadZones();
    });
    return button;
  }

  function sceneButton(zone, group, scene, label) {
    const where = zone.name || text.zone + " " + zone.id;
    return act(el("button", label), "zone/callScene",
      { id: zone.id, groupID: group, sceneNumber: scene }, label + " · " + where);
  }

  function zoneButtons(zone) {
    const box = el("div", undefined, "actions");
    const hasGroup = (id) => zone.groups.some((g) => g.id === id && g.devices.length > 0);
    const named = sceneNames[zone.id] || {};
    for (const group of [O.LIGHT, O.SHADE]) {
      if (!hasGroup(group)) { continue; }
      // The standard scenes first; where the installation named one ("Kochen" for the
      // kitchen's scene 5), the button says both rather than appearing twice.
      const standard = group === O.LIGHT
        ? [[5, text.lightOn], [0, text.lightOff]]
        : [[14, text.shadeUp], [13, text.shadeDown]];
      for (const [scene, label] of standard) {
        const own = named[group + ":" + scene];
        box.append(sceneButton(zone, group, scene, own ? own + " (" + label + ")" : label));
      }
      for (const key of Object.keys(named)) {
        const [g, scene] = key.split(":").map(Number);
        if (g === group && !standard.some(([n]) => n === scene)) {
          box.append(sceneButton(zone, group, scene, named[key]));
        }
      }
    }
    return box;
  }

  function sceneList(zone) {
    const named = sceneNames[zone.id] || {};
    const keys = Object.keys(named);
    if (!keys.length) { return null; }
    const p = el("p", text.scenes + ": ", "muted scenes");
    p.append(keys.map((k) => named[k]).join(", "));
    return p;
  }

  function deviceItem(dev) {
    const kind = O.kindOf(dev);
    const item = el("li", undefined, "device kind-" + kind);
    item.dataset.search = O.searchKey(dev.name);
    item.append(el("span", dev.name || dev.dSUID, "name"));
    item.append(el("span", O.kindName(kind, lang), "kind"));
    if (O.hasOnOff(kind)) {
      item.append(el("span", dev.on ? text.on : text.off, dev.on ? "state on" : "state off"));
    }
    for (const sensor of dev.sensors || []) {
      item.append(el("span", O.sensorText(sensor, lang), "sensor"));
    }
    if (dev.isPresent === false) { item.append(el("span", text.absent, "state absent")); }
    if (canOperate) {
      act(item.appendChild(el("button", text.identify, "small")), "device/blink",
        { dsuid: dev.dSUID }, text.identify + " · " + (dev.name || dev.dSUID));
    }
    return item;
  }

  // The installation's own scene names ("Fernsehen"), read once per room and group.
  async function loadSceneNames(zones) {
    const asks = [];
    for (const zone of zones) {
      if (sceneNames[zone.id]) { continue; }
      sceneNames[zone.id] = {};
      for (const group of [O.LIGHT, O.SHADE]) {
        if (!zone.groups.some((g) => g.id === group && g.devices.length > 0)) { continue; }
        asks.push(call("zone/getReachableScenes", { id: zone.id, groupID: group }).then((body) => {
          if (!body.ok) { return; }
          for (const entry of body.result.userSceneNames || []) {
            if (entry.sceneName) { sceneNames[zone.id][group + ":" + entry.sceneNr] = entry.sceneName; }
          }
        }));
      }
    }
    await Promise.all(asks);
  }

  function applySearch() {
    const query = O.searchKey($("search").value.trim());
    let shown = 0;
    for (const card of document.querySelectorAll("#zones article.zone")) {
      const roomHit = !query || card.dataset.search.includes(query);
      let deviceHits = 0;
      for (const item of card.querySelectorAll("li.device")) {
        const hit = roomHit || item.dataset.search.includes(query);
        item.hidden = !hit;
        if (hit) { deviceHits += 1; }
      }
      card.hidden = !(roomHit || deviceHits > 0);
      if (!card.hidden) { shown += 1; }
      const details = card.querySelector("details");
      if (details && query && !card.hidden) { details.open = true; }
    }
    $("search-count").textContent = query ? shown + " / " + roomCount + " " + text.rooms : "";
    $("no-match").hidden = shown > 0;
  }

  async function loadZones() {
    const body = await call("apartment/getStructure");
    if (!body.ok) { return; }
    const zones = body.result.apartment.zones.filter((zone) =>
      zone.id !== 0 && (!zonesAllowed.length || zonesAllowed.includes(zone.id)));
    zones.sort((a, b) => String(a.name).localeCompare(String(b.name), lang));
    roomCount = zones.length;
    // Many rooms: each folds up and the search finds the one the job is about; a folded room
    // reads its scene names when it is opened.
    const folded = zones.length > 8;
    await loadSceneNames(zones.filter((zone) => !folded || openRooms.has(zone.id)));
    $("search-box").hidden = zones.length < 4;
    const box = $("zones");
    box.replaceChildren();
    for (const zone of zones) {
      zoneNames[zone.id] = zone.name;
      const card = el("article", undefined, "zone");
      card.dataset.search = O.searchKey(zone.name);
      const title = zone.name || text.zone + " " + zone.id;
      const details = el("details");
      details.open = !folded || openRooms.has(zone.id);
      details.addEventListener("toggle", async () => {
        if (!details.open) { openRooms.delete(zone.id); return; }
        openRooms.add(zone.id);
        if (!sceneNames[zone.id]) {
          await loadSceneNames([zone]);
          const buttons = details.querySelector(".actions");
          if (buttons) { buttons.replaceWith(zoneButtons(zone)); }
        }
      });
      const summary = el("summary");
      summary.append(el("h3", title));
      summary.append(el("span", zone.devices.length + " " + text.devices, "muted count"));
      details.append(summary);
      if (canOperate) { details.append(zoneButtons(zone)); } else {
        const scenes = sceneList(zone);
        if (scenes) { details.append(scenes); }
      }
      const list = el("ul", undefined, "plain devices");
      const order = ["light", "shade", "heating", "switched", "sensor", "device"];
      const devices = zone.devices.slice().sort((a, b) =>
        order.indexOf(O.kindOf(a)) - order.indexOf(O.kindOf(b)) ||
        String(a.name).localeCompare(String(b.name), lang));
      for (const dev of devices) { list.append(deviceItem(dev)); }
      if (!zone.devices.length) { list.append(el("li", text.noDevices, "muted")); }
      details.append(list);
      card.append(details);
      box.append(card);
    }
    applySearch();
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

  // "14:02 · Wohnen · Licht · Fernsehen" rather than "callScene · Szene 5".
  function addEvent(ev) {
    const p = ev.properties || {};
    const source = ev.source || {};
    const zoneID = Number(p.zoneID || source.zoneID || 0);
    if (zonesAllowed.length && !zonesAllowed.includes(zoneID)) { return; }
    const group = Number(p.groupID || source.groupID || 0);
    const scene = Number(p.sceneID);
    const parts = [new Date().toLocaleTimeString(lang === "en" ? "en-GB" : "de-DE",
      { hour: "2-digit", minute: "2-digit" })];
    parts.push(zoneID ? zoneNames[zoneID] || text.zone + " " + zoneID : text.wholeHome);
    if (O.groupName(group, lang)) { parts.push(O.groupName(group, lang)); }
    parts.push(Number.isFinite(scene) ? O.sceneName(scene, group, sceneNames[zoneID], lang) : "?");
    const list = $("events");
    const none = $("no-events");
    if (none) { none.remove(); }
    list.prepend(el("li", parts.join(" · ")));
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

  $("search").addEventListener("input", applySearch);
  loadZones();
  loadMeters();
  eventLoop();
})();
