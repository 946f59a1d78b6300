"use strict";
// Names for the electrician's overview: what kind of device a dSS device is, what a scene is
// called and how a sensor value reads. Pure functions of the dSS's data and the page's texts;
// share-app.js renders with them.
(function () {
  // dSS group numbers (the device's colour): 1 light, 2 shade, 3 climate, 8 joker.
  const LIGHT = 1, SHADE = 2, CLIMATE = 3;

  // Scene numbers from the dSS's modelconst.h, named as a homeowner knows them.
  const SCENES = {
    de: {
      0: "Aus", 1: "Bereich 1 aus", 2: "Bereich 2 aus", 3: "Bereich 3 aus", 4: "Bereich 4 aus",
      5: "An", 6: "Bereich 1 an", 7: "Bereich 2 an", 8: "Bereich 3 an", 9: "Bereich 4 an",
      13: "Minimum", 14: "Maximum", 15: "Stopp", 17: "Stimmung 2", 18: "Stimmung 3",
      19: "Stimmung 4", 40: "Automatisch aus", 56: "Sonnenschutz",
      64: "Auto-Standby", 65: "Panik", 67: "Standby", 68: "Tiefschlaf", 69: "Schlafen",
      70: "Aufwachen", 71: "Kommen", 72: "Gehen", 73: "Klingel", 74: "Alarm", 76: "Feuer",
    },
    en: {
      0: "Off", 1: "Area 1 off", 2: "Area 2 off", 3: "Area 3 off", 4: "Area 4 off",
      5: "On", 6: "Area 1 on", 7: "Area 2 on", 8: "Area 3 on", 9: "Area 4 on",
      13: "Minimum", 14: "Maximum", 15: "Stop", 17: "Preset 2", 18: "Preset 3",
      19: "Preset 4", 40: "Auto off", 56: "Sun protection",
      64: "Auto standby", 65: "Panic", 67: "Standby", 68: "Deep off", 69: "Sleeping",
      70: "Wake up", 71: "Present", 72: "Absent", 73: "Door bell", 74: "Alarm", 76: "Fire",
    },
  };
  // Shades read "up"/"down" rather than "on"/"off".
  const SHADE_SCENES = {
    de: { 0: "Ab", 5: "Auf", 13: "Ab", 14: "Auf", 15: "Stopp" },
    en: { 0: "Down", 5: "Up", 13: "Down", 14: "Up", 15: "Stop" },
  };
  const GROUPS = {
    de: { 1: "Licht", 2: "Beschattung", 3: "Heizung", 4: "Audio", 5: "Video", 8: "Gerät" },
    en: { 1: "Light", 2: "Shades", 3: "Heating", 4: "Audio", 5: "Video", 8: "Device" },
  };
  // dSS sensor types (sensorType numbers) with their units.
  const SENSORS = {
    de: { 4: ["Leistung", "W"], 9: ["Raumtemperatur", "°C"], 10: ["Außentemperatur", "°C"],
      11: ["Helligkeit", "lx"], 13: ["Luftfeuchte", "%"], 14: ["Luftfeuchte außen", "%"],
      15: ["Luftdruck", "hPa"], 18: ["Wind", "m/s"], 21: ["CO₂", "ppm"] },
    en: { 4: ["Power", "W"], 9: ["Room temperature", "°C"], 10: ["Outdoor temperature", "°C"],
      11: ["Brightness", "lx"], 13: ["Humidity", "%"], 14: ["Outdoor humidity", "%"],
      15: ["Air pressure", "hPa"], 18: ["Wind", "m/s"], 21: ["CO₂", "ppm"] },
  };
  const KINDS = {
    de: { light: "Licht", shade: "Jalousie / Rollladen", heating: "Heizung", sensor: "Sensor",
      switched: "Schaltbares Gerät", device: "Gerät ohne Schaltausgang" },
    en: { light: "Light", shade: "Blind / shutter", heating: "Heating", sensor: "Sensor",
      switched: "Switchable device", device: "Device without output" },
  };

  function pick(table, lang) { return table[lang === "en" ? "en" : "de"]; }

  // What the device is, from its groups, output mode and sensors (as getStructure gives them).
  function kindOf(dev) {
    const groups = dev.groups || [];
    const hasOutput = Number(dev.outputMode || 0) !== 0;
    if (groups.includes(SHADE)) { return "shade"; }
    if (groups.includes(CLIMATE)) { return "heating"; }
    if (groups.includes(LIGHT) && hasOutput) { return "light"; }
    if ((dev.sensors || []).length) { return "sensor"; }
    return hasOutput ? "switched" : "device";
  }

  // Only lights and switchable devices have a meaningful on/off state.
  function hasOnOff(kind) { return kind === "light" || kind === "switched"; }

  function kindName(kind, lang) { return pick(KINDS, lang)[kind] || kind; }

  function groupName(group, lang) { return pick(GROUPS, lang)[group] || ""; }

  // The installation's own name for a scene first ("Fernsehen"), then the standard one.
  function sceneName(scene, group, userNames, lang) {
    const own = userNames && userNames[group + ":" + scene];
    if (own) { return own; }
    if (group === SHADE && pick(SHADE_SCENES, lang)[scene]) {
      return pick(SHADE_SCENES, lang)[scene];
    }
    const standard = pick(SCENES, lang)[scene];
    if (standard) { return standard; }
    return (lang === "en" ? "Scene " : "Szene ") + scene;
  }

  function sensorText(sensor, lang) {
    const known = pick(SENSORS, lang)[sensor.type];
    const value = Number(sensor.value);
    const number = Number.isFinite(value)
      ? value.toLocaleString(lang === "en" ? "en-GB" : "de-DE", { maximumFractionDigits: 1 })
      : "–";
    if (!known) { return number; }
    return known[0] + " " + number + " " + known[1];
  }

  // Lower-case, accent-free text for the search box ("kuche" finds "Küche").
  function searchKey(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  window.DssOverview = {
    kindOf, hasOnOff, kindName, groupName, sceneName, sensorText, searchKey, LIGHT, SHADE,
  };
})();
