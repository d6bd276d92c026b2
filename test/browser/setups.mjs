// The setup program (test/setups/setup.cpp) on the pages users put it on: a classic
// script (a Release and a Debug build), MODULARIZE and ES module factories, a web-only
// build, preloaded data, a script from another origin (a CDN), inside the app's own worker. Each page leaves what the
// program saw in window.demo.results (test/setups/pages/page.js); check(results, server)
// returns the problems found. `other`: the second origin (a CDN) the pages load from.
const same = (label, actual, expected) =>
  JSON.stringify(actual) === JSON.stringify(expected) ? [] : [`${label}: expected ${JSON.stringify(expected)}, page shows ${JSON.stringify(actual)}`];

// What every setup must have seen (as test/setups/run.cjs checks under Node).
function saw(results, { data = false } = {}) {
  const seen = results.seen || {};
  return [
    ...same('error', seen.error, undefined),
    ...same('a closure on a thread', seen.add, 42),
    ...same('the worker', seen.worker, { has_data: false, in_worker: true, label: 'setup' }),
    ...same('a thread of a thread', seen.nested, 5),
    ...same('a pool', seen.pool, 3),
    ...same('a request stopped while its thread starts', seen.stopped_while_starting, 'cancelled, not run'),
    ...same('that thread, after the stop', seen.after_the_stop, 4),
    ...same('preloaded data on the main thread', seen.main_data, data ? 'hello from the data package' : ''),
    ...same("the worker's print reached Module.print", (results.lines || []).includes('printed by the worker'), true),
  ];
}

// What the example app (examples/vite: app.cpp, ui.js) must show, bundled, under a dev
// server or as plain modules: a job started from JS, its progress, one cancelled.
export const appCheck = r => [...same('error', r.error, undefined), ...same('primes below 200000', r.primes_below_200000, 17984),
                              ...(/^primes-[0-3]$/.test(r.label || '') ? [] : [`a pool thread's label: ${JSON.stringify(r.label)}`]),
                              ...(r.progress_events >= 8 ? [] : [`progress events: ${r.progress_events}`]),
                              ...same('a count cancelled from JS', r.cancelled, 'cancelled')];

export function setupChecks(other) {
  // The example app, bundled by Vite and by webpack (scripts/env.sh, wasm_mt_bundle_examples).
  const app = appCheck;
  const bundled = [
    { name: 'example: an app bundled by Vite', path: '/vite/', check: app },
    { name: 'example: an app bundled by webpack', path: '/webpack/', check: app },
    { name: 'example: the app as plain ES modules (no bundler)', path: '/plain/plain.html', check: app },
  ];
  const data = '/setups/setup_preload.data';
  let dataRequests = 0;
  return [
    ...bundled,
    { name: 'bridge: a page drives C++ (wasm_mt/js.hpp: promises, AbortSignal, progress, async iterators)',
      path: '/bridge/page.html', check: r => r.problems || ['no result'] },
    { name: 'setup: a classic <script>', path: '/setups/classic.html', check: r => saw(r) },
    { name: 'setup: a Debug build (-O0, ASSERTIONS=2)', path: '/setups/debug.html', check: r => saw(r) },
    { name: 'setup: -sENVIRONMENT=web,worker', path: '/setups/web.html', check: r => saw(r) },
    { name: 'setup: -sMODULARIZE (a UMD factory)', path: '/setups/modularize.html', check: r => saw(r) },
    { name: 'setup: -sEXPORT_ES6 (module workers)', path: '/setups/es6.html', check: r => saw(r) },
    { name: 'setup: --preload-file, not loaded again by workers', path: '/setups/preload.html',
      before: server => { dataRequests = server.requests(data); },
      check: (r, server) => [...saw(r, { data: true }), ...same('requests for the data package', server.requests(data) - dataRequests, 1)] },
    { name: 'setup: the script on another origin (blob: worker)', path: `/setups/cross-origin.html?other=${other}`, check: r => saw(r) },
    { name: 'setup: an ES module on another origin', path: `/setups/cross-origin-es6.html?other=${other}`, check: r => saw(r) },
    { name: "setup: inside the app's own worker", path: '/setups/app-worker.html', check: r => saw(r) },
    ...['classic', 'modularize', 'es6'].flatMap(build => ['missing', 'bad'].map(wasm => ({
      name: `setup: ${build}, its wasm ${wasm === 'bad' ? 'not wasm' : 'a 404'}: the start fails with the reason`,
      path: `/setups/load-failure.html?build=${build}&wasm=${wasm}`,
      check: r => {
        const failure = r.failure || {};
        const how = build === 'classic' ? 'onAbort' : 'rejected';
        return failure.how === how && failure.message.includes(failure.wasm) && /cannot load/.test(failure.message) ? []
          : [`expected ${how} with a reason naming ${failure.wasm || 'the wasm'}, saw ${JSON.stringify(r)}`];
      },
    }))),
    { name: 'setup: another origin under a CSP without blob: workers fails clearly', path: `/csp-noblob/setups/cross-origin-no-blob.html?other=${other}`,
      check: r => {
        const error = (r.seen || {}).error || '';
        return /spawn_failed/.test(error) && /Content-Security-Policy/.test(error) ? [] : [`expected spawn_failed naming the Content-Security-Policy, saw ${JSON.stringify(r.seen || r)}`];
      } },
  ];
}

// The Content-Security-Policy of the no-blob page: the other origin's scripts, no blob: workers.
export const noBlobPolicy = other =>
  `default-src 'self'; script-src 'self' ${other} 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' ${other}`;
