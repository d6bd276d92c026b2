// Runs wasm_mt's Catch2 test program in Chromium, Firefox and WebKit: one test list,
// three engines. Prints a table (test x engine), the details of each failure with the
// page's console, and ends with "browsers: N passed, N failed". Exits non-zero on any
// failure, including an engine that cannot start.
// The demo pages (demos.mjs) are checked the same way, in every engine.
//   node run.mjs --build <cmake build dir> [--engines chromium,firefox,webkit] [--only <regex>]
// --only keeps the rows whose name matches (a quick re-run; CI runs them all).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoChecks } from './demos.mjs';
import { appCheck, noBlobPolicy, setupChecks } from './setups.mjs';
import { startDevServers } from './dev-servers.mjs';
import { readmeCheck } from './readme.mjs';
import { engines } from './engines.mjs';
import { startServer } from '../../scripts/serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const options = { build: resolve(here, '../../build'), engines: Object.keys(engines), only: null };
for (let i = 2; i < process.argv.length; i += 2) {
  const [flag, value] = [process.argv[i], process.argv[i + 1]];
  if (flag === '--build') options.build = resolve(value);
  else if (flag === '--engines') options.engines = value.split(',');
  else if (flag === '--only') options.only = new RegExp(value);
  else { console.error(`unknown option ${flag}`); process.exit(2); }
}
const testDir = join(options.build, 'test');
const program = 'wasm_mt_tests.js';
const pageTimeoutMs = 300000;

// Each suite is the test program on one page, run with a Catch2 test spec.
const suites = [
  { name: '', page: '/harness.html', spec: '~[csp]~[node],[browser]' },
  { name: 'csp: ', page: '/csp/harness.html', spec: '[csp],[closures]' },
];

// The test names a spec selects, from the same program under Node. (Catch2 v2 exits
// with the number of tests it listed.)
function listTests(spec) {
  const listing = spawnSync('node', [program, '--list-test-names-only', spec], { cwd: testDir, encoding: 'utf8' });
  if (listing.error || listing.signal) throw new Error(`cannot list the tests of ${join(testDir, program)}: ${listing.error || listing.signal}`);
  return listing.stdout.split('\n').map(line => line.trim()).filter(Boolean);
}

const decode = text => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&apos;/g, "'").replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
  .replace(/&amp;/g, '&');

// Test case name -> {ok, details} from Catch2's XML report (complete test cases only).
function parseReport(xml) {
  const results = new Map();
  const testCase = /<TestCase name="([^"]*)"[^>]*>([\s\S]*?)<OverallResult success="(true|false)"/g;
  for (const [, name, body, success] of xml.matchAll(testCase)) {
    const details = [];
    for (const [, attrs, inner] of body.matchAll(/<Expression success="false"([^>]*)>([\s\S]*?)<\/Expression>/g)) {
      const line = (attrs.match(/line="(\d+)"/) || [])[1];
      const original = (inner.match(/<Original>([\s\S]*?)<\/Original>/) || [])[1] || '';
      const expanded = (inner.match(/<Expanded>([\s\S]*?)<\/Expanded>/) || [])[1] || '';
      details.push(`line ${line}: ${decode(original.trim())}\n    with: ${decode(expanded.trim())}`);
    }
    for (const [, tag, text] of body.matchAll(/<(Failure|FatalErrorCondition|Exception)[^>]*>([\s\S]*?)<\/\1>/g)) {
      details.push(`${tag}: ${decode(text.trim())}`);
    }
    results.set(decode(name), { ok: success === 'true', details });
  }
  return results;
}

// Polls `global` (window.wasmMtTestRun, window.demo) until its `done`; returns it.
async function waitFor(engine, global, timeoutMs = pageTimeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await engine.evaluate(`!!(window.${global} && window.${global}.done)`)) break;
    await new Promise(r => setTimeout(r, 250));
  }
  return JSON.parse(await engine.evaluate(`JSON.stringify(window.${global} || null)`));
}

// A demo page, or a setup page (setups.mjs): both leave window.demo.
async function runDemo(engine, server, demo) {
  if (demo.unavailable) return { ok: false, details: [demo.unavailable] };
  if (demo.before) demo.before(server);
  await engine.open(demo.url || server.url + demo.path);
  const page = await waitFor(engine, 'demo', 120000);
  if (!page || !page.done) return { ok: false, details: ['the page did not finish within 120 s', ...(page ? [JSON.stringify(page.results).slice(0, 2000)] : [])] };
  if (demo.screenshot && engine.name === 'chromium') {
    await engine.screenshot(join(resultsDir, `${demo.screenshot}-${engine.name}.png`));
  }
  const problems = page.error ? [`the page failed: ${page.error}`] : demo.check(page.results, server);
  return { ok: problems.length === 0, details: problems };
}

