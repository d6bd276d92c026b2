// The floor on this worker's own threads: a raw echo of 0 (Comlink ignores falsy messages).
self.addEventListener('message', (e) => { if (e.data === 0) postMessage(0); });
importScripts('/vendor/comlink/comlink.js');
Comlink.expose({ add: (a, b) => a + b });
