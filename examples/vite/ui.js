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
  let job = null;  // the AbortController of the count the buttons run

  // Counts the primes below `limit` in 8 tasks, calling onProgress(numbers looked at);
  // `controller.abort()` stops them all. Resolves with the count, or rejects with the
  // first task's error (an Error whose kind is "cancelled" after an abort).
  function count(limit, controller, onProgress) {
    const parts = 8;
    const done = new Array(parts).fill(0);
    const size = Math.ceil(limit / parts);
    const tasks = [];
    for (let i = 0; i < parts; i++) {
      const from = i * size, to = Math.min(limit, from + size);
      tasks.push(app.countPrimes(from, to, controller.signal, p => {
        done[i] = p.done;
        onProgress(done.reduce((a, b) => a + b, 0));
      }));
    }
    const all = Promise.all(tasks).then(counts => counts.reduce((a, b) => a + b, 0));
    all.catch(() => controller.abort());  // (one failed: stop the others)
    return all;
  }

  const app = await createApp({ print, printErr: print });
  await app.startPool(4);
  $('status').textContent = 'running the demo…';
  $('start').onclick = () => {
    const limit = Number($('limit').value);
    const controller = job = new AbortController();
    $('start').disabled = true;
    $('progress').value = 0;
    $('status').textContent = 'running…';
    count(limit, controller, n => { $('progress').value = n / limit; }).then(
      n => { $('status').textContent = `${n} primes below ${limit}`; },
      e => { $('status').textContent = e.kind === 'cancelled' ? 'cancelled' : String(e); },
    ).finally(() => {
      if (job === controller) job = null;
      $('start').disabled = false;
    });
  };
  $('cancel').onclick = () => { if (job) job.abort(); };

  // What the buttons do, once by itself: a count to its end, then one cancelled while it
  // runs (its controller aborted at its first progress event).
  const results = window.demo.results;
  try {
    let events = 0;
    results.primes_below_200000 = await count(200000, new AbortController(), () => { events++; });
    results.progress_events = events;
    results.label = await app.whereAmI();
    const controller = new AbortController();
    results.cancelled = await count(100000000, controller, () => controller.abort()).then(() => 'finished', e => e.kind);
    $('status').textContent = 'ready';
  } catch (e) {
    results.error = String(e && e.stack || e);
    $('status').textContent = 'failed';
  }
  print('app: ' + JSON.stringify(results));
  window.demo.done = true;
}
