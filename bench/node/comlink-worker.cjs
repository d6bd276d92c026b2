const { parentPort } = require('node:worker_threads');
const Comlink = require('comlink');
const nodeEndpoint = require('comlink/dist/umd/node-adapter.js');
// The floor on this worker's own threads: a raw echo of 0 (Comlink ignores falsy messages).
parentPort.on('message', (data) => { if (data === 0) parentPort.postMessage(0); });
Comlink.expose({ add: (a, b) => a + b }, nodeEndpoint(parentPort));
