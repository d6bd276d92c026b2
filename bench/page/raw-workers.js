// Raw workers that instantiate the page's own compiled module (raw-start.js), for the
// pages' thread start and memory baselines: resolves to the workers once each is ready.
function startRawWorkers(count) {
  var module = wasmMtPrograms.all.get(0).module;
  var workers = [];
  var ready = [];
  for (var i = 0; i < count; i++) {
    var w = new Worker('raw-start.js');
    workers.push(w);
    ready.push(new Promise(function (resolve) { w.onmessage = resolve; }));
    w.postMessage(module);
  }
  return Promise.all(ready).then(function () { return workers; });
}
