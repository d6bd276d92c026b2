// Runs a web worker script (raw-echo.js, raw-start.js) in a Node worker thread: the
// script's onmessage/postMessage are bridged to the thread's parentPort.
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const vm = require('node:vm');

globalThis.self = globalThis;
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
parentPort.on('message', (data) => globalThis.onmessage({ data }));
vm.runInThisContext(readFileSync(workerData.script, 'utf8'), { filename: workerData.script });
