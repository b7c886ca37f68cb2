// The agent's own dashboard: plain modern JS, no dependencies, talks to this agent only.
//
// Polling contract: every API answer carries a weak ETag; each poll sends the last one back in If-None-Match
// and an unchanged answer costs a body-less 304 (the fetch is made with cache: "no-store" so the browser
// hands the 304 to us instead of answering from its own cache). Only a 200 is parsed and re-rendered.

const API = "/api/v1";
const params = new URLSearchParams(location.search);
const POLL_MS = Math.max(500, Number(params.get("interval")) || 2000);
const TOKEN_KEY = "k8s-agent-token";

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  filters: { namespace: "", severity: "", issueType: "" },
  selected: null, // {namespace, name, pending}
  tab: "explain",
  lastOk: null, // Date of the last poll every answer of which was a 200 or a 304
  lastChange: null, // Date some data last changed
  namespaces: new Set(),
  again: false, // a refresh was asked for while one was in flight
  tokenDismissed: false, // the token dialog was closed without a token
  timer: null,
  inFlight: false,
};

// url -> {etag, data}: only the URLs polled right now (dropped when the filters or the pod change)
const answers = new Map();

class ApiError extends Error {
  constructor(status, error) {
    super(error ? `${error.code}: ${error.message}` : `HTTP ${status}`);
    this.status = status;
    this.error = error || { code: `HTTP_${status}`, message: `HTTP ${status}`, details: "" };
  }
}
class Unreachable extends Error {}

async function poll(url) {
  const prev = answers.get(url);
  const headers = {};
  if (prev && prev.etag) headers["If-None-Match"] = prev.etag;
  if (state.token) headers["Authorization"] = `Bearer ${state.token}`;
  let resp;
  try {
    resp = await fetch(url, { headers, cache: "no-store" });
  } catch (err) {
    throw new Unreachable(String(err));
  }
  if (resp.status === 304 && prev) return { data: prev.data, changed: false };
  if (resp.ok) {
    const body = await resp.json();
    const changed = !prev || JSON.stringify(prev.data) !== JSON.stringify(body.data);
    answers.set(url, { etag: resp.headers.get("ETag"), data: body.data });
    return { data: body.data, changed };
  }
  let error = null;
  try {
    error = (await resp.json()).error;
  } catch (_) {
    /* not our envelope (a proxy's page) */
  }
  throw new ApiError(resp.status, error);
}

// ------------------------------------------------------------------------------------------ DOM helpers
const $ = (sel) => document.querySelector(sel);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "style") el.style.cssText = v; // CSSOM: allowed by the page's CSP, unlike a style attribute
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const fmtTime = (d) => d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v)}%`);

function ago(iso) {
  if (!iso) return "";
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return "";
  if (s < 90) return `${Math.max(0, s)}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

// ------------------------------------------------------------------------------------------ summary
function renderSummary(issues, nodes) {
  const cards = [];
  if (issues) {
    cards.push(["pods analysed", issues.podsAnalyzed, ""]);
    cards.push(["problem pods", issues.problematicPodsCount, issues.problematicPodsCount ? "crit" : "ok"]);
    cards.push(["critical issues", issues.criticalIssuesCount, issues.criticalIssuesCount ? "crit" : "ok"]);
    cards.push(["warnings", issues.warningIssuesCount, issues.warningIssuesCount ? "warn" : "ok"]);
  }
  if (nodes) {
    const t = nodes.totals;
    cards.push(["nodes ready", `${t.readyNodes}/${t.nodeCount}`, t.readyNodes < t.nodeCount ? "warn" : "ok"]);
    cards.push(["cpu used", pct(t.cpuAllocatablePercentage), ""]);
    cards.push(["memory used", pct(t.memoryAllocatablePercentage), ""]);
  }
  $("#summary").replaceChildren(
    ...cards.map(([label, value, cls]) =>
      h("div", { class: `card ${cls}` }, h("div", { class: "value" }, value), h("div", { class: "label" }, label)),
    ),
  );
}

