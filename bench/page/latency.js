// Call latency only, for bench/latency-ab.mjs: wasm_mt calls and the raw echo on the very
// same threads, interleaved (as bench/node/latency.mjs does in Node). Results go to
// window.latencyResult: the medians of the rounds, in µs per call. With ?serve=1 it runs
// no rounds: after warming up it offers window.latencyServe = {call(n), echo(n)} (µs per
// call over n) to a page that holds two builds in iframes (latency-paired.html).
(function () {
  var plan = window.wasmMtBenchPlan;
  var result = window.latencyResult = { done: false, error: null };
  var rounds = Number(new URLSearchParams(location.search).get('rounds')) || 11;
  var calls = Number(new URLSearchParams(location.search).get('calls')) || 2000;
  var median = function (v) { return v.slice().sort(function (a, b) { return a - b; })[v.length >> 1]; };
  async function perCall(n, call) {
    var t = performance.now();
    for (var i = 0; i < n; i++) await call();
    return (performance.now() - t) * 1000 / n;
  }
  window.benchReady = async function () {
    try {
      var wasm = plan.wasmMethod(function (kind, a, b, token) { Module._bench_start(kind, a, b, token); });
      await wasm('latency', calls);
      await wasm('same_thread_echo');
      var worker = window.benchSameThreadWorker;
      var echo = plan.echoMethod(function (onData) {
        worker.addEventListener('message', function (e) { if (e.data === 0) onData(0); });
      }, function (message) { worker.postMessage(message); });
      if (new URLSearchParams(location.search).get('serve')) {
        window.latencyServe = {
          call: function (n) { return wasm('latency', n); },
          echo: function (n) { return perCall(n, function () { return echo(0); }); },
        };
        result.done = true;
        return;
      }
      var wasmCalls = [], echoes = [], added = [];
      for (var round = 0; round < rounds; round++) {
        wasmCalls.push(await wasm('latency', calls));
        echoes.push(await perCall(calls, function () { return echo(0); }));
        added.push(wasmCalls[round] - echoes[round]);
      }
      result.call = median(wasmCalls);
      result.echo = median(echoes);
      result.added = median(added);
    } catch (e) {
      result.error = plan.errorText(e);
    }
    result.done = true;
  };
})();
