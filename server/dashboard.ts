/**
 * `GET /`: a one-page dashboard (plain HTML and JS, no build step) listing the TaskManagers with
 * their slots, heap and last heartbeat, and jobs with their state, source rate and watermark, and
 * each vertex's parallelism, record counts, backpressure and the TaskManager of each subtask,
 * refreshed every second from the API. Read-only. On a server with a token, the page asks for it
 * once and keeps it in the tab's sessionStorage (gone when the tab closes), and every API call
 * sends it as `Authorization: Bearer <token>`.
 */

/** The dashboard page. */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Eddy</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; background: #f6f7f9; }
  header.page { display: flex; align-items: baseline; gap: 1rem; margin: 0 0 1rem; }
  h1 { font-size: 1.3rem; margin: 0; }
  .muted { color: #667; font-size: 12px; }
  #error:empty { display: none; }
  #error { color: #b3261e; background: #fbdad7; padding: .4rem .6rem; border-radius: .3rem; }
  .job, .card { background: #fff; border: 1px solid #e3e6ec; border-radius: .4rem; padding: .8rem 1rem; margin: 0 0 1rem; }
  .job-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .3rem 1rem; }
  h2 { font-size: 1.05rem; margin: 0; overflow-wrap: anywhere; }
  .state { font-weight: 600; font-size: 12px; padding: .05rem .45rem; border-radius: .3rem; background: #eef0f4; }
  .RUNNING { color: #1b7f3b; background: #e3f4e8; } .FAILED, .FAILING { color: #b3261e; background: #fbdad7; }
  .FINISHED { color: #445; } .CANCELED, .CANCELLING, .RESTARTING { color: #7a5d00; background: #fff4cc; }
  dl { display: flex; flex-wrap: wrap; gap: .2rem 1.5rem; margin: .5rem 0 .6rem; }
  dl div { display: flex; gap: .4rem; align-items: baseline; }
  dt { color: #667; font-size: 12px; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-top: 1px solid #e3e6ec; vertical-align: top; }
  th { font-weight: 600; color: #555; font-size: 12px; border-top: 0; }
  td:first-child { min-width: 12rem; }
  @media (max-width: 600px) { body { margin: 1rem; } .job { padding: .6rem; } }
  .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .bp { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: 12px; font-weight: 600; white-space: nowrap; }
  .bp.ok { background: #e3f4e8; color: #1b7f3b; } .bp.low { background: #fff4cc; color: #7a5d00; } .bp.high { background: #fbdad7; color: #b3261e; }
  code { font-size: 12px; color: #555; }
  #login { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; background: #fff; border: 1px solid #e3e6ec; border-radius: .4rem; padding: .8rem 1rem; margin: 0 0 1rem; }
  #login[hidden] { display: none; }
  #login input { font: inherit; padding: .2rem .4rem; min-width: 16rem; }
  #taskmanagers:empty { display: none; }
  .subtasks { font-size: 12px; white-space: nowrap; }
</style>
</head>
<body>
<header class="page"><h1>Eddy jobs</h1><span class="muted" id="updated">Loading…</span></header>
<p id="error" role="alert"></p>
<form id="login" hidden>
  <label for="token">Bearer token</label>
  <input id="token" name="token" type="password" autocomplete="off" required>
  <button type="submit">Show jobs</button>
  <span class="muted" id="login-note" role="status"></span>
</form>
<section class="card" id="taskmanagers" aria-label="TaskManagers"></section>
<main id="jobs"></main>
<script>
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
// Flink's encoding: Long.MIN_VALUE is "no watermark yet", Long.MAX_VALUE the final one.
function watermark(v) {
  if (v === undefined || v.startsWith("-9223372036854775808")) return "none yet";
  if (v === "9223372036854775807") return "end of input";
  const d = new Date(Number(v));
  return isNaN(d.getTime()) ? esc(v) : d.toISOString().slice(11, 23) + " UTC";
}
const TOKEN_KEY = "eddy.token";
/** The API answered 401 or 403: the page needs a (different) token before it can show anything. */
class NeedsToken extends Error {}
async function getJson(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { headers: token ? { authorization: "Bearer " + token } : {} });
  if (res.status === 401) throw new NeedsToken("This server needs a bearer token to show its jobs.");
  if (res.status === 403) throw new NeedsToken("The token was not accepted: enter the server's token.");
  if (!res.ok) throw new Error("GET " + path + ": HTTP " + res.status);
  return res.json();
}
const ENDED = ["FINISHED", "CANCELED", "FAILED"];
async function backpressure(base, v) {
  const bp = await getJson(base + "/vertices/" + encodeURIComponent(v.id) + "/backpressure").catch(() => null);
  if (!bp) return '<span class="muted">unknown</span>';
  const level = bp["backpressure-level"];
  const pct = Math.round(Math.max(0, ...bp.subtasks.map((s) => s.ratio)) * 100);
  return '<span class="bp ' + esc(level) + '" title="busiest subtask backpressured ' + pct + '% of the time">' + esc(level.toUpperCase()) + " · " + pct + "%</span>";
}
const mib = (bytes) => (bytes > 0 ? (bytes / 1048576).toFixed(1) + " MiB" : "–");
async function taskManagersHtml() {
  const { taskmanagers } = await getJson("taskmanagers");
  const details = await Promise.all(taskmanagers.map((tm) => getJson("taskmanagers/" + encodeURIComponent(tm.id))));
  const rows = details.map((tm) => "<tr><td>" + esc(tm.id) + '</td><td class="num">' + int(tm.slotsNumber - tm.freeSlots) + " / " + int(tm.slotsNumber) +
    '</td><td class="num">' + mib(tm.metrics.heapUsed) + " of " + mib(tm.metrics.heapCommitted) + '</td><td class="num">' +
    (Math.max(0, Date.now() - tm.timeSinceLastHeartbeat) / 1000).toFixed(1) + " s ago</td></tr>");
  return '<div class="job-head"><h2>TaskManagers</h2></div><div class="scroll"><table><thead><tr><th>TaskManager</th><th class="num">Slots used</th><th class="num">Heap</th><th class="num">Last heartbeat</th></tr></thead><tbody>' +
    rows.join("") + "</tbody></table></div>";
}
async function jobHtml(job) {
  const base = "jobs/" + encodeURIComponent(job.jid);
  // Rates and backpressure describe a job that runs; once it has ended the last values would mislead.
  const live = !ENDED.includes(job.state);
  const [detail, metrics] = await Promise.all([getJson(base), getJson(base + "/metrics?get=sourceRecordsPerSecond,currentWatermark").catch(() => [])]);
  const metric = Object.fromEntries(metrics.map((m) => [m.id, m.value]));
  const sources = new Set(detail.plan.nodes.filter((n) => !n.inputs).map((n) => n.id));
  const rows = await Promise.all(detail.vertices.map(async (v) => {
    const recordsIn = sources.has(v.id) ? '<span class="muted">source</span>' : int(v.metrics["read-records"]);
    const placement = v.subtasks.map((s) => s.subtask + ": " + esc(s["taskmanager-id"])).join(" · ");
    return '<tr data-vertex="' + esc(v.id) + '"><td>' + esc(v.name) + '</td><td class="num">' + esc(v.parallelism) + '</td><td class="num">' + recordsIn +
      '</td><td class="num">' + int(v.metrics["write-records"]) + "</td><td>" + (live ? await backpressure(base, v) : '<span class="muted">ended</span>') +
      '</td><td class="subtasks">' + placement + "</td></tr>";
  }));
  const id = "job-" + esc(job.jid);
  const rate = !live || metric.sourceRecordsPerSecond === undefined ? "–" : int(Number(metric.sourceRecordsPerSecond)) + " records/s";
  return '<section class="job" data-job="' + esc(job.jid) + '" aria-labelledby="' + id + '"><div class="job-head"><h2 id="' + id + '">' + esc(job.name) +
    '</h2><span class="state ' + esc(job.state) + '">' + esc(job.state) + "</span><code>" + esc(job.jid) + "</code></div>" +
    "<dl><div><dt>Duration</dt><dd>" + duration(job.duration) + "</dd></div><div><dt>Source rate</dt><dd>" + rate +
    "</dd></div><div><dt>Watermark</dt><dd>" + watermark(metric.currentWatermark) + "</dd></div></dl>" +
    '<div class="scroll"><table><thead><tr><th>Vertex</th><th class="num">Parallelism</th><th class="num">Records in</th><th class="num">Records out</th><th>Backpressure</th><th>Subtasks on</th></tr></thead><tbody>' +
    rows.join("") + "</tbody></table></div></section>";
}
let timer;
function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(refresh, ms);
}
const login = document.getElementById("login");
login.addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, login.elements.token.value.trim());
  login.elements.token.value = "";
  document.getElementById("login-note").textContent = "Checking…";
  schedule(0);
});
async function refresh() {
  try {
    const { jobs } = await getJson("jobs/overview");
    jobs.sort((a, b) => b["start-time"] - a["start-time"]);
    const [taskManagers, ...sections] = await Promise.all([taskManagersHtml(), ...jobs.map(jobHtml)]);
    document.getElementById("taskmanagers").innerHTML = taskManagers;
    document.getElementById("jobs").innerHTML = sections.length ? sections.join("") : '<p class="muted">No jobs. Submit one with POST /jobs or eddy submit.</p>';
    document.getElementById("updated").textContent = jobs.length + (jobs.length === 1 ? " job" : " jobs") + " · updated " + new Date().toLocaleTimeString("en-GB");
    document.getElementById("error").textContent = "";
    login.hidden = true;
  } catch (e) {
    if (e instanceof NeedsToken) {
      // Nothing to refresh until a token is entered.
      document.getElementById("jobs").innerHTML = "";
      document.getElementById("taskmanagers").innerHTML = "";
      document.getElementById("updated").textContent = "Needs a token";
      document.getElementById("login-note").textContent = e.message;
      login.hidden = false;
      login.elements.token.focus();
      return;
    }
    document.getElementById("error").textContent = "Could not refresh: " + String(e.message || e);
  }
  // One refresh at a time: a slow server must not pile requests up.
  schedule(1000);
}
refresh();
</script>
</body>
</html>
`;
}