// ------------------------------------------------------------------------------------------ nodes
function bar(kind, percentage, figure) {
  const p = percentage === null || percentage === undefined ? null : percentage;
  const width = p === null ? 0 : Math.min(100, Math.max(0, p));
  const over = p !== null && p > 100;
  const label = `${kind} ${p === null ? "no sample" : `${p.toFixed(1)}%`} of allocatable`;
  return h(
    "div",
    { class: `bar${over ? " over" : ""}`, dataset: { kind }, title: `${label}: ${figure}`, "aria-label": label },
    h("div", { class: "track" }, h("div", { class: "fill", style: `width:${width}%` })),
    h("span", { class: "figure" }, p === null ? "no sample" : `${pct(p)} · ${figure}`),
  );
}

// an integer of the API's fixed units (millicores, bytes, units) as a person reads it
function amount(value, unit) {
  if (value === null || value === undefined) return "–";
  if (unit === "millicores") return value >= 10000 ? `${(value / 1000).toFixed(1)}` : `${(value / 1000).toFixed(2)}`;
  if (unit === "bytes") {
    const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let i = 0;
    let v = value;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i += 1;
    }
    return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
  }
  return String(value);
}

function resourceBars(name, usageValue, usagePct, alloc) {
  const of = (v) => `${amount(v, alloc.unit)} / ${amount(alloc.allocatableValue, alloc.unit)}${alloc.unit === "millicores" ? " cores" : ""}`;
  return h(
    "div",
    { class: "resource", dataset: { resource: name } },
    h("span", { class: "resource-name" }, name),
    bar("used", usagePct, of(usageValue)),
    bar("requests", alloc.requestsPercentage, of(alloc.requestsValue)),
    bar("limits", alloc.limitsPercentage, of(alloc.limitsValue)),
  );
}

function renderNodes(data) {
  const note = $("#nodes-note");
  note.hidden = data.metricsAvailable;
  note.textContent = data.metricsAvailable ? "" : `No live usage: ${data.message}`;
  $("#nodes").replaceChildren(
    ...data.nodes.map((n) => {
      const c = n.conditions;
      const badges = [
        c.ready ? h("span", { class: "badge ok" }, "Ready") : h("span", { class: "badge crit" }, `NotReady${c.readyReason ? ` (${c.readyReason})` : ""}`),
        c.unschedulable ? h("span", { class: "badge warn" }, "cordoned") : null,
        ...c.pressure.map((p) => h("span", { class: "badge warn" }, p)),
      ];
      return h(
        "div",
        { class: "node", dataset: { node: n.nodeName } },
        h(
          "div",
          { class: "node-head" },
          h("div", {}, h("span", { class: "node-name" }, n.nodeName), " ", ...badges),
          h("div", { class: "node-meta" }, `${n.podCount}/${n.podCapacity} pods`, c.taints.length ? h("div", {}, c.taints.join(", ")) : null),
        ),
        resourceBars("cpu", n.cpuUsageMillicores, n.cpuAllocatablePercentage, n.allocated.cpu),
        resourceBars("memory", n.memoryUsageBytes, n.memoryAllocatablePercentage, n.allocated.memory),
        ...n.allocated.other.map((o) => resourceBars(o.resource.split("/").pop(), null, null, o)).map((el) => {
          el.querySelector('[data-kind="used"]').remove();
          el.querySelector(".resource-name").style.gridRow = "span 2";
          return el;
        }),
      );
    }),
  );
}

// ------------------------------------------------------------------------------------------ issues
function issuesUrl() {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state.filters)) if (v) q.set(k, v);
  const s = q.toString();
  return `${API}/cluster/pod-issues${s ? `?${s}` : ""}`;
}

function fillSelect(select, values, current) {
  const want = ["", ...values];
  const have = [...select.options].map((o) => o.value);
  if (want.join("\n") === have.join("\n")) return;
  select.replaceChildren(...want.map((v) => h("option", { value: v }, v || "all")));
  select.value = current;
}

