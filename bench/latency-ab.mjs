// A/B of a plain call's cost in every engine: two builds' bench programs, each on its
// own page, alternately (A B A B ...) in the same browser, and in Node. Each page
// measures wasm_mt calls and the raw echo on the same threads (page/latency.js). Prints,
// per engine and build, the medians of its pages: µs per call, per raw echo, and what
// wasm_mt adds; then B's added cost over A's.
//   node bench/latency-ab.mjs --a <build dir> --b <build dir> [--engines chromium,firefox,webkit,node] [--pages 3]
//        [--paired [--rounds 61] [--calls 500]]
// With --paired, each browser page holds both builds (latency-paired.html) and alternates
// short rounds of A and B on one main thread, so that a page's own speed cancels out:
// it prints the median of the rounds' B - A differences with a 95% interval (the order
// statistics of a sign test), for the call, for the raw echo (the same JS in both: how
// finely the instrument sees) and for what wasm_mt adds. Node keeps processes alternated.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.mjs';
import { engines } from '../test/browser/engines.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const options = { a: null, b: null, engines: [...Object.keys(engines), 'node'], pages: 3, paired: false, query: '' };
for (const args = process.argv.slice(2); args.length;) {
  const flag = args.shift();
  if (flag === '--a') options.a = resolve(args.shift());
  else if (flag === '--b') options.b = resolve(args.shift());
  else if (flag === '--engines') options.engines = args.shift().split(',');
  else if (flag === '--pages') options.pages = Number(args.shift());
  else if (flag === '--paired') options.paired = true;
  else if (flag === '--rounds' || flag === '--calls') options.query += `&${flag.slice(2)}=${Number(args.shift())}`;
  else { console.error(`unknown option ${flag}`); process.exit(2); }
}
if (!options.a || !options.b) {
  console.error('usage: node bench/latency-ab.mjs --a <build dir> --b <build dir>');
  process.exit(2);
}
const builds = { A: options.a, B: options.b };
const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];

async function pageRun(engine, url) {
  await engine.open(url);
  for (const deadline = Date.now() + 120000; Date.now() < deadline;) {
    const r = JSON.parse(await engine.evaluate('JSON.stringify(window.latencyResult || null)'));
    if (r && r.done) {
      if (r.error) throw new Error(r.error);
      return r;
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error('the latency page did not finish within 120 s');
}

// The median of `diffs` and the 95% interval of the sign test's order statistics.
function medianInterval(diffs) {
  const sorted = [...diffs].sort((x, y) => x - y);
  const n = sorted.length;
  const k = Math.max(0, Math.floor(n / 2 - 0.98 * Math.sqrt(n)));
  return { median: sorted[n >> 1], low: sorted[k], high: sorted[n - 1 - k], n };
}
const interval = (m) => `${m.median >= 0 ? '+' : ''}${m.median.toFixed(2)} µs [${m.low.toFixed(2)}, ${m.high.toFixed(2)}]`;

async function pairedEngine(name) {
  const engine = await engines[name]();
  const diffs = { call: [], echo: [], added: [] };
  const calls = { A: [], B: [] };
  try {
    for (let page = 0; page < options.pages; page++) {
      const r = await pageRun(engine, `${server.url}/isolated/A/latency-paired.html?swap=${page % 2}${options.query}`);
      const pageAdded = [];
      for (let i = 0; i < r.rounds; i++) {
        const a = { call: r.seen.A.call[i], echo: r.seen.A.echo[i] };
        const b = { call: r.seen.B.call[i], echo: r.seen.B.echo[i] };
        calls.A.push(a.call);
        calls.B.push(b.call);
        diffs.call.push(b.call - a.call);
        diffs.echo.push(b.echo - a.echo);
        diffs.added.push((b.call - b.echo) - (a.call - a.echo));
        pageAdded.push(diffs.added.at(-1));
      }
      console.log(`${name.padEnd(9)} page ${page} (${page % 2 ? 'B' : 'A'} first): A call ${median(r.seen.A.call).toFixed(1)} µs, ` +
                  `B call ${median(r.seen.B.call).toFixed(1)} µs, B - A added ${interval(medianInterval(pageAdded))}`);
    }
  } finally {
    await engine.close().catch(() => {});
  }
  console.log(`${name.padEnd(9)} paired rounds: ${diffs.call.length} (${options.pages} pages); call A ${median(calls.A).toFixed(1)} µs, B ${median(calls.B).toFixed(1)} µs`);
  for (const what of ['call', 'echo', 'added']) {
    console.log(`${name.padEnd(9)} B - A ${what.padEnd(5)} ${interval(medianInterval(diffs[what]))}`);
  }
}

function nodeRun(build) {
  const child = spawnSync(process.execPath, [join(here, 'node', 'latency.mjs'), '--build', build], { encoding: 'utf8' });
  const m = /wasm_mt (-?[\d.]+) µs, raw echo (-?[\d.]+) µs, wasm_mt adds (-?[\d.]+) µs/.exec(child.stdout || '');
  if (!m) throw new Error(`node latency run failed: ${child.stderr || child.stdout}`);
  return { call: Number(m[1]), echo: Number(m[2]), added: Number(m[3]) };
}

const server = await startServer([
  { prefix: '/A/', dir: join(here, 'page') },
  { prefix: '/A/', dir: join(options.a, 'bench') },
  { prefix: '/B/', dir: join(here, 'page') },
  { prefix: '/B/', dir: join(options.b, 'bench') },
], 0, { cache: true });
let failed = false;
try {
  for (const name of options.engines) {
    if (options.paired && name !== 'node') {
      try {
        await pairedEngine(name);
      } catch (e) {
        failed = true;
        console.log(`${name}: FAILED: ${e.message}`);
      }
      continue;
    }
    const runs = { A: [], B: [] };
    let engine = null;
    try {
      if (name !== 'node') engine = await engines[name]();
      for (let page = 0; page < options.pages; page++) {
        for (const which of ['A', 'B']) {
          runs[which].push(name === 'node' ? nodeRun(builds[which]) : await pageRun(engine, `${server.url}/${which}/latency.html`));
        }
      }
    } catch (e) {
      failed = true;
      console.log(`${name}: FAILED: ${e.message}`);
      continue;
    } finally {
      if (engine) await engine.close().catch(() => {});
    }
    const summary = {};
    for (const which of ['A', 'B']) {
      summary[which] = Object.fromEntries(['call', 'echo', 'added'].map((k) => [k, median(runs[which].map((r) => r[k]))]));
      const s = summary[which];
      console.log(`${name.padEnd(9)} ${which} ${builds[which]}: call ${s.call.toFixed(1)} µs, raw echo ${s.echo.toFixed(1)} µs, ` +
                  `wasm_mt adds ${s.added.toFixed(1)} µs, call/echo ${(s.call / s.echo).toFixed(2)}x`);
    }
    console.log(`${name.padEnd(9)} B adds ${(summary.B.added - summary.A.added).toFixed(1)} µs more than A per call ` +
                `(medians of ${options.pages} pages each, alternated)`);
  }
} finally {
  await server.close();
}
process.exit(failed ? 1 : 0);
