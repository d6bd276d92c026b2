// The floor on this worker's own threads: a raw echo of 0, which workerpool never sees
// (it would answer it with an error reply): its message listeners are wrapped to skip 0.
const { parentPort } = require('node:worker_threads');
const on = parentPort.on.bind(parentPort);
on('message', (data) => { if (data === 0) parentPort.postMessage(0); });
parentPort.on = (event, listener) => on(event, event !== 'message' ? listener : (data) => { if (data !== 0) listener(data); });
require('workerpool').worker({ add: (a, b) => a + b });