function renderIssues(data) {
  if (!state.filters.namespace) for (const ns of data.namespaces) state.namespaces.add(ns.namespace);
  if (state.filters.namespace) state.namespaces.add(state.filters.namespace);
  fillSelect($("#filter-namespace"), [...state.namespaces].sort(), state.filters.namespace);
  // the issue types seen in the summary, as toggles for the issue type filter
  $("#issue-types").replaceChildren(
    ...data.summary.map((s) =>
      h(
        "button",
        {
          type: "button",
          class: "chip",
          "aria-pressed": String(state.filters.issueType === s.issueType),
          title: s.description,
          onclick: () => setFilter("issueType", state.filters.issueType === s.issueType ? "" : s.issueType),
        },
        s.issueType,
        h("span", { class: "n" }, s.count),
      ),
    ),
  );
  const rows = data.problematicPods.map((p) => {
    const critical = p.issues.some((i) => i.severity === "critical");
    const key = `${p.namespace}/${p.name}`;
    const selected = state.selected && `${state.selected.namespace}/${state.selected.name}` === key;
    return h(
      "tr",
      {
        tabindex: "0",
        class: selected ? "selected" : "",
        dataset: { pod: key, phase: p.phase },
        onclick: () => openPod(p),
        onkeydown: (e) => {
          if (e.key === "Enter") openPod(p);
        },
      },
      h("td", {}, h("span", { class: `badge ${critical ? "critical" : "warning"}` }, critical ? "critical" : "warning")),
      h("td", {}, h("div", { class: "pod-name" }, p.name), h("div", { class: "pod-ns" }, `${p.namespace} · ${p.ownerKind} ${p.ownerName}`)),
      h("td", {}, p.status),
      h("td", { class: "num" }, p.restartCount),
      h("td", { class: "num" }, p.age),
      h(
        "td",
        {},
        h(
          "div",
          { class: "issue-list" },
          p.issues.map((i) => h("span", { class: `badge ${i.severity}`, title: `${i.description}${i.details ? `\n${i.details}` : ""}` }, i.type)),
        ),
      ),
    );
  });
  $("#issues tbody").replaceChildren(...rows);
  $("#issues-empty").hidden = rows.length > 0;
  const trunc = $("#issues-truncated");
  trunc.hidden = !data.truncated;
  trunc.textContent = data.truncated ? `Showing ${data.returnedPods} of ${data.problematicPodsCount} problem pods (the most severe first).` : "";
}

function setFilter(name, value) {
  state.filters[name] = value;
  $(`#filter-${name}`).value = value;
  for (const url of [...answers.keys()]) if (url.startsWith(`${API}/cluster/pod-issues`)) answers.delete(url);
  refresh();
}

// ------------------------------------------------------------------------------------------ pod drawer
function podBase() {
  const s = state.selected;
  return `${API}/pods/${encodeURIComponent(s.namespace)}/${encodeURIComponent(s.name)}`;
}

const TAB_PATHS = { explain: "/scheduling/explain", events: "/failure-events", health: "/health-score", describe: "/describe" };

function openPod(p) {
  for (const url of [...answers.keys()]) if (url.startsWith(`${API}/pods/`)) answers.delete(url);
  state.selected = { namespace: p.namespace, name: p.name, pending: p.phase === "Pending" };
  state.tab = "explain";
  $("#pod-namespace").textContent = `${p.namespace} · ${p.status}`;
  $("#pod-title").textContent = p.name;
  $("#pod-body").replaceChildren(h("p", { class: "note" }, "loading…"));
  $("#pod-panel").hidden = false;
  for (const tr of document.querySelectorAll("#issues tbody tr")) tr.classList.toggle("selected", tr.dataset.pod === `${p.namespace}/${p.name}`);
  markTabs();
  refresh();
}

function closePod() {
  state.selected = null;
  $("#pod-panel").hidden = true;
  for (const tr of document.querySelectorAll("#issues tbody tr.selected")) tr.classList.remove("selected");
}

