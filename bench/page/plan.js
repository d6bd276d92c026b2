// The benchmark plan, the same in a page and in Node: every measurement in rounds,
// wasm_mt interleaved with its baselines (the order rotates every round) so that the
// machine's drift hits all methods alike. An environment (page/orchestrate.js,
// node/run-node.mjs) supplies the methods (wasmMethod and echoMethod below build two):
//   wasm(kind, a, b) -> Promise<number>     bench.cpp's measurement `kind`
//   echo(message, transfer) -> Promise       one round trip to a raw echo worker
//   floorEchoes() -> {wasm_mt, comlink, workerpool}: echo functions to each one's own
//                                            worker, which answers the message 0 (wasm_mt's
//                                            after bench.cpp's same_thread_echo)
//   comlinkAdd(a, b), workerpoolAdd(a, b), workerpoolManyAdd(a, b) -> Promise
//   rawStart(count) -> Promise<ms>           raw workers instantiating the module
//   cores, machine(), memory() -> extra memory figures, status(line)
// and, where there are JS pools besides workerpool (Node: piscina, tinypool):
//   jsPools: their names; jsPoolRun(name, threads, task, arg) -> Promise: task 'add'
//   ({a, b}) or 'julia' ({rowBegin, rowEnd} -> ArrayBuffer of RGBA rows) on that pool's
//   instance with `threads` threads; juliaChecksum: the image's expected FNV-1a 64 (hex)
(function (root) {
  var params = {
    latencyRounds: 21, latencyCalls: 200,
    startCounts: [1, 4, 16], startRounds: 5,
    throughputTasks: 20000, throughputRounds: 3,
    juliaRounds: 5, juliaTiles: 32,
    payloadMiB: [1, 10, 100], payloadRounds: 3, jsonMiB: 1, sendMiB: 64, sendRounds: 5,
    controlItems: 10000, controlRounds: 7,
  };

  // A smoke run (run.mjs --quick): every measurement, few and small, to show that the
  // whole set still runs. Its figures mean nothing.
  function useQuickParams() {
    Object.assign(params, {
      latencyRounds: 2, startCounts: [1, 2], startRounds: 1,  // 200 calls: above a 1 ms clock's tick
      throughputTasks: 500, throughputRounds: 1, juliaRounds: 1, juliaTiles: 4,
      payloadMiB: [1], payloadRounds: 1, jsonMiB: 1, sendMiB: 4, sendRounds: 1, controlItems: 1000, controlRounds: 1,
    });
  }

  // An error's message and where it came from (Firefox and WebKit stacks leave out the message).
  function errorText(e) {
    var text = String(e);
    return e && e.stack && e.stack.indexOf(text) < 0 ? text + '\n' + e.stack : String(e && e.stack || e);
  }

  function summary(samples) {
    var sorted = samples.slice().sort(function (a, b) { return a - b; });
    var mid = sorted.length >> 1;
    var median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { median: median, min: sorted[0], max: sorted[sorted.length - 1], samples: samples };
  }
  // Runs each method `rounds` times, rotating which goes first; returns summaries.
  async function interleaved(rounds, methods) {
    var names = Object.keys(methods);
    var samples = {};
    names.forEach(function (n) { samples[n] = []; });
    for (var r = 0; r < rounds; r++) {
      for (var i = 0; i < names.length; i++) {
        var name = names[(i + r) % names.length];
        samples[name].push(await methods[name]());
      }
    }
    var out = {};
    names.forEach(function (n) { out[n] = summary(samples[n]); });
    return out;
  }
  var now = function () { return performance.now(); };

  // Microseconds per call of `call(i)`, n calls one after another.
  async function perCall(n, call) {
    var t = now();
    for (var i = 0; i < n; i++) await call(i);
    return (now() - t) * 1000 / n;
  }
  async function tasksPerSecond(n, call) {
    var t = now();
    var calls = [];
    for (var i = 0; i < n; i++) calls.push(call(i));
    await Promise.all(calls);
    return n / ((now() - t) / 1000);
  }
  // Small payloads repeat within one sample: without cross-origin isolation Firefox and
  // WebKit give performance.now() only about 1 ms of resolution.
  var repeatsFor = function (mib) { return Math.max(1, Math.round(32 / mib)); };
  async function perTrip(mib, trip) {
    var repeats = repeatsFor(mib);
    var total = 0;
    for (var i = 0; i < repeats; i++) total += await trip();
    return total / repeats;
  }
  // One copy as the glue makes it: a resident array copied into a fresh ArrayBuffer.
  var copySources = {};
  function oneCopy(mib) {
    var source = copySources[mib] || (copySources[mib] = new Uint8Array(mib * 1048576).fill(7));
    var repeats = repeatsFor(mib);
    var t = now();
    for (var i = 0; i < repeats; i++) if (source.slice().length !== source.length) throw new Error('copy failed');
    return (now() - t) / repeats;
  }

  // Runs `work` (-> Promise<value>) with a 10 ms ticker on this thread: {value, gap: the
  // longest time between ticks, or from the start or to the end, in ms}.
  async function withTicker(work) {
    var last = now(), longest = 0;
    var tick = function () { var t = now(); longest = Math.max(longest, t - last); last = t; };
    var ticker = setInterval(tick, 10);
    try {
      var value = await work();
      tick();
      return { value: value, gap: longest };
    } finally {
      clearInterval(ticker);
    }
  }

  async function run(env) {
    var p = params;
    var r = { machine: env.machine() };
    var wasm = env.wasm;
    var raw = function (n) { return perCall(n, function (i) { return env.echo({ a: i, b: 1 }); }); };
    var comlink = function (n) { return perCall(n, function (i) { return env.comlinkAdd(i, 1); }); };
    var workerpool = function (n) { return perCall(n, function (i) { return env.workerpoolAdd(i, 1); }); };
    var jsPools = env.jsPools || [];
    var jsPoolAdd = function (name, threads) {
      return function (n) { return perCall(n, function (i) { return env.jsPoolRun(name, threads, 'add', { a: i, b: 1 }); }); };
    };
    // One image in `tiles` row tiles on a JS pool of `threads` threads -> ms.
    var jsPoolTiles = async function (name, threads, tiles) {
      var rows = 800 / tiles, calls = [];
      var t = now();
      for (var i = 0; i < tiles; i++) calls.push(env.jsPoolRun(name, threads, 'julia', { rowBegin: i * rows, rowEnd: (i + 1) * rows }));
      var buffers = await Promise.all(calls);
      var ms = now() - t;
      var bytes = buffers.reduce(function (sum, b) { return sum + b.byteLength; }, 0);
      if (bytes !== 800 * 800 * 4) throw new Error(name + ' rendered ' + bytes + ' bytes of julia, not 800x800x4');
      if (env.juliaChecksum && !checkedImages[name]) {
        var sum = fnv1a64(buffers);
        if (sum !== env.juliaChecksum) throw new Error(name + ': julia checksum ' + sum + ', native ' + env.juliaChecksum);
        checkedImages[name] = true;
      }
      return ms;
    };
    var checkedImages = {};

    // Memory first, before the run has grown the process.
    env.status('memory');
    r.memory = Object.assign({ wasm_heap_per_thread_bytes: await wasm('heap_per_thread') }, await env.memory());

    env.status('warming up');
    await wasm('latency', 50); await raw(50); await comlink(50); await workerpool(50);
    for (const name of jsPools) await jsPoolAdd(name, 1)(50);

    // Each library's floor: a raw echo over its own two threads (see goals.mjs).
    await wasm('same_thread_echo');
    var floors = env.floorEchoes();
    var floor = function (name) { return function () { return perCall(p.latencyCalls, function () { return floors[name](0); }); }; };
    await perCall(50, function () { return floors.wasm_mt(0); });

    env.status('call latency');
    var latencyMethods = {
      raw_same_thread: floor('wasm_mt'),
      comlink_same_thread: floor('comlink'),
      workerpool_same_thread: floor('workerpool'),
      raw_postmessage: function () { return raw(p.latencyCalls); },
      wasm_mt: function () { return wasm('latency', p.latencyCalls); },
      wasm_mt_traced: function () { return wasm('latency_traced', p.latencyCalls); },
      wasm_mt_exec_js: function () { return wasm('latency_exec_js', p.latencyCalls); },
      comlink: function () { return comlink(p.latencyCalls); },
      workerpool: function () { return workerpool(p.latencyCalls); },
    };
    jsPools.forEach(function (name) { latencyMethods[name] = function () { return jsPoolAdd(name, 1)(p.latencyCalls); }; });
    r.latency = await interleaved(p.latencyRounds, latencyMethods);

    env.status('thread start');
    r.thread_start = {};
    for (const count of p.startCounts) {
      r.thread_start[count] = await interleaved(p.startRounds, {
        raw_worker: function () { return env.rawStart(count); },
        wasm_mt: function () { return wasm('thread_start', count, 0); },
        wasm_mt_spawn: function () { return wasm('thread_start', count, 1); },
      });
    }

    env.status('pool throughput');
    var workerpoolMany = function (n) { return tasksPerSecond(n, function (i) { return env.workerpoolManyAdd(i, 1); }); };
    var jsPoolMany = function (name) {
      return function (n) { return tasksPerSecond(n, function (i) { return env.jsPoolRun(name, env.cores, 'add', { a: i, b: 1 }); }); };
    };
    await wasm('throughput', 2000, env.cores); await workerpoolMany(2000);
    for (const name of jsPools) await jsPoolMany(name)(2000);
    var throughputMethods = {
      wasm_mt: function () { return wasm('throughput', p.throughputTasks, env.cores); },
      workerpool: function () { return workerpoolMany(p.throughputTasks); },
    };
    jsPools.forEach(function (name) { throughputMethods[name] = function () { return jsPoolMany(name)(p.throughputTasks); }; });
    r.throughput = await interleaved(p.throughputRounds, throughputMethods);

    env.status('julia');
    var julia = {};
    julia.one_task = (await interleaved(p.juliaRounds, { wasm_mt: function () { return wasm('julia_one_task'); } })).wasm_mt;
    for (var n = 1; n <= env.cores; n++) {  // pools started, warm
      await wasm('julia_tiled', n, p.juliaTiles);
      for (const name of jsPools) await jsPoolTiles(name, n, p.juliaTiles);
    }
    // wasm_mt's pools under the thread count, the JS pools' under "name threads".
    var tiledMethods = {};
    for (var threads = 1; threads <= env.cores; threads++) {
      (function (t) {
        tiledMethods[t] = function () { return wasm('julia_tiled', t, p.juliaTiles); };
        jsPools.forEach(function (name) { tiledMethods[name + ' ' + t] = function () { return jsPoolTiles(name, t, p.juliaTiles); }; });
      })(threads);
    }
    var tiled = await interleaved(p.juliaRounds, tiledMethods);
    julia.tiled = {};
    if (jsPools.length) julia.tiled_js_pools = {};
    Object.keys(tiled).forEach(function (key) {
      var parts = key.split(' ');
      if (parts.length === 1) { julia.tiled[key] = tiled[key]; return; }
      (julia.tiled_js_pools[parts[0]] = julia.tiled_js_pools[parts[0]] || {})[parts[1]] = tiled[key];
    });
    r.julia = julia;

    env.status('payloads');
    r.payloads = {};
    for (const mib of p.payloadMiB) {
      r.payloads[mib] = await interleaved(p.payloadRounds, {
        raw_transfer: function () {
          return perTrip(mib, async function () {
            var buffer = new ArrayBuffer(mib * 1048576);
            var t = now();
            await env.echo(buffer, [buffer]);
            return now() - t;
          });
        },
        wasm_mt_bytes: function () { return perTrip(mib, function () { return wasm('payload_bytes', mib); }); },
        wasm_mt_floats: function () { return perTrip(mib, function () { return wasm('payload_floats', mib); }); },
        // The same MiB inside structs: one struct holding it (an int and the pixels), 16
        // such tiles a MiB, 12-byte records, a map of 16 float vectors a MiB.
        wasm_mt_tile: function () { return perTrip(mib, function () { return wasm('payload_tiles', mib, 1); }); },
        wasm_mt_tiles: function () { return perTrip(mib, function () { return wasm('payload_tiles', mib); }); },
        wasm_mt_records: function () { return perTrip(mib, function () { return wasm('payload_points', Math.floor(mib * 1048576 / 12)); }); },
        wasm_mt_float_map: function () { return perTrip(mib, function () { return wasm('payload_float_map', mib); }); },
        one_copy: function () { return oneCopy(mib); },
      });
    }
    r.json_payload = await interleaved(p.payloadRounds, {
      wasm_mt_json: function () { return perTrip(p.jsonMiB, function () { return wasm('payload_json', p.jsonMiB); }); },
      wasm_mt_bytes: function () { return perTrip(p.jsonMiB, function () { return wasm('payload_bytes', p.jsonMiB); }); },
      wasm_mt_floats: function () { return perTrip(p.jsonMiB, function () { return wasm('payload_floats', p.jsonMiB); }); },
      wasm_mt_floats_as_json: function () { return perTrip(p.jsonMiB, function () { return wasm('payload_floats_json', p.jsonMiB); }); },
      // Tiles with only nlohmann's JSON form: a node per pixel (one trip a sample: ~1 s).
      wasm_mt_tiles: function () { return perTrip(p.jsonMiB, function () { return wasm('payload_tiles', p.jsonMiB); }); },
      wasm_mt_tiles_nlohmann_only: function () { return wasm('payload_tiles_json', p.jsonMiB); },
    });
    // 10,000 small structs (records of 12 bytes) against bytes of the same size.
    r.small_structs = await interleaved(p.payloadRounds, {
      wasm_mt_records_10000: function () { return perTrip(1 / 32, function () { return wasm('payload_points', 10000); }); },
      wasm_mt_bytes_120000: function () { return perTrip(1 / 32, function () { return wasm('payload_bytes_exact', 120000); }); },
    });

    // What sending big input costs the sending thread: ms per MiB it spends sending an image
    // it keeps (wasm_mt: in exec(); JS: in postMessage, a structured clone), and the longest
    // gap of a 10 ms ticker on it from the send until the worker has the image; one copy of
    // the size as the floor.
    env.status('send cost');
    var image = new Float32Array(p.sendMiB * 262144).fill(0.25);
    var gaps = {};
    var sendMethod = function (name, send) {
      gaps[name] = [];
      return async function () {
        var sent = await withTicker(send);
        gaps[name].push(sent.gap);
        return sent.value / p.sendMiB;
      };
    };
    await wasm('send_cost', p.sendMiB, 1); await wasm('send_cost', p.sendMiB, 0);  // images made, heap grown
    r.send_cost = { mib: p.sendMiB, ms_per_mib: await interleaved(p.sendRounds, {
      wasm_mt_shared_ptr: sendMethod('wasm_mt_shared_ptr', function () { return wasm('send_cost', p.sendMiB, 1); }),
      wasm_mt_vector_copy: sendMethod('wasm_mt_vector_copy', function () { return wasm('send_cost', p.sendMiB, 0); }),
      raw_clone: sendMethod('raw_clone', async function () {
        var t = now();
        root.benchSameThreadWorker.postMessage(image);  // (its worker ignores all but 0)
        var ms = now() - t;
        await floors.wasm_mt(0);
        return ms;
      }),
      one_copy: function () { return oneCopy(p.sendMiB) / p.sendMiB; },
    }) };
    r.send_cost.longest_gap_ms = {};
    Object.keys(gaps).forEach(function (name) { r.send_cost.longest_gap_ms[name] = summary(gaps[name]); });

    // Events and streams: µs per event (to a handler, and dropped without one), per
    // streamed item, against a call per item (the latency call, one after another).
    env.status('events and streams');
    await wasm('events', 1000); await wasm('stream_items', 1000);
    r.control = await interleaved(p.controlRounds, {
      wasm_mt_event: function () { return wasm('events', p.controlItems); },
      wasm_mt_event_unhandled: function () { return wasm('events_unhandled', p.controlItems); },
      wasm_mt_stream_item: function () { return wasm('stream_items', p.controlItems); },
      wasm_mt_call_per_item: function () { return wasm('latency', p.latencyCalls); },
    });

    env.status('done');
    return r;
  }

  // FNV-1a 64 of the bytes of `buffers` in order, as 16 hex digits (julia.hpp's checksum).
  function fnv1a64(buffers) {
    var hi = 0xcbf29ce4, lo = 0x84222325;  // 14695981039346656037
    buffers.forEach(function (buffer) {
      var bytes = new Uint8Array(buffer);
      for (var i = 0; i < bytes.length; i++) {
        lo ^= bytes[i];
        // (hi:lo) * 1099511628211 = (hi:lo) * (0x100 << 32 | 0x1b3), mod 2^64
        var loLow = (lo & 0xffff) * 0x1b3, loHigh = (lo >>> 16) * 0x1b3;
        var carry = (loHigh + (loLow >>> 16)) / 65536 >>> 0;
        var newLo = ((loHigh << 16) + loLow) >>> 0;
        hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) >>> 0;
        lo = newLo;
      }
    });
    var hex = function (x) { return ('00000000' + x.toString(16)).slice(-8); };
    return hex(hi) + hex(lo);
  }

  // wasm_mt's side: start(kind, a, b, token) calls bench.cpp's _bench_start, which answers
  // through root.benchDone(token, JSON result). Returns wasm(kind name, a, b) -> Promise.
  var kinds = { latency: 1, thread_start: 2, throughput: 3, julia_one_task: 4, julia_tiled: 5,
                payload_bytes: 6, payload_json: 7, heap_per_thread: 9, latency_exec_js: 10, hold_threads: 11,
                same_thread_echo: 12, payload_floats: 13, payload_floats_json: 14, events: 15, events_unhandled: 16,
                stream_items: 17, payload_tiles: 18, payload_tiles_json: 19, payload_points: 20,
                payload_float_map: 21, payload_bytes_exact: 22, send_cost: 23, latency_traced: 24 };
  function wasmMethod(start) {
    var pending = new Map();
    var nextToken = 1;
    root.benchDone = function (token, json) {
      var result = JSON.parse(json);
      var settle = pending.get(token);
      pending.delete(token);
      if (result.error) settle.reject(new Error(result.error)); else settle.resolve(result.value);
    };
    return function (kind, a, b) {
      return new Promise(function (resolve, reject) {
        var token = nextToken++;
        pending.set(token, { resolve: resolve, reject: reject });
        start(kinds[kind], a || 0, b || 0, token);
      });
    };
  }

  // A round trip to an echo worker, one at a time, through one persistent listener
  // (re-assigning onmessage per call costs more than the call): listen(onData) sets it
  // up, post(message, transfer) sends. Returns echo(message, transfer) -> Promise.
  function echoMethod(listen, post) {
    var waiting = null;
    listen(function (data) { var resolve = waiting; waiting = null; resolve(data); });
    return function (message, transfer) {
      return new Promise(function (resolve) {
        waiting = resolve;
        post(message, transfer || []);
      });
    };
  }

  root.wasmMtBenchPlan = { params: params, useQuickParams: useQuickParams, errorText: errorText, run: run, summary: summary, wasmMethod: wasmMethod, echoMethod: echoMethod };
})(typeof globalThis !== 'undefined' ? globalThis : self);
