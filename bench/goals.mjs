import './page/plan.js';

const median = (values) => globalThis.wasmMtBenchPlan.summary(values).median;
// a/b as the median of the rounds' own ratios, with the middle half of them. In a round
// the two ran within a fraction of a second of each other, so the machine's drift
// between rounds (large here: the raw echo's own time moves 3x) cancels out.
export function pairedRatio(a, b) {
  const ratios = a.samples.map((x, i) => x / b.samples[i]).sort((x, y) => x - y);
  return { ratio: median(ratios), low: ratios[Math.floor((ratios.length - 1) / 4)],
           high: ratios[Math.ceil((ratios.length - 1) * 3 / 4)] };
}
const spread = (p) => `middle half of rounds ${p.low.toFixed(2)}-${p.high.toFixed(2)}x`;

// The goals, evaluated on one engine's results: [{goal, value, met, detail}].
export function evaluateGoals(r, native) {
  const goals = [];
  const add = (goal, value, met, detail) => goals.push({ goal, value, met, detail });
  const lat = r.latency;
  // The floor is the raw echo on wasm_mt's own thread pair (bench.cpp same_thread_echo).
  const vsRaw = pairedRatio(lat.wasm_mt, lat.raw_same_thread);
  add('call latency within 1.25x of a raw postMessage echo (same threads)', `${vsRaw.ratio.toFixed(2)}x`, vsRaw.ratio <= 1.25,
      `${lat.wasm_mt.median.toFixed(1)} µs vs ${lat.raw_same_thread.median.toFixed(1)} µs; ${spread(vsRaw)}`);
  if (lat.wasm_mt_traced) {
    const traced = pairedRatio(lat.wasm_mt_traced, lat.wasm_mt);
    add('a call with a wasm_mt::trace recording costs at most 1.05x one without', `${traced.ratio.toFixed(3)}x`,
        traced.ratio <= 1.05, `${lat.wasm_mt_traced.median.toFixed(1)} µs vs ${lat.wasm_mt.median.toFixed(1)} µs; ${spread(traced)}`);
  }
  // Each library against its own floor: where its worker landed decides the raw round
  // trip (about 25 or 70-100 µs here), so what a library adds is its time minus a raw
  // echo over its own two threads, round by round.
  const added = (name, floorName) => lat[name].samples.map((x, i) => x - lat[floorName].samples[i]);
  const wasmAdded = added('wasm_mt', 'raw_same_thread');
  // piscina and tinypool (Node) keep their workers to themselves: their floor is a raw
  // echo over a worker of its own (raw_postmessage).
  const libraries = [['comlink', 'Comlink', 'comlink_same_thread'], ['workerpool', 'workerpool', 'workerpool_same_thread'],
                     ['piscina', 'piscina', 'raw_postmessage'], ['tinypool', 'tinypool', 'raw_postmessage']];
  for (const [name, label, floorName] of libraries.filter(([name]) => lat[name])) {
    const libraryAdded = added(name, floorName);
    const lead = median(libraryAdded.map((x, i) => x - wasmAdded[i]));
    add(`call latency below ${label} (what each adds to a raw echo on its own threads)`,
        `${lead >= 0 ? lead.toFixed(1) + ' µs less' : (-lead).toFixed(1) + ' µs more'}`, lead > 0,
        `wasm_mt adds ${median(wasmAdded).toFixed(1)} µs, ${label} ${median(libraryAdded).toFixed(1)} µs (medians of rounds); ` +
        `as measured ${lat.wasm_mt.median.toFixed(1)} vs ${lat[name].median.toFixed(1)} µs`);
  }
  for (const [count, s] of Object.entries(r.thread_start)) {
    const x = s.wasm_mt.median / s.raw_worker.median;
    add(`starting ${count} thread(s) within 1.5x of raw workers instantiating the module`, `${x.toFixed(2)}x`, x <= 1.5,
        `${s.wasm_mt.median.toFixed(1)} ms vs ${s.raw_worker.median.toFixed(1)} ms`);
  }
  const tp = r.throughput.wasm_mt.median / r.throughput.workerpool.median;
  add('pool throughput at least 3x workerpool', `${tp.toFixed(2)}x`, tp >= 3,
      `${Math.round(r.throughput.wasm_mt.median)} vs ${Math.round(r.throughput.workerpool.median)} tasks/s`);
  // Against the best JS pool measured here (workerpool everywhere; piscina, tinypool in Node).
  const best = (entries) => entries.reduce((a, b) => (b[1] < a[1] ? b : a));
  const pools = Object.entries(r.throughput).filter(([name]) => name !== 'wasm_mt');
  if (pools.length > 1) {
    const [bestName, bestRate] = best(pools.map(([name, s]) => [name, -s.median]));
    const x = r.throughput.wasm_mt.median / -bestRate;
    add('pool throughput at least the best JS pool\'s', `${x.toFixed(2)}x`, x >= 1,
        `${Math.round(r.throughput.wasm_mt.median)} vs ${Math.round(-bestRate)} tasks/s (${bestName}; ` +
        pools.map(([name, s]) => `${name} ${Math.round(s.median)}`).join(', ') + ')');
  }
  const tiled = r.julia.tiled;
  const one = tiled['1'].median;
  for (const [threads, s] of Object.entries(tiled)) {
    if (threads === '1') continue;
    const efficiency = one / (Number(threads) * s.median);
    add(`julia parallel efficiency on ${threads} threads at least 0.9`, efficiency.toFixed(2), efficiency >= 0.9,
        `${s.median.toFixed(1)} ms vs ${one.toFixed(1)} ms on 1 thread`);
  }
  // The JS pools' workers run the same kernel (a standalone wasm build of it).
  for (const [threads, s] of Object.entries(r.julia.tiled_js_pools ? tiled : {})) {
    const [bestName, bestMs] = best(Object.entries(r.julia.tiled_js_pools).map(([name, t]) => [name, t[threads].median]));
    const x = s.median / bestMs;
    add(`julia tiles on ${threads} thread(s) within 1.1x of the best JS pool running the same kernel`, `${x.toFixed(2)}x`, x <= 1.1,
        `${s.median.toFixed(1)} ms vs ${bestMs.toFixed(1)} ms (${bestName}; ` +
        Object.entries(r.julia.tiled_js_pools).map(([name, t]) => `${name} ${t[threads].median.toFixed(1)}`).join(', ') + ')');
  }
  if (native) {
    const x = r.julia.one_task.median / native.ms;
    add('julia single-thread wasm within 1.5x of native g++ -O2', `${x.toFixed(2)}x`, x <= 1.5,
        `${r.julia.one_task.median.toFixed(1)} ms (one task, round trip included) vs ${native.ms.toFixed(1)} ms`);
  }
  for (const [mib, s] of Object.entries(r.payloads)) {
    const model = s.raw_transfer.median + 4 * s.one_copy.median;
    const x = s.wasm_mt_bytes.median / model;
    add(`${mib} MiB binary round trip costs raw transfer + the 4 heap copies (within 1.5x)`, `${x.toFixed(2)}x`, x <= 1.5,
        `${s.wasm_mt_bytes.median.toFixed(1)} ms vs ${model.toFixed(1)} ms modelled (${(s.wasm_mt_bytes.median / Number(mib)).toFixed(2)} ms/MiB)`);
    if (s.wasm_mt_floats) {
      const f = s.wasm_mt_floats.median / s.wasm_mt_bytes.median;
      add(`${mib} MiB std::vector<float> round trip costs what the same bytes cost (within 1.25x)`, `${f.toFixed(2)}x`, f <= 1.25,
          `${s.wasm_mt_floats.median.toFixed(1)} ms vs ${s.wasm_mt_bytes.median.toFixed(1)} ms as bytes`);
    }
  }
  for (const [mib, s] of Object.entries(r.payloads)) {
    for (const [key, what] of [['wasm_mt_tile', 'as one WASM_MT_STRUCT {int; vector<uint8_t>}'],
                               ['wasm_mt_tiles', 'as 16 WASM_MT_STRUCT tiles a MiB'],
                               ['wasm_mt_records', 'as 12-byte records'],
                               ['wasm_mt_float_map', 'as a map of 16 float vectors a MiB']]) {
      if (!s[key]) continue;
      const x = s[key].median / s.wasm_mt_bytes.median;
      add(`${mib} MiB ${what} round trip costs what the same bytes cost (within 1.25x)`, `${x.toFixed(2)}x`, x <= 1.25,
          `${s[key].median.toFixed(2)} ms vs ${s.wasm_mt_bytes.median.toFixed(2)} ms as bytes`);
    }
  }
  if (r.small_structs) {
    const s = r.small_structs;
    const x = s.wasm_mt_records_10000.median / s.wasm_mt_bytes_120000.median;
    add('10,000 small structs (12-byte records) cost what their 120,000 bytes cost (within 1.25x)', `${x.toFixed(2)}x`, x <= 1.25,
        `${s.wasm_mt_records_10000.median.toFixed(3)} ms vs ${s.wasm_mt_bytes_120000.median.toFixed(3)} ms as bytes`);
  }
  if (r.json_payload && r.json_payload.wasm_mt_tiles_nlohmann_only) {
    const j = r.json_payload;
    const x = j.wasm_mt_tiles_nlohmann_only.median / j.wasm_mt_tiles.median;
    add('tiles described with WASM_MT_STRUCT at least 10x faster than with only nlohmann\'s JSON form', `${x.toFixed(0)}x`, x >= 10,
        `${j.wasm_mt_tiles.median.toFixed(2)} ms vs ${j.wasm_mt_tiles_nlohmann_only.median.toFixed(0)} ms a MiB`);
  }
  if (r.json_payload && r.json_payload.wasm_mt_floats_as_json) {
    const j = r.json_payload.wasm_mt_floats_as_json.median / r.json_payload.wasm_mt_floats.median;
    add('std::vector<float> as binary at least 10x faster than the same floats as a JSON capture', `${j.toFixed(1)}x`, j >= 10,
        `${r.json_payload.wasm_mt_floats.median.toFixed(2)} ms binary vs ${r.json_payload.wasm_mt_floats_as_json.median.toFixed(2)} ms JSON`);
  }
  if (r.send_cost) {
    const s = r.send_cost.ms_per_mib, g = r.send_cost.longest_gap_ms, mib = r.send_cost.mib;
    const x = s.wasm_mt_shared_ptr.median / s.one_copy.median;
    add(`sending ${mib} MiB the caller keeps (a std::shared_ptr capture) costs the sending thread one copy (within 1.5x)`,
        `${x.toFixed(2)}x`, x <= 1.5,
        `${s.wasm_mt_shared_ptr.median.toFixed(2)} ms/MiB vs one copy ${s.one_copy.median.toFixed(2)} ms/MiB; ` +
        `copied into a std::vector capture ${s.wasm_mt_vector_copy.median.toFixed(2)}, a JS postMessage of it (structured clone) ` +
        `${s.raw_clone.median.toFixed(2)} ms/MiB`);
    const gap = g.wasm_mt_shared_ptr.median / g.raw_clone.median;
    add(`longest gap of a 10 ms ticker while sending ${mib} MiB the caller keeps: no longer than JS posting it (within 1.25x)`,
        `${g.wasm_mt_shared_ptr.median.toFixed(1)} ms`, gap <= 1.25,
        `${gap.toFixed(2)}x the ${g.raw_clone.median.toFixed(1)} ms of a JS postMessage of the same Float32Array; ` +
        `copied into a std::vector capture ${g.wasm_mt_vector_copy.median.toFixed(1)} ms`);
  }
  if (r.control) {
    const c = r.control;
    const x = pairedRatio(c.wasm_mt_stream_item, c.wasm_mt_call_per_item);
    add('a streamed item costs at most a tenth of a call per item', `${x.ratio.toFixed(3)}x`, x.ratio <= 0.1,
        `${c.wasm_mt_stream_item.median.toFixed(2)} µs per item vs ${c.wasm_mt_call_per_item.median.toFixed(1)} µs per call; ${spread(x)}`);
    const e = c.wasm_mt_event.median;
    add('a progress event costs under 5 µs (10,000 a closure: under 50 ms)', `${e.toFixed(2)} µs`, e < 5,
        `${(1e6 / e).toFixed(0)} events/s; with no handler ${c.wasm_mt_event_unhandled.median.toFixed(3)} µs per event`);
  }
  return goals;
}