function markTabs() {
  for (const b of document.querySelectorAll(".tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === state.tab));
}

// a node's reasons, the generic "insufficient memory" replaced by its figures when the analysis has them
function whyNot(n) {
  const detailed = n.insufficientResources;
  const reasons = detailed.length ? n.reasons.filter((r) => !r.startsWith("insufficient ")) : n.reasons;
  return [...reasons, ...detailed].join("; ") || "–";
}

function renderExplain(d) {
  const nodes = d.nodeAnalysis || [];
  return [
    h("div", { class: "explanation", id: "explanation" }, d.explanation),
    d.suggestions.length ? [h("h3", {}, "What to do"), h("ul", { class: "suggestions" }, d.suggestions.map((s) => h("li", {}, s)))] : null,
    d.discrepancies.length ? [h("h3", {}, "Agent vs scheduler"), h("ul", {}, d.discrepancies.map((s) => h("li", {}, s)))] : null,
    nodes.length
      ? [
          h("h3", {}, `Nodes (${d.summary.schedulableNodes} of ${d.summary.totalNodes} could run it)`),
          h(
            "table",
            {},
            h("thead", {}, h("tr", {}, h("th", {}, "node"), h("th", {}, "fits"), h("th", {}, "why not"))),
            h(
              "tbody",
              {},
              nodes.map((n) =>
                h(
                  "tr",
                  {},
                  h("td", { class: "mono" }, n.nodeName),
                  h("td", {}, h("span", { class: `badge ${n.schedulable ? "ok" : "crit"}` }, n.schedulable ? "yes" : "no")),
                  h("td", {}, whyNot(n)),
                ),
              ),
            ),
          ),
        ]
      : null,
    d.schedulerMessage ? [h("h3", {}, "Scheduler's message"), h("pre", { class: "json" }, d.schedulerMessage)] : null,
    d.notes.length ? [h("h3", {}, "Notes"), h("ul", {}, d.notes.map((s) => h("li", {}, s)))] : null,
  ];
}

function renderEvents(d) {
  const events = d.failureEvents;
  return [
    h(
      "p",
      {},
      `${d.totalEvents} events, ${d.criticalEvents} critical, ${d.warningEvents} warnings · pod ${d.podStatus}`,
      d.ongoingIssues.length ? ` · ongoing: ${d.ongoingIssues.join(", ")}` : "",
    ),
    events.length ? null : h("p", { class: "note" }, "No failure events."),
    events.map((e) =>
      h(
        "div",
        { class: "event" },
        h(
          "div",
          { class: "event-head" },
          h("span", { class: `badge ${e.severity === "critical" ? "critical" : e.severity === "warning" ? "warning" : "info"}` }, e.severity),
          h("strong", {}, e.reason),
          h("span", { class: "chip" }, e.category),
          h("span", { class: "muted small" }, `×${e.count}${e.isRecurring ? ` (${e.recurrenceRate})` : ""} · last ${ago(e.lastTimestamp)} · ${e.source}`),
        ),
        h("div", { class: "msg mono" }, e.message),
        e.possibleCauses.length ? h("ul", {}, e.possibleCauses.map((c) => h("li", {}, c))) : null,
        e.suggestedAction ? h("div", { class: "small" }, h("strong", {}, "Action: "), e.suggestedAction) : null,
      ),
    ),
  ];
}

function scoreClass(score) {
  return score >= 80 ? "ok" : score >= 50 ? "warn" : "crit";
}

function renderHealth(d) {
  const comps = Object.values(d.components);
  return [
    h(
      "div",
      { class: "score" },
      h("span", { class: "big", style: `color:var(--${{ ok: "ok", warn: "warn", crit: "crit" }[scoreClass(d.overallScore)]})` }, d.overallScore),
      h("span", {}, h("strong", {}, d.status), h("div", { class: "muted small" }, `out of 100 · ${d.details.podStatus} · up ${d.details.uptime || "–"}`)),
    ),
    h("h3", {}, "Components"),
    comps.map((c) =>
      h(
        "div",
        { class: "component" },
        h("span", {}, c.name, h("span", { class: "muted small" }, ` ×${c.weight}`)),
        h("div", { class: `bar${c.score < 50 ? " over" : ""}`, dataset: { kind: "used" } }, h("div", { class: "track" }, h("div", { class: "fill", style: `width:${c.score}%` }))),
        h("span", { class: "num" }, c.score),
        h("div", { class: "desc" }, `${c.status}: ${c.description}`),
      ),
    ),
  ];
}

function renderDescribe(d) {
  const kv = (pairs) => h("dl", { class: "kv" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  const state1 = (s) => {
    if (!s) return "";
    const [k, v] = Object.entries(s)[0] || [];
    if (!k) return "";
    return `${k}${v.reason ? ` (${v.reason}${v.exitCode !== undefined ? `, exit ${v.exitCode}` : ""})` : ""}`;
  };
  const containers = [...d.initContainers.map((c) => ({ ...c, init: true })), ...d.containers];
  return [
    kv([
      ["status", d.podStatus],
      ["node", d.node],
      ["pod IP", d.podIP],
      ["QoS", d.qosClass],
      ["controlled by", d.controlledBy ? `${d.controlledBy.kind}/${d.controlledBy.name}` : ""],
      ["service account", d.serviceAccount],
      ["priority", d.priorityClassName ? `${d.priority} (${d.priorityClassName})` : d.priority],
      ["started", d.startTime ? `${d.startTime} (${ago(d.startTime)})` : ""],
    ]),
    h("h3", {}, "Containers"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "image"), h("th", {}, "state"), h("th", {}, "last state"), h("th", { class: "num" }, "restarts"))),
      h(
        "tbody",
        {},
        containers.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, c.name, c.init ? h("span", { class: "muted small" }, " init") : null),
            h("td", { class: "mono" }, c.image),
            h("td", {}, state1(c.state)),
            h("td", { title: c.lastState && Object.values(c.lastState)[0]?.message }, state1(c.lastState)),
            h("td", { class: "num" }, c.restartCount),
          ),
        ),
      ),
    ),
    h("h3", {}, "Conditions"),
    h("div", { class: "chips" }, d.conditions.map((c) => h("span", { class: `badge ${c.status === "True" ? "ok" : "warn"}`, title: c.message || "" }, `${c.type}=${c.status}`))),
    h("h3", {}, `Events (${d.events.length})`),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "type"), h("th", {}, "reason"), h("th", {}, "age"), h("th", {}, "message"))),
      h(
        "tbody",
        {},
        d.events.map((e) =>
          h("tr", {}, h("td", {}, e.type), h("td", {}, e.reason), h("td", { class: "small" }, ago(e.lastTimestamp || e.timestamp)), h("td", { class: "mono" }, e.message)),
        ),
      ),
    ),
    h("h3", {}, "Everything"),
    h("details", {}, h("summary", {}, "the whole answer as JSON"), h("pre", { class: "json" }, JSON.stringify(d, null, 2))),
  ];
}

