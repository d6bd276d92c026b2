// The floor on this worker's own threads: a raw echo of 0, which workerpool never sees
// (it would answer it with an error reply). Registered first, so it runs first.
self.addEventListener('message', (e) => {
  if (e.data !== 0) return;
  e.stopImmediatePropagation();
  postMessage(0);
});
importScripts('/vendor/workerpool/workerpool.js');
workerpool.worker({ add: (a, b) => a + b });
