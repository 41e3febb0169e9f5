/**
 * The dashboard's script (plain browser JavaScript, no build step and nothing loaded from
 * elsewhere): reads the REST API every second and draws the TaskManagers and, per job, its graph,
 * throughput, vertices, checkpoints, watermarks and exceptions; its buttons cancel a job, take a
 * savepoint or stop it with one, sending the token the page was given.
 */
export const DASHBOARD_SCRIPT = String.raw`
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const int = (n) => Math.round(n).toLocaleString("en-US");
function duration(ms) {
  if (ms < 0) return "–";
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + " min " + String(s % 60).padStart(2, "0") + " s";
  return Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0") + " min";
}
const millis = (ms) => (ms < 0 ? "–" : int(ms) + " ms");
function bytes(n) {
  if (n < 1024) return int(n) + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(1) + " MiB";
}
// Flink's encoding: Long.MIN_VALUE is "no watermark yet", Long.MAX_VALUE the final one.
function watermark(v) {
  if (v === undefined || v.startsWith("-9223372036854775808")) return "none yet";
  if (v === "9223372036854775807") return "end of input";
  const d = new Date(Number(v));
  return isNaN(d.getTime()) ? esc(v) : d.toISOString().slice(11, 23) + " UTC";
}
const TOKEN_KEY = "eddy.token";
/** The API answered 401 or 403: the page needs a (different) token before it can go on. */
class NeedsToken extends Error {}
async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = token ? { authorization: "Bearer " + token } : {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) throw new NeedsToken("This server needs a bearer token" + (method === "GET" ? " to show its jobs." : " for that."));
  if (res.status === 403) throw new NeedsToken("The token was not accepted: enter the server's token.");
  if (!res.ok) {
    const text = await res.text();
    let message = method + " " + path + ": HTTP " + res.status;
    try { message = JSON.parse(text).errors[0] || message; } catch {}
    const error = new Error(message);
    error.status = res.status;
    throw error;
  }
  return res.json();
}
const getJson = (path) => api("GET", path);
const ENDED = ["FINISHED", "CANCELED", "FAILED"];
const LEVEL_FILL = { ok: "#e3f4e8", low: "#fff4cc", high: "#fbdad7" };
const LEVEL_STROKE = { ok: "#1b7f3b", low: "#b08900", high: "#b3261e" };

/** The job graph: vertices in columns by their distance from the sources, edges labelled with their ship strategy. */
function graphSvg(job, nodes, byVertex) {
  const layer = new Map();
  const depth = (n) => {
    if (layer.has(n.id)) return layer.get(n.id);
    layer.set(n.id, 0);
    const d = n.inputs ? 1 + Math.max(...n.inputs.map((e) => depth(nodes.find((x) => x.id === e.id) || { id: e.id }))) : 0;
    layer.set(n.id, d);
    return d;
  };
  nodes.forEach(depth);
  const W = 200, H = 62, GX = 110, GY = 24, PAD = 12;
  const rows = new Map();
  const at = new Map();
  for (const n of nodes) {
    const l = layer.get(n.id);
    const row = rows.get(l) || 0;
    rows.set(l, row + 1);
    at.set(n.id, { x: PAD + l * (W + GX), y: PAD + row * (H + GY) });
  }
  const width = PAD * 2 + (Math.max(0, ...layer.values()) + 1) * (W + GX) - GX;
  const height = PAD * 2 + Math.max(1, ...rows.values()) * (H + GY) - GY;
  let edges = "";
  for (const n of nodes) for (const e of n.inputs || []) {
    const a = at.get(e.id), b = at.get(n.id);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    edges += '<g class="edge" data-from="' + esc(e.id) + '" data-to="' + esc(n.id) + '"><title>' + esc(e.ship_strategy) + "</title>" +
      '<path d="M' + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + (x2 - 6) + "," + y2 + '" fill="none" stroke="#8a93a6" stroke-width="1.5" marker-end="url(#arrow)"/>' +
      '<text class="ship" x="' + mx + '" y="' + ((y1 + y2) / 2 - 6) + '" text-anchor="middle">' + esc(e.ship_strategy) + "</text></g>";
  }
  let boxes = "";
  for (const n of nodes) {
    const p = at.get(n.id);
    const v = byVertex.get(n.id) || {};
    const level = v.level || "none";
    const name = v.name || n.description;
    const short = name.length > 28 ? name.slice(0, 27) + "…" : name;
    const busy = v.busy === undefined ? "busy –" : "busy " + Math.round(v.busy * 100) + "%";
    boxes += '<g class="node" data-vertex="' + esc(n.id) + '" data-level="' + esc(level) + '"><title>' + esc(name) + " · parallelism " + esc(n.parallelism) + " · " + busy + " · backpressure " + esc(level) + "</title>" +
      '<rect x="' + p.x + '" y="' + p.y + '" width="' + W + '" height="' + H + '" rx="6" fill="' + (LEVEL_FILL[level] || "#eef0f4") + '" stroke="' + (LEVEL_STROKE[level] || "#8a93a6") + '"/>' +
      '<text class="name" x="' + (p.x + 10) + '" y="' + (p.y + 22) + '">' + esc(short) + "</text>" +
      '<text class="facts" x="' + (p.x + 10) + '" y="' + (p.y + 44) + '"><tspan class="parallelism">×' + esc(n.parallelism) + "</tspan> · " +
      '<tspan class="busy">' + busy + "</tspan>" + (level === "none" ? "" : ' · <tspan class="level">' + esc(level.toUpperCase()) + "</tspan>") + "</text></g>";
  }
  return '<svg class="graph" role="img" aria-label="Job graph of ' + esc(job.name) + '" viewBox="0 0 ' + width + " " + height + '" width="' + width + '" height="' + height + '">' +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8a93a6"/></marker></defs>' +
    edges + boxes + "</svg>";
}

/** Source records per second the page has seen, per job, over the last minutes. */
const RATE_WINDOW_MS = 5 * 60 * 1000;
const rates = new Map();
function rateSvg(jobId, label) {
  const points = rates.get(jobId) || [];
  if (points.length < 2) return '<p class="muted rate-chart">' + esc(label) + "</p>";
  const W = 320, H = 60, now = points[points.length - 1].t, from = Math.max(points[0].t, now - RATE_WINDOW_MS);
  const max = Math.max(1, ...points.map((p) => p.v));
  const span = Math.max(1, now - from);
  const line = points.map((p) => (((p.t - from) / span) * W).toFixed(1) + "," + (H - (p.v / max) * (H - 4) - 2).toFixed(1)).join(" ");
  return '<figure class="rate-chart"><svg role="img" aria-label="Source records per second over the last ' + Math.max(1, Math.round(span / 60000)) + ' min" viewBox="0 0 ' + W + " " + H + '" width="' + W + '" height="' + H + '">' +
    '<polyline fill="none" stroke="#2f5fb3" stroke-width="1.5" points="' + line + '"/></svg><figcaption>' + esc(label) + " · peak " + int(max) + " records/s</figcaption></figure>";
}

function checkpointsHtml(stats) {
  if (stats === null) return '<p class="muted">Checkpointing is off for this job.</p>';
  const c = stats.counts;
  const TYPE = { CHECKPOINT: "checkpoint", UNALIGNED_CHECKPOINT: "unaligned checkpoint", SAVEPOINT: "savepoint", SYNC_SAVEPOINT: "savepoint (stop)" };
  const rows = stats.history.map((h) => '<tr data-checkpoint="' + esc(h.id) + '"><td class="num">' + esc(h.id) + "</td><td>" + esc(TYPE[h.checkpoint_type] || h.checkpoint_type) +
    '</td><td><span class="cp ' + esc(h.status) + '">' + esc(h.status) + '</span></td><td class="num">' + millis(h.end_to_end_duration) +
    '</td><td class="num">' + (h.status === "COMPLETED" ? bytes(h.state_size) : "–") + '</td><td class="num">' + millis(h.alignment_duration) +
    '</td><td class="num">' + (h.status === "COMPLETED" ? bytes(h.persisted_data) : "–") + "</td></tr>");
  return '<p class="muted">' + int(c.completed) + " completed · " + int(c.failed) + " failed · " + int(c.in_progress) + " in progress" +
    (stats.latest.restored ? " · restored from " + esc(stats.latest.restored.id) : "") + "</p>" +
    (rows.length === 0 ? '<p class="muted">No checkpoint yet.</p>' :
      '<div class="scroll"><table aria-label="Checkpoints"><thead><tr><th class="num">ID</th><th>Type</th><th>Status</th><th class="num">Duration</th><th class="num">Size</th><th class="num">Alignment</th><th class="num" title="In-flight records an unaligned checkpoint stored">In flight</th></tr></thead><tbody>' + rows.join("") + "</tbody></table></div>");
}

/** The deepest cause in a stack trace ("Caused by: ..."), or its first line. */
function rootCause(stacktrace) {
  const causes = stacktrace.split("\n").filter((l) => l.startsWith("Caused by: "));
  return causes.length > 0 ? causes[causes.length - 1].slice("Caused by: ".length) : stacktrace.split("\n")[0];
}
function exceptionsHtml(ex) {
  const entries = ex.exceptionHistory.entries;
  if (entries.length === 0) return '<p class="muted">No exceptions.</p>';
  const items = entries.map((e) => '<li><div><time>' + new Date(e.timestamp).toISOString().slice(11, 19) + " UTC</time> · attempt " + esc(e.attempt) +
    (e.taskName ? " · " + esc(e.taskName) : "") + '</div><div class="root-cause">Root cause: <strong>' + esc(rootCause(e.stacktrace)) + "</strong></div>" +
    "<details><summary>Stack trace</summary><pre>" + esc(e.stacktrace) + "</pre></details></li>");
  return '<p class="root-exception">' + esc(ex["root-exception"] || "") + '</p><ol class="exceptions">' + items.join("") + "</ol>";
}

function watermarksHtml(vertices, marks) {
  const rows = [];
  vertices.forEach((v, i) => {
    const byId = Object.fromEntries((marks[i] || []).map((m) => [m.id, m.value]));
    for (let s = 0; s < v.parallelism; s++) {
      rows.push("<tr><td>" + esc(v.name) + '</td><td class="num">' + s + "</td><td>" + watermark(byId[s + ".currentInputWatermark"]) + "</td><td>" + watermark(byId[s + ".currentOutputWatermark"]) + "</td></tr>");
    }
  });
  return '<div class="scroll"><table aria-label="Watermarks"><thead><tr><th>Vertex</th><th class="num">Subtask</th><th>Input watermark</th><th>Output watermark</th></tr></thead><tbody>' + rows.join("") + "</tbody></table></div>";
}

const mib = (n) => (n > 0 ? (n / 1048576).toFixed(1) + " MiB" : "–");
async function taskManagersHtml() {
  const { taskmanagers } = await getJson("taskmanagers");
  const details = await Promise.all(taskmanagers.map((tm) => getJson("taskmanagers/" + encodeURIComponent(tm.id))));
  const rows = details.map((tm) => "<tr><td>" + esc(tm.id) + '</td><td class="num">' + int(tm.slotsNumber - tm.freeSlots) + " / " + int(tm.slotsNumber) +
    '</td><td>' + (tm.allocatedSlots.length === 0 ? '<span class="muted">none</span>' : [...new Set(tm.allocatedSlots.map((s) => s.jobId))].map((j) => "<code>" + esc(j.slice(0, 8)) + "</code> ×" + tm.allocatedSlots.filter((s) => s.jobId === j).length).join(" ")) +
    '</td><td class="num">' + mib(tm.metrics.heapUsed) + " of " + mib(tm.metrics.heapCommitted) + '</td><td class="num">' +
    (Math.max(0, Date.now() - tm.timeSinceLastHeartbeat) / 1000).toFixed(1) + " s ago</td></tr>");
  return '<div class="job-head"><h2>TaskManagers</h2></div><div class="scroll"><table aria-label="TaskManagers"><thead><tr><th>TaskManager</th><th class="num">Slots used</th><th>Slots by job</th><th class="num">Heap</th><th class="num">Last heartbeat</th></tr></thead><tbody>' +
    rows.join("") + "</tbody></table></div>";
}

/** What the page tells about an action on a job (cancel, savepoint, stop), kept across refreshes. */
const notes = new Map();
/** Stack traces the reader opened, kept open across refreshes. */
const opened = new Set();

async function jobHtml(job) {
  const base = "jobs/" + encodeURIComponent(job.jid);
  // Rates, busy time and backpressure describe a job that runs; once it has ended the last values would mislead.
  const live = !ENDED.includes(job.state);
  const [detail, metrics, checkpoints, exceptions] = await Promise.all([
    getJson(base),
    getJson(base + "/metrics?get=sourceRecordsPerSecond,currentWatermark").catch(() => []),
    getJson(base + "/checkpoints").catch((e) => { if (e.status === 404) return null; throw e; }),
    getJson(base + "/exceptions"),
  ]);
  const metric = Object.fromEntries(metrics.map((m) => [m.id, m.value]));
  const nodes = detail.plan.nodes;
  const sources = new Set(nodes.filter((n) => !n.inputs).map((n) => n.id));
  // A source's rate controller (its rate and what it observed), where one is set.
  const controllerIds = [...sources].flatMap((id) => ["rateControllerRate", "rateControllerProcessingDelayMs", "rateControllerSchedulingDelayMs"].map((m) => id + "." + m));
  const [pressures, marks, controllerMetrics] = await Promise.all([
    Promise.all(detail.vertices.map((v) => (live ? getJson(base + "/vertices/" + encodeURIComponent(v.id) + "/backpressure").catch(() => null) : null))),
    Promise.all(detail.vertices.map((v) => getJson(base + "/vertices/" + encodeURIComponent(v.id) + "/watermarks").catch(() => []))),
    live && controllerIds.length > 0 ? getJson(base + "/metrics?get=" + controllerIds.map(encodeURIComponent).join(",")).catch(() => []) : [],
  ]);
  const controller = Object.fromEntries(controllerMetrics.map((m) => [m.id, Number(m.value)]));
  const limits = detail.vertices.filter((v) => controller[v.id + ".rateControllerRate"] !== undefined).map((v) => {
    const r = controller[v.id + ".rateControllerRate"];
    return '<div class="rate-limit" data-vertex="' + esc(v.id) + '"><dt>Rate limit · ' + esc(v.name) + "</dt><dd>" + (r < 0 ? "not yet set" : int(r) + " records/s") +
      ' <span class="muted">processing delay ' + Math.round(controller[v.id + ".rateControllerProcessingDelayMs"]) + " ms, scheduling delay " + Math.round(controller[v.id + ".rateControllerSchedulingDelayMs"]) + " ms</span></dd></div>";
  });
  const byVertex = new Map(detail.vertices.map((v, i) => {
    const bp = pressures[i];
    return [v.id, { name: v.name, level: bp ? bp["backpressure-level"] : undefined, busy: bp && bp.subtasks.length > 0 ? Math.max(...bp.subtasks.map((s) => s.busyRatio)) : undefined, ratio: bp ? Math.max(0, ...bp.subtasks.map((s) => s.ratio)) : undefined }];
  }));
  const rows = detail.vertices.map((v) => {
    const info = byVertex.get(v.id);
    const recordsIn = sources.has(v.id) ? '<span class="muted">source</span>' : int(v.metrics["read-records"]);
    const placement = v.subtasks.map((s) => s.subtask + ": " + esc(s["taskmanager-id"])).join(" · ");
    const pressure = !live ? '<span class="muted">ended</span>' : info.level === undefined ? '<span class="muted">unknown</span>' :
      '<span class="bp ' + esc(info.level) + '" title="busiest subtask backpressured ' + Math.round(info.ratio * 100) + '% of the time">' + esc(info.level.toUpperCase()) + " · " + Math.round(info.ratio * 100) + "%</span>";
    return '<tr data-vertex="' + esc(v.id) + '"><td>' + esc(v.name) + '</td><td class="num">' + esc(v.parallelism) + '</td><td class="num">' + recordsIn +
      '</td><td class="num">' + int(v.metrics["write-records"]) + "</td><td>" + pressure + '</td><td class="num">' + (live && info.busy !== undefined ? Math.round(info.busy * 100) + "%" : "–") +
      '</td><td class="subtasks">' + placement + "</td></tr>";
  });
  const id = "job-" + esc(job.jid);
  const rateNow = !live || metric.sourceRecordsPerSecond === undefined ? undefined : Number(metric.sourceRecordsPerSecond);
  if (rateNow !== undefined) {
    const points = rates.get(job.jid) || [];
    points.push({ t: Date.now(), v: rateNow });
    while (points.length > 0 && points[0].t < Date.now() - RATE_WINDOW_MS) points.shift();
    rates.set(job.jid, points);
  }
  const rate = rateNow === undefined ? "–" : int(rateNow) + " records/s";
  const snapshots = live && checkpoints !== null;
  const note = notes.get(job.jid);
  return '<section class="job" data-job="' + esc(job.jid) + '" aria-labelledby="' + id + '"><div class="job-head"><h2 id="' + id + '">' + esc(job.name) +
    '</h2><span class="state ' + esc(job.state) + '">' + esc(job.state) + "</span><code>" + esc(job.jid) + '</code><span class="actions">' +
    '<button type="button" data-action="savepoint"' + (snapshots ? "" : " disabled") + ">Savepoint</button>" +
    '<button type="button" data-action="stop"' + (snapshots ? "" : " disabled") + ">Stop with savepoint</button>" +
    '<button type="button" data-action="cancel" class="danger"' + (live ? "" : " disabled") + ">Cancel</button></span></div>" +
    '<p class="note" role="status">' + (note ? esc(note) : "") + "</p>" +
    "<dl><div><dt>Duration</dt><dd>" + duration(job.duration) + "</dd></div><div><dt>Source rate</dt><dd>" + rate +
    "</dd></div><div><dt>Watermark</dt><dd>" + watermark(metric.currentWatermark) + "</dd></div>" + limits.join("") + "</dl>" +
    '<div class="scroll">' + graphSvg(job, nodes, byVertex) + "</div>" +
    (live ? rateSvg(job.jid, rate + " now") : "") +
    '<div class="scroll"><table aria-label="Vertices"><thead><tr><th>Vertex</th><th class="num">Parallelism</th><th class="num">Records in</th><th class="num">Records out</th><th>Backpressure</th><th class="num">Busy</th><th>Subtasks on</th></tr></thead><tbody>' +
    rows.join("") + "</tbody></table></div>" +
    '<div class="panels"><section aria-label="Checkpoints"><h3>Checkpoints</h3>' + checkpointsHtml(checkpoints) + "</section>" +
    '<section aria-label="Exceptions"><h3>Exceptions</h3>' + exceptionsHtml(exceptions) + "</section></div>" +
    '<section aria-label="Watermarks"><h3>Watermarks per subtask</h3>' + watermarksHtml(detail.vertices, marks) + "</section></section>";
}

let timer;
function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(refresh, ms);
}
const login = document.getElementById("login");
/** Why the token form shows: reads were refused ("read"), or an action was, on a server whose reads are open ("action"). */
let tokenWanted = null;
function askForToken(message, why) {
  tokenWanted = why;
  document.getElementById("login-note").textContent = message;
  login.hidden = false;
  login.elements.token.focus();
}
login.addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, login.elements.token.value.trim());
  tokenWanted = null;
  login.elements.token.value = "";
  document.getElementById("login-note").textContent = "Checking…";
  schedule(0);
});

const ACTIONS = {
  cancel: { ask: "Cancel job %s? It stops at once, without a savepoint.", run: (base) => api("PATCH", base + "?mode=cancel"), doing: "Cancelling…" },
  savepoint: { run: (base) => api("POST", base + "/savepoints", {}), doing: "Taking a savepoint…", poll: true },
  stop: { ask: "Stop job %s with a savepoint?", run: (base) => api("POST", base + "/stop", { drain: false }), doing: "Stopping with a savepoint…", poll: true },
};
async function act(jobId, name) {
  const action = ACTIONS[name];
  if (action.ask && !confirm(action.ask.replace("%s", jobId))) return;
  const base = "jobs/" + encodeURIComponent(jobId);
  notes.set(jobId, action.doing);
  schedule(0);
  try {
    const answer = await action.run(base);
    if (action.poll) {
      for (;;) {
        const status = await getJson(base + "/savepoints/" + encodeURIComponent(answer["request-id"]));
        if (status.status.id === "COMPLETED") {
          const failure = status.operation["failure-cause"];
          notes.set(jobId, failure ? "Savepoint failed: " + failure["stack-trace"] : "Savepoint at " + status.operation.location);
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } else notes.set(jobId, "Cancellation requested.");
  } catch (e) {
    if (e instanceof NeedsToken) {
      notes.set(jobId, "Not done: " + e.message);
      askForToken(e.message, "action");
    } else notes.set(jobId, "Not done: " + String(e.message || e));
  }
  schedule(0);
}
document.getElementById("jobs").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  act(button.closest("section.job").dataset.job, button.dataset.action);
});
document.getElementById("jobs").addEventListener("toggle", (event) => {
  const li = event.target.closest("li");
  if (!li) return;
  const key = li.querySelector("pre").textContent;
  if (event.target.open) opened.add(key); else opened.delete(key);
}, true);

async function refresh() {
  try {
    const { jobs } = await getJson("jobs/overview");
    jobs.sort((a, b) => b["start-time"] - a["start-time"]);
    const [taskManagers, ...sections] = await Promise.all([taskManagersHtml(), ...jobs.map(jobHtml)]);
    document.getElementById("taskmanagers").innerHTML = taskManagers;
    const list = jobs.map((j) => '<li><a href="#job-' + esc(j.jid) + '">' + esc(j.name) + '</a> <span class="state ' + esc(j.state) + '">' + esc(j.state) + "</span></li>").join("");
    document.getElementById("job-list").innerHTML = list;
    const main = document.getElementById("jobs");
    main.innerHTML = sections.length ? sections.join("") : '<p class="muted">No jobs. Submit one with POST /jobs or eddy submit.</p>';
    for (const d of main.querySelectorAll("details")) if (opened.has(d.querySelector("pre").textContent)) d.open = true;
    document.getElementById("updated").textContent = jobs.length + (jobs.length === 1 ? " job" : " jobs") + " · updated " + new Date().toLocaleTimeString("en-GB");
    document.getElementById("error").textContent = "";
    // A form asked for by a refused action stays until the reader answers it.
    if (tokenWanted !== "action") login.hidden = true;
  } catch (e) {
    if (e instanceof NeedsToken) {
      // Nothing to refresh until a token is entered.
      document.getElementById("jobs").innerHTML = "";
      document.getElementById("job-list").innerHTML = "";
      document.getElementById("taskmanagers").innerHTML = "";
      document.getElementById("updated").textContent = "Needs a token";
      askForToken(e.message, "read");
      return;
    }
    document.getElementById("error").textContent = "Could not refresh: " + String(e.message || e);
  }
  // One refresh at a time: a slow server must not pile requests up.
  schedule(1000);
}
refresh();
`;
