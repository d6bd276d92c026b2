const { parentPort } = require('node:worker_threads');
const Comlink = require('comlink');
const nodeEndpoint = require('comlink/dist/umd/node-adapter.js');
Comlink.expose({ add: (a, b) => a + b }, nodeEndpoint(parentPort));
