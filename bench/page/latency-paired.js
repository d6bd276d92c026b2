// Paired rounds of the plain call in two builds (see latency-paired.html). Each round
// runs n calls and n raw echoes in A and in B, in an order that rotates; what a round
// yields is B - A for the call, for the echo (the same JS in both builds: the
// instrument's own noise) and for what wasm_mt adds (call - echo). Results go to
// window.latencyResult: {rounds, call: {A, B}, diffs: {call, echo, added}} in µs per call.
(function () {
  var params = new URLSearchParams(location.search);
  var rounds = Number(params.get('rounds')) || 61;
  var calls = Number(params.get('calls')) || 500;
  var result = window.latencyResult = { done: false, error: null };
  function served(id) {
    return new Promise(function (resolve, reject) {
      var deadline = Date.now() + 60000;
      (function poll() {
        var w = document.getElementById(id).contentWindow;
        var r = w && w.latencyResult;
        if (r && r.done && r.error) return reject(new Error(id + ': ' + r.error));
        if (w && w.latencyServe) return resolve(w.latencyServe);
        if (Date.now() > deadline) return reject(new Error(id + ' did not start within 60 s'));
        setTimeout(poll, 50);
      })();
    });
  }
  (async function () {
    try {
      var builds = { A: await served('A'), B: await served('B') };
      var seen = { A: { call: [], echo: [] }, B: { call: [], echo: [] } };
      var steps = [['A', 'call'], ['B', 'call'], ['A', 'echo'], ['B', 'echo']];
      for (var round = 0; round < rounds; round++) {
        var order = round % 2 ? [steps[1], steps[0], steps[3], steps[2]] : steps;
        for (var i = 0; i < order.length; i++) {
          var which = order[i][0], what = order[i][1];
          seen[which][what].push(await builds[which][what](calls));
        }
      }
      result.rounds = rounds;
      result.seen = seen;
    } catch (e) {
      result.error = String(e && e.stack || e);
    }
    result.done = true;
  })();
})();
