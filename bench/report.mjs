// Renders the benchmark results as one self-contained HTML page with SVG bar charts.
const esc = s => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = v => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

// Bars of medians with min-max whiskers. rows: [{label, s: {median, min, max}}].
function chart(rows, unit) {
  const width = 560, bar = 18, gap = 8, left = 190;
  const max = Math.max(...rows.map(r => r.s.max)) || 1;
  const x = v => left + (width - left - 70) * v / max;
  const body = rows.map((r, i) => {
    const y = i * (bar + gap);
    return `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(r.label)}</text>` +
      `<rect x="${left}" y="${y}" width="${x(r.s.median) - left}" height="${bar}" fill="${r.label.startsWith('wasm_mt') ? '#2f6fd0' : '#9aa7b8'}"/>` +
      `<line x1="${x(r.s.min)}" x2="${x(r.s.max)}" y1="${y + bar / 2}" y2="${y + bar / 2}" stroke="#222"/>` +
      `<text x="${x(r.s.max) + 6}" y="${y + 13}">${fmt(r.s.median)} ${unit}</text>`;
  }).join('');
  return `<svg width="${width}" height="${rows.length * (bar + gap)}" font-size="12" font-family="sans-serif">${body}</svg>`;
}

const mib = bytes => (bytes / 1048576).toFixed(1) + ' MiB';
const measuredMemory = m => `<br>JS heap per thread as Chromium measures it (${m.threads} held; wasm memory is not counted): wasm_mt ${mib(m.wasm_mt.total_bytes)} ` +
  `(${mib(m.wasm_mt.worker_bytes)} in the worker itself), raw worker holding the module ${mib(m.raw_worker.total_bytes)} (${mib(m.raw_worker.worker_bytes)})`;
const rowsOf = (group, labels) => Object.entries(group).map(([k, s]) => ({ label: labels ? labels(k) : k, s }));

export function renderReport(data) {
  const engines = Object.entries(data.engines);
  const section = (title, note, render) => `<h2>${esc(title)}</h2><p>${note}</p><div class="grid">` +
    engines.map(([name, e]) => `<div><h3>${esc(name)} ${esc(e.version || '')}</h3>${e.error ? `<p class="bad">${esc(e.error)}</p>` : render(e.results)}</div>`).join('') + '</div>';
  const goals = engines.map(([name, e]) => e.goals ? e.goals.map(g =>
    `<tr><td>${esc(name)}</td><td>${esc(g.goal)}</td><td>${esc(g.value)}</td><td class="${g.met ? 'ok' : 'bad'}">${g.met ? 'met' : 'MISSED'}</td><td>${esc(g.detail)}</td></tr>`).join('') : '').join('');
  return `<!doctype html><meta charset="utf-8"><title>wasm_mt benchmarks</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.25em .8em .25em 0;text-align:left;vertical-align:top}
.ok{color:#176f2c}.bad{color:#b00020;font-weight:bold}.grid{display:flex;flex-wrap:wrap;gap:2em}h3{margin:.5em 0}</style>
<h1>wasm_mt benchmarks</h1>
${data.quick ? '<p class="bad">A quick run (--quick): it checks that every measurement runs. Its figures mean nothing.</p>\n' : ''}<p>${esc(data.date)}. Machine (threads used for pools and the julia curve: its cores): ${esc(data.machine.cpus)} × ${esc(data.machine.cpuModel)}, ${esc(data.machine.memory)}, ${esc(data.machine.os)}; Node ${esc(data.machine.node)}.
Every figure is the median of interleaved rounds (whiskers: min to max); ratios are taken within one engine, in one run. Latency ratios are the median of each round's own ratio (a round's methods run within a fraction of a second of each other).
Pages are served without COOP/COEP (no SharedArrayBuffer). Parameters: <code>${esc(JSON.stringify(data.params))}</code>.
Native julia kernel (g++ -O2, best of 5): ${data.native ? esc(data.native.ms.toFixed(1)) + ' ms' : 'not built'}.</p>
<h2>Goals</h2><table><tr><th>engine</th><th>goal</th><th>value</th><th></th><th>measured</th></tr>${goals}</table>
${section('1. Call latency', 'Round trip of one tiny call (µs, lower is better): wasm_mt exec of a registered closure with a small capture struct and an int result; wasm_mt exec_js of <code>return 1</code> (no C++ in the worker: the difference is the worker-side dispatch); Comlink 4.4 and workerpool calling a JS function (in Node also piscina 5 and tinypool 2, one-thread pools, judged against raw_postmessage); a raw postMessage echo of 0 answered by each one\'s own worker (*_same_thread: its floor, over the same two threads) and by a worker of its own (raw_postmessage). Which cores two threads land on decides their round trip on a small VM (about 25 or 70-100 µs), so each library is judged by what it adds to its own floor.',
    r => chart(rowsOf(r.latency), 'µs'))}
${section('2. Thread start', 'Time until every thread answered its first call (ms): wasm_mt thread::start and one exec sent at once (wasm_mt), or thread::spawn, awaited, then one exec (wasm_mt_spawn), against raw workers instantiating the same precompiled module.',
    r => Object.entries(r.thread_start).map(([n, s]) => `<p>${n} thread(s)</p>` + chart(rowsOf(s), 'ms')).join(''))}
${section('3. Pool throughput', `${data.params.throughputTasks} tiny tasks through a pool of hardware-concurrency threads (tasks/s, higher is better).`,
    r => chart(rowsOf(r.throughput), '/s'))}
${section('4. Julia', 'The demo kernel (800×800, 900 iterations): one whole-image task, and one image tiled over 1..N threads (ms); in Node, piscina and tinypool render the same tiles with the same kernel (a standalone wasm build of it, instantiated in their workers), pixels transferred back.',
    r => chart([{ label: 'one task', s: r.julia.one_task }, ...rowsOf(r.julia.tiled, k => `wasm_mt tiled, ${k} thread(s)`),
                ...Object.entries(r.julia.tiled_js_pools || {}).flatMap(([name, t]) => rowsOf(t, k => `${name} tiled, ${k} thread(s)`))], 'ms'))}
${section('5. Payloads', 'Round trip of a binary payload (ms): raw transfer of an ArrayBuffer to an echo worker and back; wasm_mt bytes; and one copy of that size into a fresh ArrayBuffer, as the glue makes it. Without shared memory a round trip needs 4 copies (out of the sender\'s heap and into the receiver\'s, each way): the goal compares wasm_mt with raw transfer + 4 copies.',
    r => Object.entries(r.payloads).map(([mib, s]) => `<p>${mib} MiB</p>` + chart(rowsOf(s), 'ms')).join('') +
      `<p>${data.params.jsonMiB} MiB as a JSON string capture vs as bytes; tiles with only nlohmann's JSON form</p>` + chart(rowsOf(r.json_payload), 'ms') +
      (r.small_structs ? '<p>10,000 small structs (12-byte records) vs their bytes</p>' + chart(rowsOf(r.small_structs), 'ms') : ''))}
