/**
 * `GET /`: a one-page dashboard (plain HTML and JS, no build step) listing jobs with their state
 * and each vertex's backpressure, refreshed every second from the API.
 */

/** The dashboard page. */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Eddy</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
  th { font-weight: 600; color: #555; }
  .state { font-weight: 600; }
  .RUNNING { color: #1b7f3b; } .FAILED, .FAILING { color: #b3261e; } .FINISHED { color: #445; } .CANCELED, .CANCELLING { color: #8a6d00; }
  .bp { display: inline-block; padding: 0 .4rem; border-radius: .3rem; margin: 0 .3rem .2rem 0; font-size: 12px; }
  .bp.ok { background: #e3f4e8; } .bp.low { background: #fff4cc; } .bp.high { background: #fbdad7; }
  #error { color: #b3261e; }
  code { font-size: 12px; color: #555; }
</style>
</head>
<body>
<h1>Eddy jobs</h1>
<p id="error"></p>
<table>
  <thead><tr><th>Job</th><th>State</th><th>Duration</th><th>Backpressure per vertex</th></tr></thead>
  <tbody id="jobs"><tr><td colspan="4">Loading…</td></tr></tbody>
</table>
<script>
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const seconds = (ms) => (ms < 0 ? "-" : (ms / 1000).toFixed(0) + " s");
async function getJson(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(path + ": " + res.status);
  return res.json();
}
async function refresh() {
  try {
    const { jobs } = await getJson("jobs/overview");
    const rows = await Promise.all(jobs.map(async (job) => {
      const detail = await getJson("jobs/" + job.jid);
      const levels = await Promise.all(detail.vertices.map(async (v) => {
        const bp = await getJson("jobs/" + job.jid + "/vertices/" + v.id + "/backpressure").catch(() => null);
        const level = bp ? bp["backpressure-level"] : "?";
        return '<span class="bp ' + esc(level) + '" data-vertex="' + esc(v.id) + '">' + esc(v.name) + ": " + esc(level.toUpperCase()) + "</span>";
      }));
      return '<tr data-job="' + esc(job.jid) + '"><td>' + esc(job.name) + "<br><code>" + esc(job.jid) + "</code></td>" +
        '<td class="state ' + esc(job.state) + '">' + esc(job.state) + "</td><td>" + seconds(job.duration) + "</td><td>" + levels.join("") + "</td></tr>";
    }));
    document.getElementById("jobs").innerHTML = rows.length ? rows.join("") : '<tr><td colspan="4">No jobs. Submit one with POST /jobs or eddy submit.</td></tr>';
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = String(e.message || e);
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
}