async function runEngine(name, server, expected, cells) {
  let engine;
  const fail = (test, message) => cells.set(`${test}\u0000${name}`, { ok: false, details: [message] });
  try {
    engine = await engines[name]();
  } catch (e) {
    for (const test of expected) fail(test, `${name} did not start: ${e.message}`);
    return null;
  }
  try {
    for (const suite of suites.filter(suite => suite.tests.length)) {
      // A hung case fails after 30 s, so several fit in the page's time.
      const args = ['-r', 'xml', '--case-timeout', '30000', suite.spec];
      const url = `${server.url}${suite.page}?program=${program}&args=${encodeURIComponent(JSON.stringify(args))}`;
      let run;
      try {
        await engine.open(url);
        run = (await waitFor(engine, 'wasmMtTestRun')) || { done: false, stdout: [], console: [], errors: ['the harness did not start'] };
      } catch (e) {
        run = { done: false, stdout: [], console: [], errors: [`page failed: ${e.message}`] };
      }
      const report = parseReport(run.stdout.join('\n'));
      const context = [...run.errors.map(e => `page error: ${e}`), ...run.console.slice(-40)];
      for (const test of suite.tests) {
        const result = report.get(test.slice(suite.name.length));
        if (!result) fail(test, run.done ? 'not reported by the test program' : `did not finish within ${pageTimeoutMs / 1000} s`);
        else cells.set(`${test}\u0000${name}`, result.ok ? result : { ok: false, details: [...result.details, ...context] });
      }
    }
    for (const demo of demos) {
      try {
        cells.set(`${demo.name}\u0000${name}`, await runDemo(engine, server, demo));
      } catch (e) {
        fail(demo.name, `page failed: ${e.message}`);
      }
    }
    return engine.version;
  } finally {
    await engine.close().catch(() => {});
  }
}

const resultsDir = join(options.build, 'test-results');
mkdirSync(resultsDir, { recursive: true });
const readme = readmeCheck(join(here, '..', '..'), options.build);
const mounts = [
  { prefix: '/demos/', dir: join(options.build, 'demos') },
  { prefix: '/readme/', dir: readme.dir },
  { prefix: '/vite/', dir: join(options.build, 'examples', 'vite', 'dist') },
  { prefix: '/webpack/', dir: join(options.build, 'examples', 'webpack', 'dist') },
  // The same app without a bundler: examples/vite as is, the build's wasm/ beside it.
  { prefix: '/plain/wasm/', dir: join(options.build, 'examples', 'vite', 'wasm') },
  { prefix: '/plain/', dir: join(here, '..', '..', 'examples', 'vite') },
  { prefix: '/bridge/', dir: join(testDir, 'bridge') },
  { prefix: '/bridge/', dir: join(here, '..', 'bridge') },
  { prefix: '/setups/', dir: join(testDir, 'setups') },
  { prefix: '/setups/', dir: join(here, '..', 'setups', 'pages') },
  { prefix: '/', dir: testDir },
  { prefix: '/', dir: here },
];
// A second origin (another port) serving the same files to every origin, as a CDN.
const cdn = await startServer(mounts, 0, { cors: true });
const server = await startServer(mounts, 0, { policies: { '/csp-noblob/': noBlobPolicy(cdn.url) } });
const selected = name => !options.only || options.only.test(name);
let devServers = { checks: () => [], close: () => {} };
const cells = new Map();
const versions = {};
let expected, demos;
try {
  devServers = await startDevServers(join(here, '..', '..'), options.build, selected);
  demos = [...demoChecks(options.build), ...setupChecks(cdn.url), ...devServers.checks(appCheck), readme.check]
    .filter(d => selected(d.name));
  for (const suite of suites) suite.tests = listTests(suite.spec).map(test => suite.name + test).filter(selected);
  expected = [...suites.flatMap(suite => suite.tests), ...demos.map(d => d.name)];
  for (const name of options.engines) {
    const started = Date.now();
    versions[name] = await runEngine(name, server, expected, cells);
    console.log(`${name} ${versions[name] || '(did not start)'}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  await server.close();
  await cdn.close();
  devServers.close();
}

const width = Math.min(90, Math.max(...expected.map(t => t.length)));
const cell = (test, name) => cells.get(`${test}\u0000${name}`);
console.log('\n' + 'test'.padEnd(width) + options.engines.map(n => n.padStart(10)).join(''));
let passed = 0;
let failed = 0;
for (const test of expected) {
  const marks = options.engines.map(name => {
    const result = cell(test, name);
    if (result && result.ok) passed++; else failed++;
    return (result && result.ok ? 'pass' : 'FAIL').padStart(10);
  });
  console.log((test.length > width ? test.slice(0, width - 1) + '…' : test.padEnd(width)) + marks.join(''));
}
for (const test of expected) {
  for (const name of options.engines) {
    const result = cell(test, name);
    if (result && result.ok) continue;
    console.log(`\nFAILED in ${name}: ${test}`);
    for (const line of (result ? result.details : ['no result'])) console.log('  ' + line);
  }
}
const resultsFile = join(resultsDir, 'browsers.json');
writeFileSync(resultsFile, JSON.stringify({ versions, tests: expected, results: Object.fromEntries(cells) }, null, 2));
console.log(`\nresults: ${resultsFile}`);
console.log(`browsers: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