${section('5b. Send cost', 'What sending an image the caller keeps costs the sending thread (ms per MiB, lower is better): wasm_mt with a <code>std::shared_ptr&lt;const std::vector&lt;float&gt;&gt;</code> capture (one copy, out of the heap), the same floats copied into a <code>std::vector</code> capture first, a JS <code>postMessage</code> of the same <code>Float32Array</code> (structured clone), one copy of the size; then the longest gap of a 10 ms ticker on that thread (ms) from the send until the worker has it.',
    r => r.send_cost ? `<p>${r.send_cost.mib} MiB</p>` + chart(rowsOf(r.send_cost.ms_per_mib), 'ms/MiB') + chart(rowsOf(r.send_cost.longest_gap_ms), 'ms') : '<p>not measured</p>')}
${section('6. Events and streams', `${data.params.controlItems} progress events from one closure (this_request::emit) to a handler, and with no handler (dropped in the worker, never encoded); ${data.params.controlItems} ints streamed from a generator (window 64) and read one by one with co_await next(); against one tiny call per item (µs per item, lower is better).`,
    r => r.control ? chart(rowsOf(r.control), 'µs') : '<p>not measured</p>')}
${section('7. Memory', 'What the engine lets a page see: the wasm memory each worker allocates; in Chromium, performance.measureUserAgentSpecificMemory in a cross-origin isolated page (8 threads started and held, against 8 raw workers holding the instantiated module); in Node, resident memory the same way.',
    r => `<p>wasm memory of a fresh worker: ${(r.memory.wasm_heap_per_thread_bytes / 1048576).toFixed(1)} MiB (Emscripten's initial heap; it grows on demand)<br>main thread JS heap: ${r.memory.main_js_heap_bytes ? (r.memory.main_js_heap_bytes / 1048576).toFixed(1) + ' MiB' : 'not exposed'}${r.memory.per_thread_rss_bytes ? `<br>resident memory per thread (Node, 8 threads started and held): ${(r.memory.per_thread_rss_bytes / 1048576).toFixed(1)} MiB${r.memory.raw_worker_rss_bytes ? ` (a raw worker instantiating the module: ${(r.memory.raw_worker_rss_bytes / 1048576).toFixed(1)} MiB)` : ''}` : ''}${r.memory.main_rss_bytes ? `<br>process RSS (Node) before them: ${(r.memory.main_rss_bytes / 1048576).toFixed(0)} MiB` : ''}${r.memory.measured_per_thread ? measuredMemory(r.memory.measured_per_thread) : ''}</p>`)}
`;
}
