// The example app's page: a C++ job started, followed and cancelled from JS through
// wasm_mt's page-to-C++ bridge (app.cpp binds startPool, countPrimes, whereAmI). The same
// code runs bundled (main.js: Vite, webpack) and as plain ES modules (plain.html).
// Opened, it runs the buttons' code once by itself and leaves what it saw in window.demo
// (what the test run checks); then the buttons are yours.
export async function start(createApp) {
  const $ = id => document.getElementById(id);
  const output = $('output');
  const print = line => { output.textContent += line + '\n'; };
  window.demo = { results: {}, done: false, error: null };
  let job = null;  // {controller, promise} of the running count

  // Counts the primes below `limit` in 8 tasks, the bar following their progress; Cancel
  // aborts them all. Resolves with the count, or rejects with the first task's error.
  function count(limit, onProgress = () => {}) {
    const controller = new AbortController();
    const parts = 8;
    const done = new Array(parts).fill(0);
    const size = Math.ceil(limit / parts);
    const tasks = [];
    for (let i = 0; i < parts; i++) {
      const from = i * size, to = Math.min(limit, from + size);
      tasks.push(app.countPrimes(from, to, controller.signal, p => {
        done[i] = p.done;
        const total = done.reduce((a, b) => a + b, 0);
        $('progress').value = total / limit;
        onProgress(total);
      }));
    }
    const promise = Promise.all(tasks).then(counts => counts.reduce((a, b) => a + b, 0));
    promise.catch(() => controller.abort());  // (one failed: stop the others)
    job = { controller, promise };
    return promise.finally(() => { job = null; });
  }
  function cancel() {
    if (job) job.controller.abort();
  }

  const app = await createApp({ print, printErr: print });
  await app.startPool(4);
  $('start').onclick = () => {
    const limit = Number($('limit').value);
    $('status').textContent = 'running…';
    count(limit).then(n => { $('status').textContent = `${n} primes below ${limit}`; },
                      e => { $('status').textContent = e.kind === 'cancelled' ? 'cancelled' : String(e); });
  };
  $('cancel').onclick = cancel;

  // The buttons' code, once: a count to its end, then one cancelled while it runs.
  const results = window.demo.results;
  try {
    let events = 0;
    results.primes_below_200000 = await count(200000, () => { events++; });
    results.progress_events = events;
    results.label = await app.whereAmI();
    const long = count(100000000, () => cancel());
    results.cancelled = await long.then(() => 'finished', e => e.kind);
    $('status').textContent = 'done';
  } catch (e) {
    results.error = String(e && e.stack || e);
    $('status').textContent = 'failed';
  }
  print('app: ' + JSON.stringify(results));
  window.demo.done = true;
}
