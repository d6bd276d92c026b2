// The benchmark command as a test: `bench/run.mjs --quick` must run every measurement in
// Chromium, Firefox, WebKit and Node, and write its results, report and screenshot. The
// figures are not judged (benchmarks, not tests); that each one was measured is. So the
// engines run in two halves side by side (two bench/run.mjs, each with its own server
// and results directory): the figures suffer from sharing the cores, the check does not.
//   node test/bench-smoke.mjs --build <cmake build dir>
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const build = resolve(args[0] === '--build' ? args[1] : join(here, '..', 'build'));
const halves = [['chromium', 'webkit'], ['firefox', 'node']];  // (about 105 s of quick runs each, alone)

// Runs bench/run.mjs --quick for `engines` into `out`; resolves with its exit status.
function runHalf(engines, out) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(here, '..', 'bench', 'run.mjs'), '--build', build, '--out', out, '--quick',
                                           '--engines', engines.join(',')], { stdio: 'inherit' });
    const timer = setTimeout(() => child.kill(), 600000);
    child.on('error', (e) => { clearTimeout(timer); done(e.message); });
    child.on('exit', (code, signal) => { clearTimeout(timer); done(signal || code); });
  });
}

const problems = [];
const outs = halves.map((engines) => join(build, 'bench-smoke', engines.join('-')));
const statuses = await Promise.all(halves.map((engines, i) => runHalf(engines, outs[i])));
statuses.forEach((status, i) => {
  if (status !== 0) problems.push(`bench/run.mjs --quick --engines ${halves[i].join(',')} exited with ${status}`);
});

// Every summary ({median, min, max, samples}) under `value`, with its path.
function summaries(value, path, found = []) {
  if (value && typeof value === 'object') {
    if ('median' in value && 'samples' in value) found.push([path, value]);
    else for (const [key, inner] of Object.entries(value)) summaries(inner, `${path}.${key}`, found);
  }
  return found;
}

// The checks of one half's results directory.
function checkHalf(engines, out) {
  const resultsFile = join(out, 'results.json');
  if (!existsSync(resultsFile)) {
    problems.push(`no ${resultsFile}`);
  } else {
    const data = JSON.parse(readFileSync(resultsFile, 'utf8'));
    if (!data.quick) problems.push('results.json does not say it is a quick run');
    if (!data.native || !(data.native.ms > 0)) problems.push('the native julia kernel was not measured');
    for (const name of engines) {
      const engine = data.engines[name];
      if (!engine) { problems.push(`${name}: not run`); continue; }
      if (engine.error) { problems.push(`${name}: ${engine.error}`); continue; }
      const r = engine.results;
      for (const section of ['latency', 'thread_start', 'throughput', 'julia', 'payloads', 'json_payload', 'small_structs', 'send_cost', 'memory', 'control'])
        if (!r[section]) problems.push(`${name}: no ${section} results`);
      const measured = summaries(r, name);
      if (measured.length < 20) problems.push(`${name}: only ${measured.length} measurements`);
      // (0 is a reading: Firefox and WebKit clocks tick in 1 ms steps on these pages.)
      for (const [path, s] of measured)
        if (!(Number.isFinite(s.median) && s.median >= 0)) problems.push(`${path}: median ${s.median}`);
      if (!(r.memory && r.memory.wasm_heap_per_thread_bytes > 0)) problems.push(`${name}: no wasm heap per thread`);
      if (!engine.goals || engine.goals.length < 8) problems.push(`${name}: ${engine.goals ? engine.goals.length : 0} goals evaluated`);
      if (name === 'node')  // the JS pools only Node runs, in all three sections
        for (const pool of ['piscina', 'tinypool'])
          if (!(r.latency && r.latency[pool] && r.throughput && r.throughput[pool] && r.julia && r.julia.tiled_js_pools &&
                r.julia.tiled_js_pools[pool]))
            problems.push(`node: ${pool} missing from latency, throughput or julia`);
    }
    const memory = data.engines.chromium && data.engines.chromium.results && data.engines.chromium.results.memory;
    if (engines.includes('chromium') && !(memory && memory.measured_per_thread && memory.measured_per_thread.wasm_mt.total_bytes > 0))
      problems.push('chromium: no measured memory per thread');

    const report = existsSync(join(out, 'report.html')) ? readFileSync(join(out, 'report.html'), 'utf8') : '';
    if (!report.includes('A quick run')) problems.push('report.html is missing or does not say it is a quick run');
    for (const name of engines) if (!report.includes(`<h3>${name} `)) problems.push(`report.html has no ${name} results`);
    const png = existsSync(join(out, 'report.png')) ? readFileSync(join(out, 'report.png')) : Buffer.alloc(0);
    if (png.length < 10000 || png.toString('latin1', 1, 4) !== 'PNG') problems.push(`report.png is missing or not a screenshot (${png.length} bytes)`);
  }
}
outs.forEach((out, i) => checkHalf(halves[i], out));

for (const problem of problems) console.log(`bench smoke: FAILED: ${problem}`);
console.log(`bench smoke: ${problems.length ? 'failed' : 'passed'} (${outs.join(', ')})`);
process.exit(problems.length ? 1 : 0);
