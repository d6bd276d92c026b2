// One build's cost of events and stream items in Node: medians of 7 rounds of 10,000
// each (bench.cpp's measurements `events`, `events_unhandled`, `stream_items`), printed
// as one JSON line of µs per event or item. Run by bench/control-ab.mjs.
//   node bench/node/control.cjs <cmake build dir>
const path = require('node:path');

const build = path.resolve(process.argv[2] || path.join(__dirname, '../../build'));
const pending = new Map();
let nextToken = 1;
globalThis.benchDone = (token, json) => {
  const result = JSON.parse(json);
  const settle = pending.get(token);
  pending.delete(token);
  if (result.error) settle.reject(new Error(result.error)); else settle.resolve(result.value);
};
const ready = new Promise((resolve) => { globalThis.benchReady = resolve; });
const Module = require(path.join(build, 'bench', 'bench.js'));
const run = (kind, a, b = 0) => new Promise((resolve, reject) => {
  const token = nextToken++;
  pending.set(token, { resolve, reject });
  Module._bench_start(kind, a, b, token);
});
const kinds = { events: 15, events_unhandled: 16, stream_items: 17 };  // (bench.cpp's `what`)

(async () => {
  await ready;
  for (const kind of Object.values(kinds)) await run(kind, 1000);  // warm up
  const medians = {};
  for (const [name, kind] of Object.entries(kinds)) {
    const rounds = [];
    for (let i = 0; i < 7; ++i) rounds.push(await run(kind, 10000));
    rounds.sort((x, y) => x - y);
    medians[name] = rounds[3];
  }
  console.log(JSON.stringify(medians));
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
