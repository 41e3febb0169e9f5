/**
 * `GET /`: the dashboard, one page served by the API with its styles and script inline (nothing
 * is loaded from elsewhere, so it works offline). It lists the jobs and the TaskManagers with
 * their slots, and per job draws the graph of vertices and edges (ship strategy, parallelism,
 * backpressure colour, busy time), the source records per second over the last minutes, the
 * vertices' records and where their subtasks run, the checkpoint history, the exceptions with
 * their root cause and each subtask's watermarks; buttons cancel a job, take a savepoint or stop
 * it with one. It refreshes every second. On a server with a token, the page asks for it and
 * keeps it in the tab's sessionStorage (gone when the tab closes), and every API call sends it as
 * `Authorization: Bearer <token>`.
 */
import { DASHBOARD_SCRIPT } from "./dashboard-script.ts";

const STYLES = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; background: #f6f7f9; }
  header.page { display: flex; align-items: baseline; gap: 1rem; margin: 0 0 1rem; }
  h1 { font-size: 1.3rem; margin: 0; }
  h3 { font-size: .95rem; margin: 1rem 0 .3rem; }
  .muted { color: #667; font-size: 12px; }
  #error:empty { display: none; }
  #error { color: #b3261e; background: #fbdad7; padding: .4rem .6rem; border-radius: .3rem; }
  .job, .card { background: #fff; border: 1px solid #e3e6ec; border-radius: .4rem; padding: .8rem 1rem; margin: 0 0 1rem; }
  .job-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .3rem 1rem; }
  h2 { font-size: 1.05rem; margin: 0; overflow-wrap: anywhere; }
  .state { font-weight: 600; font-size: 12px; padding: .05rem .45rem; border-radius: .3rem; background: #eef0f4; }
  .RUNNING { color: #1b7f3b; background: #e3f4e8; } .FAILED, .FAILING { color: #b3261e; background: #fbdad7; }
  .FINISHED { color: #445; } .CANCELED, .CANCELLING, .RESTARTING { color: #7a5d00; background: #fff4cc; }
  .actions { margin-left: auto; display: flex; gap: .4rem; }
  button { font: inherit; font-size: 12px; padding: .2rem .6rem; border: 1px solid #c5cad5; border-radius: .3rem; background: #fff; cursor: pointer; }
  button:disabled { color: #99a; cursor: default; }
  button.danger:not(:disabled) { color: #b3261e; border-color: #e5a29c; }
  .note:empty { display: none; }
  .note { font-size: 12px; background: #eef3fc; padding: .3rem .5rem; border-radius: .3rem; overflow-wrap: anywhere; }
  dl { display: flex; flex-wrap: wrap; gap: .2rem 1.5rem; margin: .5rem 0 .6rem; }
  dl div { display: flex; gap: .4rem; align-items: baseline; }
  dt { color: #667; font-size: 12px; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-top: 1px solid #e3e6ec; vertical-align: top; }
  th { font-weight: 600; color: #555; font-size: 12px; border-top: 0; }
  td:first-child { min-width: 8rem; }
  @media (max-width: 600px) { body { margin: 1rem; } .job { padding: .6rem; } }
  .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .bp { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: 12px; font-weight: 600; white-space: nowrap; }
  .bp.ok { background: #e3f4e8; color: #1b7f3b; } .bp.low { background: #fff4cc; color: #7a5d00; } .bp.high { background: #fbdad7; color: #b3261e; }
  .cp { font-size: 12px; font-weight: 600; } .cp.COMPLETED { color: #1b7f3b; } .cp.FAILED { color: #b3261e; } .cp.IN_PROGRESS { color: #7a5d00; }
  code { font-size: 12px; color: #555; }
  svg.graph { display: block; margin: .4rem 0; font-size: 12px; }
  svg.graph .name { font-weight: 600; fill: #1d2330; } svg.graph .facts { fill: #445; } svg.graph .ship { fill: #556; font-size: 11px; }
  .rate-chart { margin: .2rem 0 .6rem; } .rate-chart svg { background: #f6f8fc; border-radius: .3rem; display: block; }
  figcaption { font-size: 12px; color: #556; }
  .panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 1.5rem; }
  .root-exception { color: #b3261e; overflow-wrap: anywhere; margin: .2rem 0; }
  ol.exceptions { margin: 0; padding-left: 1.2rem; font-size: 12px; } ol.exceptions li { margin: 0 0 .4rem; }
  pre { white-space: pre-wrap; font-size: 11px; background: #f6f7f9; padding: .4rem; max-height: 16rem; overflow: auto; }
  #login { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; background: #fff; border: 1px solid #e3e6ec; border-radius: .4rem; padding: .8rem 1rem; margin: 0 0 1rem; }
  #login[hidden] { display: none; }
  #login input { font: inherit; padding: .2rem .4rem; min-width: 16rem; }
  #taskmanagers:empty, #job-list:empty { display: none; }
  #job-list { display: flex; flex-wrap: wrap; gap: .3rem 1rem; list-style: none; padding: 0; margin: 0 0 1rem; }
  .subtasks { font-size: 12px; white-space: nowrap; }
`;

/** The dashboard page. */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Eddy</title>
<link rel="icon" href="data:,">
<style>${STYLES}</style>
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
<nav aria-label="Jobs"><ul id="job-list"></ul></nav>
<section class="card" id="taskmanagers" aria-label="TaskManagers"></section>
<main id="jobs"></main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
