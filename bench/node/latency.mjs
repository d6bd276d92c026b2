// Call latency only, for comparing two builds side by side (the full plan's rounds are
// too few for a 1-2 µs difference): wasm_mt calls and the raw echo on the very same
// threads, interleaved, 31 rounds of 500 calls. Prints the medians in µs per call and
// the median of the rounds' differences (what wasm_mt adds to a round trip), and the
// median of the rounds' ratios of a call with a wasm_mt::trace recording to one without.
//   node bench/node/latency.mjs --build <cmake build dir>   (run two builds alternately)
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const build = resolve(args[args.indexOf('--build') + 1] || 'build');
await import('../page/plan.js');
const plan = globalThis.wasmMtBenchPlan;
const ready = new Promise((resolve) => { globalThis.benchReady = resolve; });
const Module = createRequire(import.meta.url)(join(build, 'bench', 'bench.js'));
await ready;
// wasm_mt's Node workers hold the process only while requests are in flight; the raw
// echo's messages are not wasm_mt's.
const alive = setInterval(() => {}, 1000);
const wasm = plan.wasmMethod((kind, a, b, token) => Module._bench_start(kind, a, b, token));
await wasm('latency', 500);
await wasm('same_thread_echo');
const worker = globalThis.benchSameThreadWorker;
const echo = plan.echoMethod((onData) => worker.on('message', (data) => { if (data === 0) onData(0); }),
                             (message) => worker.postMessage(message));
async function perCall(n, call) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await call();
  return (performance.now() - t) * 1000 / n;
}
const calls = [], echoes = [], added = [], traced = [];
for (let round = 0; round < 31; round++) {
  calls.push(await wasm('latency', 500));
  echoes.push(await perCall(500, () => echo(0)));
  added.push(calls[round] - echoes[round]);
  traced.push(await wasm('latency_traced', 500) / calls[round]);
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`${build}: wasm_mt ${median(calls).toFixed(1)} µs, raw echo ${median(echoes).toFixed(1)} µs, ` +
            `wasm_mt adds ${median(added).toFixed(1)} µs (median of rounds); ` +
            `traced ${median(traced).toFixed(3)}x a call`);
clearInterval(alive);
process.exit(0);
