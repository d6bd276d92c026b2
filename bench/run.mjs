// Runs the benchmark page in Chromium, Firefox and WebKit, then writes
// build/bench-results/results.json, report.html and report.png (Chromium's screenshot),
// and prints every goal with its verdict. Exits non-zero only if something failed to run.
//   node run.mjs --build <cmake build dir> [--engines chromium,firefox,webkit,node]
//                [--out <results dir>] [--quick]
// --quick runs every measurement few times and small (page/plan.js): a check that the
// whole set runs, whose figures mean nothing.
// Node runs the same plan (page/plan.js) with worker_threads baselines (node/run-node.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.mjs';
import { engines } from '../test/browser/engines.mjs';
import { evaluateGoals } from './goals.mjs';
import { renderReport } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const options = { build: resolve(here, '../build'), engines: [...Object.keys(engines), 'node'], out: null, quick: false };
for (const args = process.argv.slice(2); args.length;) {
  const flag = args.shift();
  if (flag === '--build') options.build = resolve(args.shift());
  else if (flag === '--engines') options.engines = args.shift().split(',');
  else if (flag === '--out') options.out = resolve(args.shift());
  else if (flag === '--quick') options.quick = true;
  else { console.error(`unknown option ${flag}`); process.exit(2); }
}
const out = options.out || join(options.build, 'bench-results');
mkdirSync(out, { recursive: true });

let native = null;
try {
  native = JSON.parse(execFileSync(join(options.build, 'demos', 'julia_native'), ['5'], { encoding: 'utf8' }));
} catch (e) {
  console.log(`native julia kernel not run: ${e.message}`);
}

// The plan in a Node process of its own; its last line of output is the JSON result.
function runInNode() {
  const args = ['--build', options.build, '--cores', String(cpus().length), ...(options.quick ? ['--quick'] : [])];
  const child = spawnSync(process.execPath, [join(here, 'node', 'run-node.mjs'), ...args],
                          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600000, maxBuffer: 1 << 26 });
  if (child.status !== 0) throw new Error(`node run failed (${child.error ? child.error.message : 'exit ' + child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

const server = await startServer([
  { prefix: '/vendor/comlink/', dir: join(here, 'node_modules/comlink/dist/umd') },
  { prefix: '/vendor/workerpool/', dir: join(here, 'node_modules/workerpool/dist') },
  { prefix: '/', dir: join(here, 'page') },
  { prefix: '/', dir: join(options.build, 'bench') },
], 0, { cache: true });
// The machine's cores, not what an engine reports (WebKitGTK says 4 on 2 cores).
const cores = cpus().length;
const data = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0].model, memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
             os: `${type()} ${release()}`, node: process.version },
  native, quick: options.quick, params: null, engines: {},
};
let failures = 0;
// Chromium measures memory only in a cross-origin isolated page (page/memory.js).
async function isolatedMemory(engine) {
  await engine.open(`${server.url}/isolated/memory.html`);
  for (const deadline = Date.now() + 120000; Date.now() < deadline;) {
    const m = JSON.parse(await engine.evaluate('JSON.stringify(window.memoryResult || null)'));
    if (m && m.done) {
      if (m.error) throw new Error(`memory page: ${m.error}`);
      return m.value;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error('the memory page did not finish within 120 s');
}
try {
  for (const name of options.engines) {
    const started = Date.now();
    let engine;
    try {
      if (name === 'node') {
        const run = runInNode();
        data.params = data.params || run.params;
        data.engines.node = { version: run.version, results: run.results, goals: evaluateGoals(run.results, native) };
      } else {
        engine = await engines[name]();
        await engine.open(`${server.url}/index.html?cores=${cores}${options.quick ? '&quick=1' : ''}`);
        let bench = null;
        for (const deadline = Date.now() + 600000; Date.now() < deadline;) {
          bench = JSON.parse(await engine.evaluate('JSON.stringify(window.bench || null)'));
          if (bench && bench.done) break;
          await new Promise(r => setTimeout(r, 1000));
        }
        if (!bench || !bench.done) throw new Error('the benchmark page did not finish within 600 s');
        if (bench.error) throw new Error(bench.error);
        if (name === 'chromium') bench.results.memory.measured_per_thread = await isolatedMemory(engine);
        data.params = bench.params;
        data.engines[name] = { version: engine.version, results: bench.results, goals: evaluateGoals(bench.results, native) };
      }
    } catch (e) {
      failures++;
      data.engines[name] = { version: engine && engine.version, error: e.message };
    } finally {
      if (engine) await engine.close().catch(() => {});
    }
    console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s${data.engines[name].error ? ' FAILED: ' + data.engines[name].error : ''}`);
  }
} finally {
  await server.close();
}

writeFileSync(join(out, 'results.json'), JSON.stringify(data, null, 2));
writeFileSync(join(out, 'report.html'), renderReport(data));
console.log('');
for (const [name, e] of Object.entries(data.engines)) {
  for (const g of e.goals || []) console.log(`${name.padEnd(9)} ${(g.met ? 'met   ' : 'MISSED')} ${g.value.padStart(14)}  ${g.goal} (${g.detail})`);
}
try {
  const shooter = await engines.chromium();
  const report = await startServer([{ prefix: '/', dir: out }]);
  await shooter.open(`${report.url}/report.html`);
  await shooter.screenshot(join(out, 'report.png'));
  await shooter.close();
  await report.close();
} catch (e) {
  failures++;
  console.log(`no screenshot of the report: ${e.message}`);
}
console.log(`\nresults: ${join(out, 'results.json')}\nreport: ${join(out, 'report.html')} (and report.png)`);
process.exit(failures ? 1 : 0);
