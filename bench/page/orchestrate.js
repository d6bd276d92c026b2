// The page's environment for the benchmark plan (plan.js): wasm_mt's side through
// bench.cpp, the baselines as web workers. Results go to window.bench for bench/run.mjs.
(function () {
  var plan = window.wasmMtBenchPlan;
  var bench = window.bench = { done: false, error: null, params: plan.params, results: null, progress: [] };
  var status = function (line) { bench.progress.push(line); document.getElementById('status').textContent = bench.progress.join('\n'); };

  var wasm = plan.wasmMethod(function (kind, a, b, token) { Module._bench_start(kind, a, b, token); });
  var echoWorker = new Worker('raw-echo.js');
  var echo = plan.echoMethod(function (onData) { echoWorker.onmessage = function (e) { onData(e.data); }; },
                             function (message, transfer) { echoWorker.postMessage(message, transfer); });
  var comlinkWorker = new Worker('comlink-worker.js');
  var comlink = Comlink.wrap(comlinkWorker);
  // Threads for pools and the julia curve: the machine's cores (the runner passes them;
  // engines may report another hardwareConcurrency).
  var query = new URLSearchParams(location.search);
  var cores = Number(query.get('cores')) || navigator.hardwareConcurrency || 1;
  if (query.get('quick')) plan.useQuickParams();
  var poolOne = workerpool.pool('workerpool-worker.js', { maxWorkers: 1, workerType: 'web' });
  var poolMany = workerpool.pool('workerpool-worker.js', { maxWorkers: cores, workerType: 'web' });
  function rawStart(count) {
    var t = performance.now();
    return startRawWorkers(count).then(function (workers) {
      var ms = performance.now() - t;
      workers.forEach(function (w) { w.terminate(); });
      return ms;
    });
  }

  var env = {
    wasm: wasm, echo: echo, rawStart: rawStart, cores: cores, status: status,
    // Echoes of 0 on each one's own worker (workerpool's: its one worker, started by then).
    floorEchoes: function () {
      var echoOf = function (worker) {
        return plan.echoMethod(function (onData) { worker.addEventListener('message', function (e) { if (e.data === 0) onData(0); }); },
                               function (message) { worker.postMessage(message); });
      };
      return { wasm_mt: echoOf(window.benchSameThreadWorker), comlink: echoOf(comlinkWorker), workerpool: echoOf(poolOne.workers[0].worker) };
    },
    comlinkAdd: function (a, b) { return comlink.add(a, b); },
    workerpoolAdd: function (a, b) { return poolOne.exec('add', [a, b]); },
    workerpoolManyAdd: function (a, b) { return poolMany.exec('add', [a, b]); },
    machine: function () {
      return { userAgent: navigator.userAgent, cores: cores, reportedHardwareConcurrency: navigator.hardwareConcurrency,
               crossOriginIsolated: !!self.crossOriginIsolated };
    },
    // performance.measureUserAgentSpecificMemory needs cross-origin isolation.
    memory: function () { return { main_js_heap_bytes: performance.memory ? performance.memory.usedJSHeapSize : null }; },
  };
  window.benchReady = function () {
    plan.run(env).then(function (results) { bench.results = results; bench.done = true; },
                       function (e) { bench.error = plan.errorText(e); bench.done = true; status('failed: ' + bench.error); });
  };
})();
