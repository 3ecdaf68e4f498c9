"use strict";
// The PipeWatch dashboard: one page, routes in the hash (#/findings?severity=high…), data from the server's own /api only.
(() => {
  const SEVERITIES = ["critical", "high", "medium", "low", "info"];
  const STATUSES = ["open,acknowledged", "open", "acknowledged", "closed", "suppressed", "all"];
  const US = "\u001f";
  const view = document.getElementById("view");
  const announce = document.getElementById("announce");
  let csrf = null;
  let forges = {};
  let current = { route: null, params: null };
  let baseTitle = document.title;
  let flashTimer = null;

  // ---- DOM and API helpers -------------------------------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }

  async function api(path, options = {}) {
    const init = { credentials: "same-origin", headers: { Accept: "application/json" }, ...options };
    if (init.method && init.method !== "GET") {
      init.headers["X-CSRF-Token"] = csrf;
      if (init.body !== undefined) init.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(path, init);
    if (response.status === 401) { location.href = "/login"; throw new Error("signed out"); }
    if (response.status === 204) return null;
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || `${response.status}`);
    return body;
  }

  function sev(s) { return h("span", { class: `sev sev-${s}` }, s); }
  function when(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "Z").replace(/:\d\dZ$/, "Z") : ""; }
  function family(category) { return (category || "").split(".")[0]; }
  function evidence(f, name) { const e = (f.evidence || []).find(x => x.name === name); return e ? e.value : null; }
  function entityText(e) {
    return [e.repository, e.pipeline, e.job, e.step].filter(Boolean).join(" › ") + (e.actor ? ` @${e.actor}` : "") + (e.environment ? ` (${e.environment})` : "");
  }
  function safeUrl(u) { try { const p = new URL(u); return p.protocol === "https:" || p.protocol === "http:" ? p.href : null; } catch { return null; } }
  function setView(...children) { view.replaceChildren(...children); }
  function error(message) { return h("p", { class: "error", role: "alert" }, message); }

  // ---- routing -------------------------------------------------------------------------------------------------------------
  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, "") || "findings";
    const [path, query] = raw.split("?");
    const parts = path.split("/").map(decodeURIComponent);
    return { parts, params: new URLSearchParams(query || "") };
  }

  async function route() {
    const { parts, params } = parseHash();
    current = { route: parts[0], params };
    delete view.dataset.ready;
    for (const a of document.querySelectorAll("[data-nav]")) a.toggleAttribute("aria-current", a.dataset.nav === parts[0] || (a.dataset.nav === "findings" && parts[0] === "finding") || (a.dataset.nav === "incidents" && parts[0] === "incident"));
    try {
      if (parts[0] === "finding" && parts[1]) await findingPage(parts[1]);
      else if (parts[0] === "incidents") await incidentsPage();
      else if (parts[0] === "incident" && parts[1]) await incidentPage(parts[1]);
      else if (parts[0] === "repositories") await repositoriesPage();
      else await findingsPage(params);
    } catch (e) {
      if (e.message !== "signed out") setView(error(`Could not load this page: ${e.message}`));
    }
    view.dataset.ready = parts[0];
  }

  // ---- findings list -------------------------------------------------------------------------------------------------------
  async function findingsPage(params, fresh) {
    const filters = {
      family: params.get("family") || "", severity: params.get("severity") || "", repository: params.get("repository") || "",
      status: params.get("status") || "open,acknowledged", q: params.get("q") || "",
    };
    const query = new URLSearchParams({ limit: "1000", status: filters.status });
    if (filters.severity) query.set("severity", filters.severity);
    if (filters.repository) query.set("repository", filters.repository);
    const data = await api(`/api/findings?${query}`);
    const needle = filters.q.toLowerCase();
    const all = data.findings.filter(f => !needle || [f.title, f.explanation, f.category, entityText(f.entity || {})].join(" ").toLowerCase().includes(needle));
    const families = [...new Set(all.map(f => family(f.category)))].sort();
    const shown = all.filter(f => !filters.family || family(f.category) === filters.family);

    const bySeverity = Object.fromEntries(SEVERITIES.map(s => [s, shown.filter(f => f.severity === s).length]));
    const byFamily = families.map(fam => [fam, all.filter(f => family(f.category) === fam).length]);

    const update = (name, value) => {
      const next = new URLSearchParams(params);
      if (value) next.set(name, value); else next.delete(name);
      location.hash = "#/findings" + (next.toString() ? "?" + next : "");
    };
    const select = (name, label, options, value) => h("label", {}, label,
      h("select", { name, onchange: e => update(name, e.target.value) }, options.map(([v, t]) => h("option", { value: v, selected: v === value }, t))));
    const text = h("input", { type: "search", name: "q", value: filters.q, placeholder: "text in title, explanation, entity", "aria-label": "Search text" });
    const repo = h("input", { type: "search", name: "repository", value: filters.repository, placeholder: "owner/name", "aria-label": "Repository" });
    const form = h("form", { class: "filters", role: "search", onsubmit: e => {
      e.preventDefault();
      const next = new URLSearchParams(params);
      for (const [k, el] of [["q", text], ["repository", repo]]) { if (el.value.trim()) next.set(k, el.value.trim()); else next.delete(k); }
      location.hash = "#/findings" + (next.toString() ? "?" + next : "");
    } },
      select("family", "Family", [["", "all families"], ...families.concat(filters.family && !families.includes(filters.family) ? [filters.family] : []).map(f => [f, f])], filters.family),
      select("severity", "At least", [["", "any severity"], ...SEVERITIES.map(s => [s, s])], filters.severity),
      select("status", "Status", STATUSES.map(s => [s, s === "open,acknowledged" ? "open + acknowledged" : s]), filters.status),
      h("label", {}, "Repository", repo), h("label", {}, "Text", text), h("button", { type: "submit" }, "Filter"));

    const counts = h("div", { class: "counts", "aria-label": "Counts" },
      h("div", { class: "chips" }, SEVERITIES.map(s => h("span", { class: `chip sev-${s}`, "data-severity-count": s }, `${s} `, h("b", {}, String(bySeverity[s]))))),
      h("div", { class: "chips" }, byFamily.map(([fam, n]) => h("a", { class: "chip" + (fam === filters.family ? " on" : ""), href: "#/findings?" + new URLSearchParams({ ...Object.fromEntries(params), family: fam }), "data-family-count": fam }, `${fam} `, h("b", {}, String(n))))));

    const rows = shown.map(f => h("tr", { class: (fresh && fresh.has(f.fingerprint) ? "new " : "") + `row-${f.severity}`, "data-fingerprint": f.fingerprint, "data-timestamp": f.timestamp },
      h("td", {}, sev(f.severity)),
      h("td", {}, h("a", { href: `#/finding/${encodeURIComponent(f.fingerprint)}`, class: "title" }, f.title), h("div", { class: "muted small" }, f.category)),
      h("td", { class: "entity" }, entityText(f.entity || {})),
      h("td", { class: "nowrap" }, when(f.timestamp)),
      h("td", {}, h("span", { class: `status status-${f.status}` }, f.status))));
    const table = shown.length
      ? h("table", { class: "findings", id: "findings" },
        h("caption", { class: "sr-only" }, "Findings, newest first"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Severity"), h("th", { scope: "col" }, "Finding"), h("th", { scope: "col" }, "Entity"), h("th", { scope: "col" }, "When (UTC)"), h("th", { scope: "col" }, "Status"))),
        h("tbody", {}, rows))
      : h("p", { class: "empty", id: "findings" }, "No findings match.");
    setView(h("h1", {}, "Findings ", h("span", { class: "muted small" }, `${shown.length} shown, newest first`)), form, counts, table);
  }

  // ---- one finding ---------------------------------------------------------------------------------------------------------
  async function findingPage(fingerprint) {
    const f = await api(`/api/findings/${encodeURIComponent(fingerprint)}`);
    const e = f.entity || {}, loc = f.location || {};
    const act = async (action, body) => {
      try {
        if (action === "suppress") await api("/api/suppressions", { method: "POST", body: JSON.stringify(body) });
        else await api(`/api/findings/${encodeURIComponent(fingerprint)}/${action}`, { method: "POST", body: JSON.stringify(body || {}) });
        await findingPage(fingerprint);
        view.dataset.ready = "finding";
        document.getElementById("status")?.focus();
      } catch (err) { document.getElementById("action-error").textContent = err.message; }
    };
    const reason = h("input", { id: "reason", placeholder: "why (recorded)", maxlength: "500", "aria-label": "Reason" });
    const actions = h("div", { class: "actions", role: "group", "aria-label": "Actions" },
      h("button", { type: "button", id: "ack", onclick: () => act("ack", { reason: reason.value || undefined }), disabled: f.status === "acknowledged" }, "Acknowledge"),
      h("button", { type: "button", id: "close", onclick: () => act("close", { reason: reason.value || undefined }), disabled: f.status === "closed" }, "Close"),
      h("button", { type: "button", id: "reopen", onclick: () => act("reopen", { reason: reason.value || undefined }), disabled: f.status === "open" }, "Reopen"),
      h("button", { type: "button", id: "suppress", onclick: () => act("suppress", { fingerprint, reason: reason.value || "suppressed from the dashboard" }), disabled: f.status === "suppressed" }, "Suppress"),
      reason, h("span", { id: "action-error", class: "error", role: "alert" }));

    // Links to the forge: the finding's own URL, else the commit and the file line under the repository's address from pipewatch.yml.
    const forge = safeUrl(loc.url);
    const home = e.repository ? safeUrl(Object.entries(forges).find(([name]) => name.toLowerCase() === e.repository.toLowerCase())?.[1]) : null;
    const sha = loc.commit && /^[0-9a-f]{7,64}$/i.test(loc.commit) ? loc.commit : null;
    const link = (href, text) => h("a", { href, rel: "noreferrer noopener", target: "_blank" }, text);
    const where = [
      loc.run_id ? `run ${loc.run_id}` : null,
      sha ? (home ? link(`${home}/commit/${sha}`, `commit ${sha.slice(0, 12)}`) : `commit ${sha.slice(0, 12)}`) : null,
      loc.file ? (home && sha && !loc.file.includes(":") ? link(`${home}/blob/${sha}/${loc.file.split("/").map(encodeURIComponent).join("/")}${loc.line ? "#L" + loc.line : ""}`, `${loc.file}${loc.line ? ":" + loc.line : ""}`) : `${loc.file}${loc.line ? ":" + loc.line : ""}`) : null,
    ].filter(Boolean).flatMap((x, i) => i ? [" · ", x] : [x]);
    const dl = h("dl", { class: "facts" },
      h("dt", {}, "Category"), h("dd", {}, f.category),
      h("dt", {}, "Rule"), h("dd", {}, h("code", {}, f.rule), " — documented under ", h("code", {}, `docs/detectors.md#${f.category}`)),
      h("dt", {}, "Entity"), h("dd", {}, entityText(e) || "—"),
      h("dt", {}, "Location"), h("dd", { id: "location" }, where.length ? where : "—", forge ? [" · ", h("a", { href: forge, rel: "noreferrer noopener", target: "_blank" }, "open in the forge")] : null),
      h("dt", {}, "When"), h("dd", {}, `${when(f.timestamp)} (detected ${when(f.detected_at)})`),
      h("dt", {}, "ATT&CK"), h("dd", {}, (f.techniques || []).length ? f.techniques.map(t => h("code", { class: "technique" }, t)) : "—"),
      h("dt", {}, "Fingerprint"), h("dd", {}, h("code", {}, f.fingerprint)));
    const ev = (f.evidence || []).length ? h("table", { class: "evidence" }, h("caption", {}, "Evidence (redacted)"),
      h("tbody", {}, f.evidence.map(x => h("tr", {}, h("th", { scope: "row" }, x.name), h("td", {}, h("code", {}, x.value)))))) : null;
    const history = h("table", { class: "history", id: "history" }, h("caption", {}, "Status history"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Action"), h("th", { scope: "col" }, "Who"), h("th", { scope: "col" }, "When (UTC)"), h("th", { scope: "col" }, "Why"))),
      h("tbody", {}, (f.history || []).length ? f.history.map(a => h("tr", { "data-action": a.action }, h("td", {}, a.action), h("td", {}, a.by), h("td", {}, when(a.at)), h("td", {}, a.reason || ""))) : h("tr", {}, h("td", { colspan: "4", class: "muted" }, "No change yet: open since it was found."))));
    const picture = h("section", { class: "picture", id: "picture", "aria-label": "What the detector learned" });
    setView(
      h("p", {}, h("a", { href: "#/findings" }, "← findings")),
      h("h1", {}, sev(f.severity), " ", f.title),
      h("p", {}, "Status: ", h("span", { id: "status", tabindex: "-1", class: `status status-${f.status}` }, f.status)),
      actions,
      h("p", { class: "explanation" }, f.explanation),
      picture, dl, ev, history);
    await drawPicture(f, picture).catch(err => picture.replaceChildren(error(`No picture: ${err.message}`)));
  }

  async function baseline(key) {
    const data = await api(`/api/baselines?key=${encodeURIComponent(key)}&limit=5`);
    return data.baselines.find(b => b.key === key) || null;
  }

  // Which picture a finding gets, from its category; each reads the detector's baseline (and the repository's recent events).
  async function drawPicture(f, into) {
    const e = f.entity || {};
    const c = f.category;
    if (c === "pipeline.long-duration") {
      const key = `pipeline.long-duration|${[e.repository, e.pipeline, e.job, e.step].filter(x => x !== undefined && x !== null).join(US)}`;
      const b = await baseline(key);
      if (!b || !b.value) return into.replaceChildren(h("p", { class: "muted" }, "The baseline of this step is not stored (yet)."));
      const median = Number(evidence(f, "median_seconds") ?? b.value.median);
      const spread = Number(evidence(f, "spread_seconds") ?? b.value.spread);
      const rule = b.value.rule;
      const firesAbove = Math.max(median + rule.threshold * spread, median * rule.minimum_ratio, median + rule.minimum_increase_seconds);
      const observed = Number(evidence(f, "observed_seconds"));
      into.replaceChildren(h("h2", {}, `Duration of ${e.step ? "step '" + e.step + "'" : "job '" + e.job + "'"}, last ${b.value.values.length} runs`),
        Charts.durations({ values: b.value.values, median, firesAbove, observed, label: `durations of ${e.step || e.job}` }),
        h("p", { class: "muted small" }, `Median ${Charts.fmtSeconds(median)} and spread ${Charts.fmtSeconds(spread)} when it fired; the shaded band reaches the firing line (the highest of median + ${rule.threshold} spreads, ${rule.minimum_ratio}× the median and the median + ${Charts.fmtSeconds(rule.minimum_increase_seconds)}). The large point is this run.`));
    } else if (c === "pipeline.step-order-changed") {
      const learned = (evidence(f, "learned_steps") || "").split(" → ").filter(Boolean);
      const observed = (evidence(f, "observed_steps") || "").split(" → ").filter(Boolean);
      into.replaceChildren(h("h2", {}, "Steps: learned and this run"), stepDiff(learned, observed));
    } else if (c === "code-change.unusual-time" || c === "deployment.unusual-actor" || c === "access.suspicious-login") {
      const actor = e.actor || evidence(f, "actor");
      const key = c === "code-change.unusual-time" ? `${c}|hours|${actor}` : c === "deployment.unusual-actor" ? `${c}|${US}actor${US}${actor}` : `${c}|${actor}`;
      const b = actor ? await baseline(key) : null;
      const parts = [];
      if (b && b.value && b.value.hours) {
        const t = new Date(f.timestamp);
        const mark = t.getUTCDay() * 24 + t.getUTCHours();
        parts.push(h("h2", {}, `When ${actor} usually acts (UTC, ${b.value.total} events)`), Charts.hourOfWeek({ hours: b.value.hours, mark }));
      }
      if (c === "access.suspicious-login" && b && b.value) parts.push(places(b.value.countries || [], evidence(f, "country"), f));
      into.replaceChildren(...(parts.length ? parts : [h("p", { class: "muted" }, "No learned profile is stored for this actor.")]));
    } else if (c === "code-change.unusual-location") {
      const actor = e.actor || evidence(f, "actor");
      const b = actor ? await baseline(`${c}|places|${actor}`) : null;
      into.replaceChildren(places(b && b.value ? b.value.countries.map(x => x.name) : [], evidence(f, "country"), f));
    } else if (c === "deployment.excessive-frequency") {
      const scope = e.repository || e.pipeline;
      const b = await baseline(`${c}|${scope}${US}${e.environment || ""}`);
      if (!b || !b.value) return into.replaceChildren(h("p", { class: "muted" }, "No deployment counts stored."));
      const first = Date.parse(b.value.first_hour);
      const counts = b.value.counts;
      const hour = evidence(f, "hour");
      const mark = hour ? Math.round((Date.parse(hour) - first) / 3600000) : -1;
      const expected = counts.reduce((a, n) => a + n, 0) / counts.length;
      const labels = counts.map((_, i) => new Date(first + i * 3600000).toISOString().slice(0, 13).replace("T", " ") + "h");
      into.replaceChildren(h("h2", {}, "Deployments per hour, last two weeks"), Charts.bars({ counts, expected, mark, labels, unit: "hours" }));
    } else if (c === "pipeline.repeated-failures" || c === "pipeline.unexpected-failure") {
      const data = await api(`/api/events?repository=${encodeURIComponent(e.repository)}&limit=500`);
      const runs = data.events.filter(x => x.pipeline === e.pipeline && (c === "pipeline.repeated-failures" ? x.kind === "PipelineRun" : x.kind === "PipelineJob" && (!e.job || x.job === e.job))).reverse();
      if (!runs.length) return into.replaceChildren(h("p", { class: "muted" }, "No recent runs of this pipeline are kept."));
      const counts = runs.map(x => x.outcome === "Failure" ? 1 : 0);
      const mark = runs.findIndex(x => x.runId === (f.location || {}).run_id);
      into.replaceChildren(h("h2", {}, `Recent ${c === "pipeline.repeated-failures" ? "runs" : "jobs"}: failures`),
        Charts.bars({ counts, expected: null, mark, labels: runs.map(x => when(x.timestamp)), unit: "runs" }));
    } else {
      into.replaceChildren();
    }
  }

  // The learned sequence and the new one side by side: added, removed and moved steps highlighted.
  function stepDiff(learned, observed) {
    const lcs = (a, b) => {
      const m = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) m[i][j] = a[i] === b[j] ? m[i + 1][j + 1] + 1 : Math.max(m[i + 1][j], m[i][j + 1]);
      const keepA = new Set(), keepB = new Set();
      for (let i = 0, j = 0; i < a.length && j < b.length;) {
        if (a[i] === b[j]) { keepA.add(i); keepB.add(j); i++; j++; } else if (m[i + 1][j] >= m[i][j + 1]) i++; else j++;
      }
      return [keepA, keepB];
    };
    const [keepL, keepO] = lcs(learned, observed);
    const mark = (list, keep, other) => list.map((s, i) => {
      const state = keep.has(i) ? "same" : other.includes(s) ? "moved" : list === learned ? "removed" : "added";
      return h("li", { class: `step step-${state}`, "data-state": state }, s, state === "same" ? null : h("span", { class: "tag" }, state));
    });
    return h("div", { class: "steps" },
      h("div", {}, h("h3", {}, "Learned"), h("ol", { "data-sequence": "learned" }, mark(learned, keepL, observed))),
      h("div", {}, h("h3", {}, "This run"), h("ol", { "data-sequence": "observed" }, mark(observed, keepO, learned))));
  }

  function places(known, seen, f) {
    const distance = evidence(f, "distance_km");
    return h("div", {}, h("h2", {}, "Places"),
      h("table", { class: "places" }, h("tbody", {},
        h("tr", {}, h("th", { scope: "row" }, "Known countries"), h("td", {}, known.length ? known.join(", ") : "none yet")),
        h("tr", {}, h("th", { scope: "row" }, "This event"), h("td", {}, h("b", { class: known.includes(seen) ? "" : "new-place" }, seen || "?"), known.includes(seen) ? " (known)" : " (new)")),
        distance ? h("tr", {}, h("th", { scope: "row" }, "Distance from the last place"), h("td", {}, `${distance} km`)) : null)));
  }

  // ---- incidents -----------------------------------------------------------------------------------------------------------
  async function incidentsPage() {
    const data = await api("/api/incidents?limit=200");
    const items = data.incidents.map(i => h("li", { class: "incident", "data-incident": i.id },
      h("a", { href: `#/incident/${encodeURIComponent(i.id)}` }, sev(i.severity), ` ${i.findings.length} findings`),
      h("span", { class: "muted" }, ` ${when(i.first_seen)} → ${when(i.last_seen)}`),
      h("div", { class: "small" }, [i.actors.length ? "actors: " + i.actors.join(", ") : null, i.repositories.length ? "repositories: " + i.repositories.join(", ") : null].filter(Boolean).join(" · "))));
    setView(h("h1", {}, "Incidents"), items.length ? h("ul", { class: "incidents", id: "incidents" }, items) : h("p", { class: "empty" }, "No incidents."));
  }

  async function incidentPage(id) {
    let incident = null, cursor = null;
    for (let pages = 0; pages < 20 && !incident; pages++) {
      const data = await api("/api/incidents?limit=200" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      incident = data.incidents.find(i => i.id === id) || null;
      cursor = data.next;
      if (!cursor) break;
    }
    if (!incident) return setView(error(`No incident ${id}.`));
    const findings = [...incident.findings].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    const count = (pick) => { const m = new Map(); for (const f of findings) for (const v of pick(f)) m.set(v, (m.get(v) || 0) + 1); return [...m].filter(([, n]) => n > 1).map(([v]) => v); };
    const shared = [...count(f => f.entity && f.entity.actor ? [f.entity.actor] : []).map(a => `actor ${a}`), ...count(f => f.entity && f.entity.repository ? [f.entity.repository] : []).map(r => `repository ${r}`), ...count(f => f.location && f.location.run_id ? [f.location.run_id] : []).map(r => `run ${r}`)];
    setView(
      h("p", {}, h("a", { href: "#/incidents" }, "← incidents")),
      h("h1", {}, sev(incident.severity), ` Incident ${incident.id}`),
      h("p", {}, `${when(incident.first_seen)} → ${when(incident.last_seen)} · linked by `, h("b", { id: "shared" }, shared.length ? shared.join(", ") : "time")),
      h("ol", { class: "timeline", id: "timeline" }, findings.map(f => h("li", { "data-timestamp": f.timestamp, "data-fingerprint": f.fingerprint, class: `row-${f.severity}` },
        h("time", { datetime: f.timestamp }, when(f.timestamp)), " ", sev(f.severity), " ",
        h("a", { href: `#/finding/${encodeURIComponent(f.fingerprint)}` }, f.title),
        h("div", { class: "muted small" }, `${f.category} · ${entityText(f.entity || {})}`)))));
  }

  // ---- repositories --------------------------------------------------------------------------------------------------------
  async function repositoriesPage() {
    const [repos, open] = await Promise.all([api("/api/repositories"), api("/api/findings?limit=1000&status=all")]);
    const names = new Set(repos.repositories.map(r => r.repository.toLowerCase()));
    for (const f of open.findings) if (f.entity && f.entity.repository && !names.has(f.entity.repository.toLowerCase())) { names.add(f.entity.repository.toLowerCase()); repos.repositories.push({ repository: f.entity.repository, sources: [] }); }
    const today = Math.floor(Date.now() / 86400000);
    const rows = repos.repositories.map(r => {
      const mine = open.findings.filter(f => (f.entity && f.entity.repository || "").toLowerCase() === r.repository.toLowerCase());
      const openOnes = mine.filter(f => f.status === "open" || f.status === "acknowledged");
      const fams = [...new Set(openOnes.map(f => family(f.category)))].sort().map(fam => h("span", { class: "chip" }, `${fam} `, h("b", {}, String(openOnes.filter(f => family(f.category) === fam).length))));
      // Findings per day over the last 30 days of the findings' own times (a replayed history ends before today).
      const last = mine.length ? Math.max(...mine.map(f => Math.floor(Date.parse(f.timestamp) / 86400000))) : today;
      const days = Array.from({ length: 30 }, (_, i) => mine.filter(f => Math.floor(Date.parse(f.timestamp) / 86400000) === last - 29 + i).length);
      return h("tr", { "data-repository": r.repository },
        h("th", { scope: "row" }, h("a", { href: "#/findings?" + new URLSearchParams({ repository: r.repository }) }, r.repository)),
        h("td", {}, fams.length ? fams : h("span", { class: "muted" }, "none open")),
        h("td", {}, r.sources.length ? h("ul", { class: "plain" }, r.sources.map(s => h("li", {}, h("code", {}, s.dataset), ` ${when(s.lastSeen)}`))) : h("span", { class: "muted" }, "no events kept")),
        h("td", {}, Charts.sparkline(days, `${r.repository}: findings per day, 30 days`)));
    });
    setView(h("h1", {}, "Repositories"), rows.length ? h("table", { class: "repos", id: "repositories" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Repository"), h("th", { scope: "col" }, "Open findings by family"), h("th", { scope: "col" }, "Last event per source (UTC)"), h("th", { scope: "col" }, "Findings per day"))),
      h("tbody", {}, rows)) : h("p", { class: "empty" }, "No repository seen yet."));
  }

  // ---- live updates --------------------------------------------------------------------------------------------------------
  function beep() {
    try {
      const ctx = new AudioContext(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.05; osc.connect(gain).connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.2);
    } catch { /* no audio */ }
  }

  function flashTitle(text) {
    clearInterval(flashTimer);
    let on = false, n = 0;
    flashTimer = setInterval(() => { document.title = (on = !on) ? text : baseTitle; if (++n > 20) { clearInterval(flashTimer); document.title = baseTitle; } }, 700);
  }

  function listen() {
    const live = document.getElementById("live");
    const source = new EventSource("/api/stream");
    source.onopen = () => { live.classList.add("on"); live.title = "Live: new findings appear without reload"; };
    source.onerror = () => { live.classList.remove("on"); live.title = "Reconnecting…"; };
    source.addEventListener("findings", async ev => {
      const msg = JSON.parse(ev.data);
      const critical = msg.findings.filter(f => f.severity === "critical");
      announce.hidden = false;
      announce.textContent = `${msg.count} new finding${msg.count === 1 ? "" : "s"}` + (critical.length ? ` — CRITICAL: ${critical.map(f => f.title).join("; ")}` : "");
      announce.classList.toggle("critical", critical.length > 0);
      if (critical.length) { flashTitle(`(!) ${critical[0].title}`); if (document.getElementById("sound").checked) beep(); }
      if (current.route === "findings" || current.route === null || current.route === "") {
        await findingsPage(current.params || new URLSearchParams(), new Set(msg.findings.map(f => f.fingerprint))).catch(() => {});
        view.dataset.ready = "findings";
      }
    });
  }

  // ---- keyboard ------------------------------------------------------------------------------------------------------------
  document.addEventListener("keydown", e => {
    if (e.target.closest && e.target.closest("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") { const q = view.querySelector("input[name=q]"); if (q) { e.preventDefault(); q.focus(); } }
    else if (e.key === "j" || e.key === "k") {
      const links = [...view.querySelectorAll("table.findings a.title, ol.timeline a, ul.incidents a")];
      if (!links.length) return;
      const i = links.indexOf(document.activeElement);
      links[Math.max(0, Math.min(links.length - 1, i + (e.key === "j" ? 1 : -1)))].focus();
    } else if (e.key === "g") location.hash = "#/findings";
    else if (e.key === "i") location.hash = "#/incidents";
    else if (e.key === "r") location.hash = "#/repositories";
  });

  // ---- start ---------------------------------------------------------------------------------------------------------------
  document.getElementById("sign-out").addEventListener("click", async () => {
    await api("/api/session", { method: "DELETE" }).catch(() => {});
    location.href = "/login";
  });
  document.getElementById("sound").checked = localStorage.getItem("pipewatch.sound") === "on";
  document.getElementById("sound").addEventListener("change", e => localStorage.setItem("pipewatch.sound", e.target.checked ? "on" : "off"));

  (async () => {
    const session = await api("/api/session");
    csrf = session.csrf;
    forges = session.forges || {};
    document.getElementById("user").textContent = session.user;
    window.addEventListener("hashchange", route);
    await route();
    listen();
  })().catch(e => { if (e.message !== "signed out") setView(error(e.message)); });
})();
