// The goals, evaluated on one engine's results: [{goal, value, met, detail}].
export function evaluateGoals(r, native) {
  const goals = [];
  const add = (goal, value, met, detail) => goals.push({ goal, value, met, detail });
  const lat = r.latency;
  const ratio = lat.wasm_mt.median / lat.raw_postmessage.median;
  add('call latency within 1.25x of a raw postMessage echo', `${ratio.toFixed(2)}x`, ratio <= 1.25,
      `${lat.wasm_mt.median.toFixed(1)} µs vs ${lat.raw_postmessage.median.toFixed(1)} µs`);
  add('call latency below Comlink', `${(lat.comlink.median / lat.wasm_mt.median).toFixed(2)}x faster`,
      lat.wasm_mt.median < lat.comlink.median, `${lat.comlink.median.toFixed(1)} µs for Comlink`);
  add('call latency below workerpool', `${(lat.workerpool.median / lat.wasm_mt.median).toFixed(2)}x faster`,
      lat.wasm_mt.median < lat.workerpool.median, `${lat.workerpool.median.toFixed(1)} µs for workerpool`);
  for (const [count, s] of Object.entries(r.thread_start)) {
    const x = s.wasm_mt.median / s.raw_worker.median;
    add(`starting ${count} thread(s) within 1.5x of raw workers instantiating the module`, `${x.toFixed(2)}x`, x <= 1.5,
        `${s.wasm_mt.median.toFixed(1)} ms vs ${s.raw_worker.median.toFixed(1)} ms`);
  }
  const tp = r.throughput.wasm_mt.median / r.throughput.workerpool.median;
  add('pool throughput at least 3x workerpool', `${tp.toFixed(2)}x`, tp >= 3,
      `${Math.round(r.throughput.wasm_mt.median)} vs ${Math.round(r.throughput.workerpool.median)} tasks/s`);
  const tiled = r.julia.tiled;
  const one = tiled['1'].median;
  for (const [threads, s] of Object.entries(tiled)) {
    if (threads === '1') continue;
    const efficiency = one / (Number(threads) * s.median);
    add(`julia parallel efficiency on ${threads} threads at least 0.9`, efficiency.toFixed(2), efficiency >= 0.9,
        `${s.median.toFixed(1)} ms vs ${one.toFixed(1)} ms on 1 thread`);
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
  }
  return goals;
}
