// meshpulse triage page: plain JS, no build step. Everything shown comes from /api/v1; every value that comes
// from the mesh (names, log lines, commands) is inserted as text, never as HTML.
"use strict";

const COLORS = ["#c62828", "#1565c0", "#ef6c00", "#6a1b9a", "#2e7d32", "#00838f", "#ad1457", "#4e342e", "#546e7a"];
const classColor = {};
const el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
};
const svgEl = (tag, attrs) => {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
};
const colorOf = c => classColor[c] || (classColor[c] = COLORS[Object.keys(classColor).length % COLORS.length]);
const isFailure = c => c !== "NONE" && c !== "APP_4XX" && c !== "DI";
const short = s => (s || "?").replace(/\.svc\.cluster\.local$/, "");
const srcName = p => p.source ? (p.source.namespace ? p.source.namespace + "/" : "") + p.source.workload : "unknown";
const dstName = p => (p.destination.namespace ? p.destination.namespace + "/" : "") +
  (p.destination.workload || short(p.destination.service));

async function api(path) {
  const headers = {};
  const token = sessionStorage.getItem("meshpulse-token");
  if (token) headers.Authorization = "Bearer " + token;
  const r = await fetch(path, { headers });
  if (r.status === 401) {
    const t = prompt("This meshpulse needs its API token:");
    if (t) { sessionStorage.setItem("meshpulse-token", t); return api(path); }
  }
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function params() {
  const q = new URLSearchParams({ since: document.getElementById("since").value,
                                  sort: document.getElementById("sort").value, limit: "100" });
  const ns = document.getElementById("namespace").value.trim();
  if (ns) q.set("namespace", ns);
  if (document.getElementById("failing").checked) q.set("failing", "true");
  return q;
}

function copyButton(text) {
  return el("button", { class: "copy", type: "button", onclick: async ev => {
    try { await navigator.clipboard.writeText(text); ev.target.textContent = "copied"; }
    catch (e) { ev.target.textContent = "select + copy"; }
    setTimeout(() => { ev.target.textContent = "copy"; }, 1500);
  } }, "copy");
}

function renderAlerts(answer) {
  const box = document.getElementById("alerts");
  const count = document.getElementById("alert-count");
  box.replaceChildren();
  if (!answer.available) {
    box.append(el("p", { class: "muted" }, "This application has no alerts stage."));
    count.textContent = ""; count.className = ""; return;
  }
  count.textContent = answer.alerts.length;
  count.className = "count" + (answer.alerts.length ? "" : " zero");
  if (!answer.alerts.length) { box.append(el("p", { class: "muted" }, "No alert is firing.")); return; }
  for (const a of answer.alerts) {
    const d = a.diagnosis || {};
    const pair = srcName(a) + " → " + dstName(a);
    const card = el("div", { class: "alert " + (a.severity || ""), "data-fingerprint": a.fingerprint || "" },
      el("h3", {}, (d.title || a.failureClass) + " — " + pair),
      el("div", { class: "muted small" }, `${a.failureClass} seen by the ${a.reporter}, ${a.severity || ""} · since ${a.startsAt}` +
        (a.observed ? ` · ${a.observed.failures}/${a.observed.requests} failed in the window ending ${a.observed.windowEnd}` : "")),
      d.summary ? el("p", {}, d.summary) : null);
    if (d.evidence && d.evidence.length) card.append(el("ul", {}, ...d.evidence.map(x => el("li", {}, x))));
    if (d.commands && d.commands.length) {
      card.append(el("div", { class: "small" }, "Confirm with:"));
      for (const c of d.commands) card.append(el("div", { class: "cmd" }, el("code", {}, c), copyButton(c)));
    }
    if (d.fix && d.fix.length) card.append(el("div", { class: "small" }, "Fix: " + d.fix.join(" ")));
    box.append(card);
  }
}

function renderPairs(answer) {
  const body = document.querySelector("#pairs tbody");
  body.replaceChildren();
  document.getElementById("status").textContent =
    `${answer.pairs.length} pairs, ${answer.from} → ${answer.to}` +
    (answer.instances > 1 ? ` · ${answer.instances} instances` : "") +
    (answer.missing && answer.missing.length ? ` · MISSING ${answer.missing.join(", ")} (partial)` : "");
  if (!answer.pairs.length) {
    body.append(el("tr", {}, el("td", { colspan: 9, class: "muted" }, "No closed window in this range yet.")));
  }
  for (const p of answer.pairs) {
    const classes = Object.entries(p.byClass).filter(([c]) => isFailure(c)).sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ${n}`).join(", ");
    const row = el("tr", { class: p.failures > 0 ? "failing" : "", "data-key": p.key, onclick: () => showChart(p, true) },
      el("td", {}, p.reporter), el("td", {}, srcName(p)), el("td", {}, dstName(p)),
      el("td", { class: "num" }, p.requests.toLocaleString()), el("td", { class: "num" }, p.failures.toLocaleString()),
      el("td", { class: "num" }, (100 * p.successRatio).toFixed(1) + "%"), el("td", {}, classes),
      el("td", { class: "num" }, p.p99MaxMs == null ? "–" : Math.round(p.p99MaxMs)), el("td", {}, p.failingSince || ""));
    body.append(row);
  }
}

async function showChart(p, first) {
  const box = document.getElementById("charts");
  const id = "chart-" + btoa(unescape(encodeURIComponent(p.key))).replace(/[^A-Za-z0-9]/g, "");
  const q = new URLSearchParams({ since: document.getElementById("since").value, reporter: p.reporter });
  const src = p.source ? (p.source.namespace ? p.source.namespace + "/" : "") + p.source.workload : "-";
  const dst = p.destination.workload ? (p.destination.namespace ? p.destination.namespace + "/" : "") + p.destination.workload
    : p.destination.service;
  const t = await api(`/api/v1/pairs/${encodeURIComponent(src)}/${encodeURIComponent(dst)}/timeline?${q}`);
  const series = t.series.find(s => s.key === p.key) || t.series[0];
  const div = el("div", { class: "chart", id, "data-key": p.key },
    el("h3", {}, `${p.reporter}: ${srcName(p)} → ${dstName(p)}`));
  if (!series) div.append(el("p", { class: "muted" }, "no windows"));
  else div.append(barChart(series.windows, Date.parse(t.from), Date.parse(t.to)));
  const old = document.getElementById(id);
  if (old) old.replaceWith(div); else if (first) box.prepend(div); else box.append(div);
}

// Stacked failures per class, on a time axis from `from` to `to` (windows without traffic leave gaps).
function barChart(windows, from, to) {
  const W = 760, H = 150, pad = 28;
  const span = Math.max(1, to - from);
  const xOf = ms => pad + (W - pad - 4) * (ms - from) / span;
  const classes = [...new Set(windows.flatMap(w => Object.keys(w.byClass).filter(isFailure)))].sort();
  const max = Math.max(1, ...windows.map(w => classes.reduce((s, c) => s + (w.byClass[c] || 0), 0)));
  const svg = svgEl("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "bars", role: "img" });
  windows.forEach(w => {
    const x0 = xOf(Date.parse(w.windowStart)), bw = Math.max(1, xOf(Date.parse(w.windowEnd)) - x0);
    let y = H - 16;
    for (const c of classes) {
      const n = w.byClass[c] || 0;
      if (!n) continue;
      const h = (H - 30) * n / max;
      const r = svgEl("rect", { x: x0, y: y - h, width: Math.max(1, bw - 1), height: h, fill: colorOf(c), "data-class": c });
      const title = svgEl("title", {});
      title.textContent = `${w.windowStart}: ${c} ${n} of ${w.requests}`;
      r.append(title);
      svg.append(r);
      y -= h;
    }
  });
  const axis = svgEl("text", { x: 2, y: 12, "font-size": 10, fill: "#68707c" });
  axis.textContent = String(max);
  svg.append(axis, svgEl("line", { x1: pad, x2: W, y1: H - 16, y2: H - 16, stroke: "#9aa3ad" }));
  const a = svgEl("text", { x: pad, y: H - 3, "font-size": 10, fill: "#68707c" });
  a.textContent = new Date(from).toISOString().substring(11, 19);
  const b = svgEl("text", { x: W - 50, y: H - 3, "font-size": 10, fill: "#68707c" });
  b.textContent = new Date(to).toISOString().substring(11, 19);
  svg.append(a, b);
  const wrap = el("div", {}, svg);
  wrap.append(el("div", { class: "legend" }, ...classes.map(c => el("span", {}, el("i", { style: `background:${colorOf(c)}` }), c))));
  return wrap;
}

async function refresh() {
  try {
    const [alerts, pairs] = await Promise.all([api("/api/v1/alerts?status=firing"), api("/api/v1/pairs?" + params())]);
    renderAlerts(alerts);
    renderPairs(pairs);
    document.getElementById("charts").replaceChildren();
    for (const p of pairs.pairs.filter(p => p.failures > 0).slice(0, 6)) await showChart(p, false);
    highlightFromHash();
    document.body.dataset.loaded = "true";
  } catch (e) {
    document.getElementById("status").replaceChildren(el("span", { class: "error" }, "cannot load: " + e.message));
  }
}

// Grafana's "firing alerts" table links here as #alert=<fingerprint>.
function highlightFromHash() {
  const m = location.hash.match(/^#alert=([A-Za-z0-9_-]+)$/);
  if (!m) return;
  const card = document.querySelector(`.alert[data-fingerprint="${m[1]}"]`);
  if (card) { card.classList.add("selected"); card.scrollIntoView(); }
}

document.getElementById("controls").addEventListener("change", refresh);
window.addEventListener("hashchange", highlightFromHash);
refresh();
setInterval(refresh, 15000);
