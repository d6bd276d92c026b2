// The benchmark plan (page/plan.js) in Node: wasm_mt's side is build/bench/bench.js on
// the main thread, the baselines are worker_threads. Prints the results as JSON.
//   node run-node.mjs --build <cmake build dir> --cores N [--quick]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const options = { build: resolve(here, '../../build'), cores: cpus().length };
for (const args = process.argv.slice(2); args.length;) {
  const flag = args.shift();
  if (flag === '--build') options.build = resolve(args.shift());
  else if (flag === '--cores') options.cores = Number(args.shift());
  else if (flag === '--quick') options.quick = true;
}
await import('../page/plan.js');
const plan = globalThis.wasmMtBenchPlan;
if (options.quick) plan.useQuickParams();
const Comlink = require('comlink');
const nodeEndpoint = require('comlink/dist/umd/node-adapter.js');
const workerpool = require('workerpool');

const asWebWorker = (script) => new Worker(join(here, 'as-web-worker.cjs'), { workerData: { script: join(here, '../page', script) } });

const ready = new Promise((resolve) => { globalThis.benchReady = resolve; });
const Module = require(join(options.build, 'bench', 'bench.js'));
await ready;
const wasm = plan.wasmMethod((kind, a, b, token) => Module._bench_start(kind, a, b, token));
const echoWorker = asWebWorker('raw-echo.js');
const echo = plan.echoMethod((onData) => echoWorker.on('message', onData),
                             (message, transfer) => echoWorker.postMessage(message, transfer));
const comlinkWorker = new Worker(join(here, 'comlink-worker.cjs'));
const comlink = Comlink.wrap(nodeEndpoint(comlinkWorker));
const poolOne = workerpool.pool(join(here, 'workerpool-worker.cjs'), { maxWorkers: 1, workerType: 'thread' });
const poolMany = workerpool.pool(join(here, 'workerpool-worker.cjs'), { maxWorkers: options.cores, workerType: 'thread' });

// piscina and tinypool, one pool per thread count (all threads started: as wasm_mt's),
// their workers running bench/node/pool-tasks.cjs with the julia kernel of this build.
process.env.WASM_MT_JULIA_KERNEL = join(options.build, 'bench', 'julia_kernel.wasm');
const { Piscina } = require('piscina');
const { Tinypool } = await import('tinypool');
const jsPoolMakers = {
  piscina: (threads) => new Piscina({ filename: join(here, 'piscina-worker.cjs'), minThreads: threads, maxThreads: threads }),
  tinypool: (threads) => new Tinypool({ filename: join(here, 'tinypool-worker.mjs'), minThreads: threads, maxThreads: threads }),
};
const jsPools = new Map();
function jsPoolRun(name, threads, task, arg) {
  const key = `${name} ${threads}`;
  if (!jsPools.has(key)) jsPools.set(key, jsPoolMakers[name](threads));
  return jsPools.get(key).run(arg, { name: task });
}
let juliaChecksum;
try {
  juliaChecksum = JSON.parse(execFileSync(join(options.build, 'demos', 'julia_native'), ['1'], { encoding: 'utf8' })).checksum;
} catch {
  process.stderr.write('node: no native julia build: the JS pools\' images are checked for their size only\n');
}

// The same precompiled module wasm_mt's threads get.
const module = await WebAssembly.compile(readFileSync(join(options.build, 'bench', 'bench.wasm')));
async function startRawWorkers(count) {
  const workers = [];
  const started = [];
  for (let i = 0; i < count; i++) {
    const w = asWebWorker('raw-start.js');
    workers.push(w);
    started.push(new Promise((resolve) => w.once('message', resolve)));
    w.postMessage(module);
  }
  await Promise.all(started);
  return workers;
}
async function rawStart(count) {
  const t = performance.now();
  const workers = await startRawWorkers(count);
  const ms = performance.now() - t;
  await Promise.all(workers.map((w) => w.terminate()));
  return ms;
}

// A failure is reported here: left to escape, it would reach Emscripten's uncaught
// exception handler, whose rethrow prints bench.js's one 46 KB line.
const results = await plan.run({
  wasm, echo, rawStart, cores: options.cores,
  status: (line) => process.stderr.write(`node: ${line}\n`),
  // Echoes of 0 on each one's own worker (workerpool's: its one worker, started by then).
  floorEchoes: () => {
    const echoOf = (worker) => plan.echoMethod((onData) => worker.on('message', (data) => { if (data === 0) onData(0); }),
                                               (message) => worker.postMessage(message));
    return { wasm_mt: echoOf(globalThis.benchSameThreadWorker), comlink: echoOf(comlinkWorker), workerpool: echoOf(poolOne.workers[0].worker) };
  },
  comlinkAdd: (a, b) => comlink.add(a, b),
  workerpoolAdd: (a, b) => poolOne.exec('add', [a, b]),
  workerpoolManyAdd: (a, b) => poolMany.exec('add', [a, b]),
  jsPools: Object.keys(jsPoolMakers), jsPoolRun, juliaChecksum,
  machine: () => ({ node: process.version, cores: options.cores }),
  memory: async () => {
    // What 8 more threads cost the process in resident memory, per thread: raw workers
    // instantiating the module first, then wasm_mt threads, both held (nothing freed
    // in between to be reused).
    const threads = 8;
    const before = process.memoryUsage().rss;
    const raw = await startRawWorkers(threads);
    const afterRaw = process.memoryUsage().rss;
    await wasm('hold_threads', threads);
    const afterWasmMt = process.memoryUsage().rss;
    await wasm('hold_threads', 0);
    await Promise.all(raw.map((w) => w.terminate()));
    return { per_thread_rss_bytes: (afterWasmMt - afterRaw) / threads, raw_worker_rss_bytes: (afterRaw - before) / threads,
             main_rss_bytes: before, main_js_heap_bytes: process.memoryUsage().heapUsed };
  },
}).catch((e) => {
  process.stderr.write(`node: failed: ${plan.errorText(e)}\n`);
  process.exit(1);
});
process.stdout.write(JSON.stringify({ version: process.version, params: plan.params, results }) + '\n');
process.exit(0);
