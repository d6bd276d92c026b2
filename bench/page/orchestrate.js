// Runs every benchmark in rounds, wasm_mt interleaved with its baselines (the order
// rotates every round), so that the machine's drift hits all methods alike. Results go
// to window.bench for bench/run.mjs: medians, minimums and maximums of the samples.
(function () {
  var params = {
    rounds: 7, latencyCalls: 500,
    startCounts: [1, 4, 16], startRounds: 5,
    throughputTasks: 20000, throughputRounds: 3,
    juliaRounds: 5, juliaTiles: 32,
    payloadMiB: [1, 10, 100], payloadRounds: 3, jsonMiB: 1,
  };
  var bench = window.bench = { done: false, error: null, params: params, results: {}, progress: [] };
  var status = function (line) { bench.progress.push(line); document.getElementById('status').textContent = bench.progress.join('\n'); };

  var pending = new Map();
  var nextToken = 1;
  window.benchDone = function (token, json) {
    var result = JSON.parse(json);
    var settle = pending.get(token);
    pending.delete(token);
    if (result.error) settle.reject(new Error(result.error)); else settle.resolve(result.value);
  };
  var kinds = { latency: 1, thread_start: 2, throughput: 3, julia_one_task: 4, julia_tiled: 5,
                payload_bytes: 6, payload_json: 7, heap_per_thread: 9, latency_exec_js: 10 };
  function wasm(kind, a, b) {
    return new Promise(function (resolve, reject) {
      var token = nextToken++;
      pending.set(token, { resolve: resolve, reject: reject });
      Module._bench_start(kinds[kind], a || 0, b || 0, token);
    });
  }

  function summary(samples) {
    var sorted = samples.slice().sort(function (a, b) { return a - b; });
    var mid = sorted.length >> 1;
    var median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { median: median, min: sorted[0], max: sorted[sorted.length - 1], samples: samples };
  }
  // Runs each method `rounds` times, rotating which goes first; returns summaries.
  async function interleaved(rounds, methods) {
    var names = Object.keys(methods);
    var samples = {};
    names.forEach(function (n) { samples[n] = []; });
    for (var r = 0; r < rounds; r++) {
      for (var i = 0; i < names.length; i++) {
        var name = names[(i + r) % names.length];
        samples[name].push(await methods[name]());
      }
    }
    var out = {};
    names.forEach(function (n) { out[n] = summary(samples[n]); });
    return out;
  }
  var now = function () { return performance.now(); };

  // Raw postMessage echo.
  // One persistent listener (re-assigning onmessage per call costs more than the call).
  var echo = new Worker('raw-echo.js');
  var echoWaiting = null;
  echo.onmessage = function (e) { var resolve = echoWaiting; echoWaiting = null; resolve(e.data); };
  function echoCall(message, transfer) {
    return new Promise(function (resolve) {
      echoWaiting = resolve;
      echo.postMessage(message, transfer || []);
    });
  }
  async function rawLatency(n) {
    var t = now();
    for (var i = 0; i < n; i++) await echoCall({ a: i, b: 1 });
    return (now() - t) * 1000 / n;
  }
  var comlink = Comlink.wrap(new Worker('comlink-worker.js'));
  async function comlinkLatency(n) {
    var t = now();
    for (var i = 0; i < n; i++) await comlink.add(i, 1);
    return (now() - t) * 1000 / n;
  }
  var poolOne = workerpool.pool('workerpool-worker.js', { maxWorkers: 1, workerType: 'web' });
  async function workerpoolLatency(n) {
    var t = now();
    for (var i = 0; i < n; i++) await poolOne.exec('add', [i, 1]);
    return (now() - t) * 1000 / n;
  }
  function rawStart(count) {
    var module = wasmMt.programs.get(0).module;
    var t = now();
    var workers = [];
    var ready = [];
    for (var i = 0; i < count; i++) {
      var w = new Worker('raw-start.js');
      workers.push(w);
      ready.push(new Promise(function (resolve) { w.onmessage = resolve; }));
      w.postMessage(module);
    }
    return Promise.all(ready).then(function () {
      var ms = now() - t;
      workers.forEach(function (w) { w.terminate(); });
      return ms;
    });
  }
  // Threads for pools and the julia curve: the machine's cores (the runner passes them;
  // engines may report another hardwareConcurrency).
  var hardware = Number(new URLSearchParams(location.search).get('cores')) || navigator.hardwareConcurrency || 1;
  var poolMany = workerpool.pool('workerpool-worker.js', { maxWorkers: hardware, workerType: 'web' });
  async function workerpoolThroughput(n) {
    var t = now();
    var calls = [];
    for (var i = 0; i < n; i++) calls.push(poolMany.exec('add', [i, 1]));
    await Promise.all(calls);
    return n / ((now() - t) / 1000);
  }
  // Small payloads repeat within one sample: without cross-origin isolation Firefox and
  // WebKit give performance.now() only about 1 ms of resolution.
  var repeatsFor = function (mib) { return Math.max(1, Math.round(32 / mib)); };
  async function perTrip(mib, trip) {
    var repeats = repeatsFor(mib);
    var total = 0;
    for (var i = 0; i < repeats; i++) total += await trip();
    return total / repeats;
  }
  // One copy as the glue makes it: a resident array copied into a fresh ArrayBuffer.
  var copySources = {};
  function oneCopy(mib) {
    var source = copySources[mib] || (copySources[mib] = new Uint8Array(mib * 1048576).fill(7));
    var repeats = repeatsFor(mib);
    var t = now();
    for (var i = 0; i < repeats; i++) if (source.slice().length !== source.length) throw new Error('copy failed');
    return (now() - t) / repeats;
  }
  function rawTransfer(mib) {
    return perTrip(mib, async function () {
      var buffer = new ArrayBuffer(mib * 1048576);
      var t = now();
      await echoCall(buffer, [buffer]);
      return now() - t;
    });
  }

  async function run() {
    var p = params;
    var r = bench.results;
    r.machine = { userAgent: navigator.userAgent, cores: hardware, reportedHardwareConcurrency: navigator.hardwareConcurrency,
                  crossOriginIsolated: !!self.crossOriginIsolated };

    status('warming up');
    await wasm('latency', 50); await rawLatency(50); await comlinkLatency(50); await workerpoolLatency(50);

    status('call latency');
    r.latency = await interleaved(p.rounds, {
      raw_postmessage: function () { return rawLatency(p.latencyCalls); },
      wasm_mt: function () { return wasm('latency', p.latencyCalls); },
      wasm_mt_exec_js: function () { return wasm('latency_exec_js', p.latencyCalls); },
      comlink: function () { return comlinkLatency(p.latencyCalls); },
      workerpool: function () { return workerpoolLatency(p.latencyCalls); },
    });

    status('thread start');
    r.thread_start = {};
    for (const count of p.startCounts) {
      r.thread_start[count] = await interleaved(p.startRounds, {
        raw_worker: function () { return rawStart(count); },
        wasm_mt: function () { return wasm('thread_start', count); },
      });
    }

    status('pool throughput');
    await wasm('throughput', 2000, hardware); await workerpoolThroughput(2000);
    r.throughput = await interleaved(p.throughputRounds, {
      wasm_mt: function () { return wasm('throughput', p.throughputTasks, hardware); },
      workerpool: function () { return workerpoolThroughput(p.throughputTasks); },
    });

    status('julia');
    var julia = { one_task: {} };
    julia.one_task = (await interleaved(p.juliaRounds, { wasm_mt: function () { return wasm('julia_one_task'); } })).wasm_mt;
    julia.tiled = {};
    for (var n = 1; n <= hardware; n++) await wasm('julia_tiled', n, p.juliaTiles);  // pools started, warm
    var tiledMethods = {};
    for (var threads = 1; threads <= hardware; threads++) {
      (function (t) { tiledMethods[t] = function () { return wasm('julia_tiled', t, p.juliaTiles); }; })(threads);
    }
    julia.tiled = await interleaved(p.juliaRounds, tiledMethods);
    r.julia = julia;

    status('payloads');
    r.payloads = {};
    for (const mib of p.payloadMiB) {
      r.payloads[mib] = await interleaved(p.payloadRounds, {
        raw_transfer: function () { return rawTransfer(mib); },
        wasm_mt_bytes: function () { return perTrip(mib, function () { return wasm('payload_bytes', mib); }); },
        one_copy: function () { return oneCopy(mib); },
      });
    }
    r.json_payload = await interleaved(p.payloadRounds, {
      wasm_mt_json: function () { return perTrip(p.jsonMiB, function () { return wasm('payload_json', p.jsonMiB); }); },
      wasm_mt_bytes: function () { return perTrip(p.jsonMiB, function () { return wasm('payload_bytes', p.jsonMiB); }); },
    });

    status('memory');
    r.memory = { wasm_heap_per_thread_bytes: await wasm('heap_per_thread'),
                 main_js_heap_bytes: performance.memory ? performance.memory.usedJSHeapSize : null };
    status('done');
  }

  window.benchReady = function () {
    run().then(function () { bench.done = true; },
               function (e) { bench.error = String(e && e.stack || e); bench.done = true; status('failed: ' + bench.error); });
  };
})();
