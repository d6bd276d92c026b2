// A/B of what an event and a stream item cost, in Node: two builds' bench programs run
// alternately (A B A B ..., each in its own process: bench/node/control.cjs), then the
// medians of their runs and B over A, measured side by side in this one run.
//   node bench/control-ab.mjs --a <build dir> --b <build dir> [--runs 8]
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const options = { a: null, b: null, runs: 8 };
for (const args = process.argv.slice(2); args.length;) {
  const flag = args.shift();
  if (flag === '--a') options.a = resolve(args.shift());
  else if (flag === '--b') options.b = resolve(args.shift());
  else if (flag === '--runs') options.runs = Number(args.shift());
  else { console.error(`unknown option ${flag}`); process.exit(2); }
}
if (!options.a || !options.b) {
  console.error('usage: node bench/control-ab.mjs --a <build dir> --b <build dir> [--runs 8]');
  process.exit(2);
}
const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
const runs = { A: [], B: [] };
for (let i = 0; i < options.runs; ++i) {
  for (const name of ['A', 'B']) {
    const child = spawnSync(process.execPath, [join(here, 'node', 'control.cjs'), options[name.toLowerCase()]],
                            { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${name}: ${child.stderr || child.stdout}`);
    runs[name].push(JSON.parse(child.stdout.trim().split('\n').pop()));
  }
}
console.log(`${options.runs} runs each, alternated; medians, µs per event or item`);
for (const what of ['events', 'events_unhandled', 'stream_items']) {
  const a = median(runs.A.map((r) => r[what]));
  const b = median(runs.B.map((r) => r[what]));
  console.log(`${what.padEnd(17)} A ${a.toFixed(4)}  B ${b.toFixed(4)}  B/A ${(b / a).toFixed(2)}`);
}