const RENDER = { explain: renderExplain, events: renderEvents, health: renderHealth, describe: renderDescribe };

// ------------------------------------------------------------------------------------------ refresh loop
function showProblem(err) {
  const banner = $("#banner");
  banner.hidden = false;
  const since = state.lastOk ? ` Showing the data of ${fmtTime(state.lastOk)}.` : "";
  if (err instanceof Unreachable) {
    banner.dataset.kind = "offline";
    banner.replaceChildren(h("strong", {}, "The agent is not answering."), `Its API could not be reached; retrying every ${POLL_MS / 1000}s.${since}`);
    setStatus("offline", "agent unreachable");
  } else {
    const e = err.error;
    banner.dataset.kind = "degraded";
    banner.replaceChildren(
      h("strong", {}, `The agent answered ${err.status} ${e.code}:`),
      `${e.message}${e.details ? ` (${e.details})` : ""}.${since}`,
    );
    setStatus("degraded", `degraded (${err.status})`);
  }
  document.body.classList.add("stale");
}

function clearProblem() {
  $("#banner").hidden = true;
  document.body.classList.remove("stale");
  setStatus("live", "live");
}

function setStatus(kind, text) {
  const s = $("#status");
  s.dataset.state = kind;
  s.textContent = text;
}

function needToken(message) {
  setStatus("token", "token needed");
  $("#token-button").hidden = false;
  const dlg = $("#token-dialog");
  const errEl = $("#token-error");
  errEl.hidden = !message;
  errEl.textContent = message || "";
  // asked once: a dismissed dialog (Escape) comes back from the token button, not on every poll
  if (!dlg.open && !state.tokenDismissed) dlg.showModal();
}

