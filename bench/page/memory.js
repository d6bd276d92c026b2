// Memory per thread as Chromium counts it: performance.measureUserAgentSpecificMemory
// gives the JS heaps (not wasm memory: the heap size bench.cpp reports covers that). It
// needs a cross-origin isolated page: bench/run.mjs opens this one under /isolated/
// (COOP/COEP) after the main run. 8 wasm_mt threads, then 8 raw workers holding the
// instantiated module, each measured against the page just before they started. Nothing
// is terminated until the end: Chromium's measurement right after a worker is terminated
// waits a minute for it. Results go to window.memoryResult: {done, error, value}.
(function () {
  var result = window.memoryResult = { done: false, error: null, value: null };
  var threads = 8;
  var status = function (line) { document.getElementById('status').textContent = line; };

  // Bytes in total, and in the page's dedicated workers.
  async function measure() {
    var m = await performance.measureUserAgentSpecificMemory();
    var inWorkers = 0;
    m.breakdown.forEach(function (entry) {
      if (entry.attribution.some(function (a) { return a.scope === 'DedicatedWorkerGlobalScope'; })) inWorkers += entry.bytes;
    });
    return { total: m.bytes, workers: inWorkers };
  }
  function perThread(before, after) {
    return { total_bytes: (after.total - before.total) / threads, worker_bytes: (after.workers - before.workers) / threads };
  }
  async function run() {
    if (!self.crossOriginIsolated || !performance.measureUserAgentSpecificMemory)
      throw new Error('performance.measureUserAgentSpecificMemory is not available (cross-origin isolated: ' + !!self.crossOriginIsolated + ')');
    var wasm = window.wasmMtBenchPlan.wasmMethod(function (kind, a, b, token) { Module._bench_start(kind, a, b, token); });
    await wasm('latency', 1);  // bench.cpp's own thread, outside the measurement
    status('wasm_mt threads');
    var before = await measure();
    await wasm('hold_threads', threads);
    var withWasm = await measure();
    status('raw workers');
    var workers = await startRawWorkers(threads);
    var withBoth = await measure();
    workers.forEach(function (w) { w.terminate(); });
    await wasm('hold_threads', 0);
    return { threads: threads, raw_worker: perThread(withWasm, withBoth), wasm_mt: perThread(before, withWasm) };
  }
  window.benchReady = function () {
    run().then(function (value) { result.value = value; result.done = true; status('done'); },
               function (e) { result.error = window.wasmMtBenchPlan.errorText(e); result.done = true; status('failed: ' + result.error); });
  };
})();