async function refresh() {
  if (state.inFlight) {
    state.again = true;
    return;
  }
  state.inFlight = true;
  clearTimeout(state.timer);
  const jobs = [poll(issuesUrl()), poll(`${API}/nodes/utilization`)];
  const sel = state.selected;
  const tab = state.tab;
  if (sel) jobs.push(poll(podBase() + TAB_PATHS[tab]));
  const [issues, nodes, pod] = await Promise.allSettled(jobs);
  state.inFlight = false;
  const failures = [issues, nodes].filter((r) => r.status === "rejected").map((r) => r.reason);
  const auth = failures.find((e) => e instanceof ApiError && e.status === 401);
  if (auth) {
    needToken(state.token ? `The agent refused this token: ${auth.error.message}.` : "");
  } else if (failures.length) {
    // connection refused beats 5xx beats anything else, for what the banner says
    showProblem(failures.find((e) => e instanceof Unreachable) || failures.find((e) => e.status >= 500) || failures[0]);
  } else {
    clearProblem();
    state.lastOk = new Date();
  }
  let changed = false;
  if (issues.status === "fulfilled" && issues.value.changed) {
    renderIssues(issues.value.data);
    changed = true;
  }
  if (nodes.status === "fulfilled" && nodes.value.changed) {
    renderNodes(nodes.value.data);
    changed = true;
  }
  if (changed) {
    state.lastChange = new Date();
    renderSummary(answers.get(issuesUrl())?.data, answers.get(`${API}/nodes/utilization`)?.data);
  }
  if (sel && sel === state.selected && tab === state.tab) {
    const errEl = $("#pod-error");
    if (pod.status === "fulfilled") {
      errEl.hidden = true;
      if (pod.value.changed || $("#pod-body").dataset.tab !== tab) {
        $("#pod-body").replaceChildren(...[RENDER[tab](pod.value.data)].flat(3).filter(Boolean));
        $("#pod-body").dataset.tab = tab;
      }
    } else if (!(pod.reason instanceof Unreachable)) {
      errEl.hidden = false;
      const e = pod.reason.error;
      errEl.textContent = `${pod.reason.status} ${e.code}: ${e.message}${e.details ? ` (${e.details})` : ""}`;
      if (pod.reason.status === 404) $("#pod-body").replaceChildren();
    }
  }
  tick();
  state.timer = setTimeout(refresh, state.again ? 0 : POLL_MS);
  state.again = false;
}

function tick() {
  const t = $("#last-refresh");
  if (state.lastOk) {
    t.textContent = fmtTime(state.lastOk);
    t.dateTime = state.lastOk.toISOString();
    const secs = Math.round((Date.now() - state.lastOk) / 1000);
    t.title = `${secs}s ago`;
  }
  $("#last-change").textContent = state.lastChange ? ` · data changed ${fmtTime(state.lastChange)}` : "";
}

// ------------------------------------------------------------------------------------------ wiring
for (const name of ["namespace", "severity", "issueType"]) {
  $(`#filter-${name}`).addEventListener("change", (e) => setFilter(name, e.target.value));
}
$("#pod-close").addEventListener("click", closePod);
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && state.selected && !$("#token-dialog").open) closePod();
});
for (const b of document.querySelectorAll(".tabs button")) {
  b.addEventListener("click", () => {
    state.tab = b.dataset.tab;
    markTabs();
    $("#pod-body").replaceChildren(h("p", { class: "note" }, "loading…"));
    $("#pod-body").dataset.tab = "";
    refresh();
  });
}
$("#token-form").addEventListener("submit", () => {
  state.tokenDismissed = false;
  state.token = $("#token-input").value.trim();
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $("#token-input").value = "";
  answers.clear();
  refresh();
});
$("#token-forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = "";
  answers.clear();
  $("#token-dialog").close();
  refresh();
});
$("#token-button").addEventListener("click", () => {
  state.tokenDismissed = false;
  needToken("");
});
$("#token-dialog").addEventListener("cancel", () => {
  state.tokenDismissed = true;
});
if (state.token) $("#token-button").hidden = false;

// issue types of the API (the OpenAPI enum), for the filter: read once
fetch("/openapi.json")
  .then((r) => r.json())
  .then((doc) => {
    const p = doc.paths[`${API}/cluster/pod-issues`].get.parameters.find((x) => x.name === "issueType");
    fillSelect($("#filter-issueType"), p.schema.enum, state.filters.issueType);
  })
  .catch(() => {});

setInterval(tick, 1000);
refresh();
