// Runs a setup build under Node and checks what its main() saw (setup.cpp), or that a
// web-only build holds no Node code. Prints "setup ok" or why not.
//   node run.cjs <classic|debug|preload|modularize|es6|app-worker> <program>
//   node run.cjs web-only <program>
//   node run.cjs small-stack <program>   (small_stack.cpp)
//   node run.cjs load-failure-<classic|modularize|es6> <program>
// load-failure-*: the program's .wasm is missing, then not wasm: its start must fail
// naming it (a factory rejects, a classic program exits non-zero), within 30 s, never hang.
// app-worker: the program runs inside a worker_threads Worker of this process's own (not
// one of wasm_mt's), and is the parent of its threads there.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const [setup, program] = process.argv.slice(2);

function fail(why) {
  console.log(`setup ${setup} FAILED: ${why}`);
  process.exit(1);
}

// The program's printed lines must hold what it saw; `data`: the preloaded file is on
// the main thread (and, everywhere, never in a worker).
function check(lines, data) {
  const line = lines.find(l => l.startsWith('setup: '));
  if (!line) fail('no result line; printed: ' + JSON.stringify(lines));
  const seen = JSON.parse(line.slice(7));
  const problems = [];
  const expect = (what, actual, expected) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  expect('error', seen.error, undefined);
  expect('add', seen.add, 42);
  expect('worker', seen.worker, { has_data: false, in_worker: true, label: 'setup' });
  expect('nested', seen.nested, 5);
  expect('pool', seen.pool, 3);
  expect('a request stopped while its thread starts', seen.stopped_while_starting, 'cancelled, not run');
  expect('that thread, after the stop', seen.after_the_stop, 4);
  expect('data on the main thread', seen.main_data, data ? 'hello from the data package' : '');
  expect('the worker\'s print reached the main thread\'s', lines.includes('printed by the worker'), true);
  if (problems.length) fail(problems.join('; '));
  console.log(`setup ok: ${line}`);
}

// A factory's program, in this process: its print collects the lines.
function runFactory(load) {
  const lines = [];
  const print = text => lines.push(text);
  const deadline = Date.now() + 60000;
  const poll = () => {
    if (lines.some(l => l.startsWith('setup: '))) return check(lines, false);
    if (Date.now() > deadline) fail('no result within 60 s; printed: ' + JSON.stringify(lines));
    setTimeout(poll, 20);
  };
  load().then(factory => factory({ print, printErr: print })).catch(e => fail(e && e.stack || e));
  poll();
}

// The program with its wasm at `wasm` (a factory's locateFile points there; a classic
// program, which Node gives no Module to configure, runs from a copy beside it): how its
// start failed, or 'started', or 'hung'.
async function startWith(build, wasm) {
  let args;
  if (build === 'classic') {
    const copy = wasm.replace(/\.wasm$/, '.js');
    fs.copyFileSync(program, copy);
    args = [copy];
  } else {
    const options = `{ locateFile: p => p.endsWith('.wasm') ? ${JSON.stringify(wasm)} : p, print() {}, printErr() {} }`;
    const load = build === 'es6' ? `import(${JSON.stringify(pathToFileURL(path.resolve(program)).href)}).then(m => m.default)`
                                 : `Promise.resolve(require(${JSON.stringify(path.resolve(program))}))`;
    args = ['-e', `${load}.then(factory => factory(${options})).then(() => console.log('outcome: started'),
                     e => console.log('outcome: rejected: ' + (e && e.message || e)));`];
  }
  // (A child process: a failed start may leave an uncaught error, as plain Emscripten's does.)
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30000 });
  if (run.error) return 'hung';
  if (build === 'classic') return run.status === 0 ? 'started' : `exit: ${run.status}: ${run.stdout}${run.stderr}`;
  const line = (run.stdout || '').split('\n').find(l => l.startsWith('outcome: '));
  return line ? line.slice(9) : `no outcome (exit ${run.status}): ${run.stderr}`;
}

if (setup.startsWith('load-failure-')) {
  const build = setup.slice('load-failure-'.length);
  const how = build === 'classic' ? 'exit' : 'rejected';
  (async () => {
    const outcomes = [];
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'wasm_mt-load-')));
    // (Named as the program names its wasm: a classic copy looks for it beside itself.)
    const name = path.basename(program).replace(/\.m?js$/, '.wasm');
    fs.mkdirSync(path.join(dir, 'missing'));
    fs.mkdirSync(path.join(dir, 'bad'));
    fs.writeFileSync(path.join(dir, 'bad', name), 'these bytes are not wasm');
    for (const wasm of [path.join(dir, 'missing', name), path.join(dir, 'bad', name)]) {
      const outcome = await startWith(build, wasm);
      if (!outcome.startsWith(how + ': ') || !outcome.includes(wasm) || !outcome.includes('cannot load'))
        fail(`with its wasm ${wasm}: expected ${how} naming it, saw: ${outcome}`);
      outcomes.push(outcome.split('\n')[0]);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`setup ok: ${outcomes.join(' | ')}`);
  })();
} else if (setup === 'web-only') {
  const text = fs.readFileSync(program, 'utf8');
  const leaks = ['worker_threads', 'require('].filter(s => text.includes(s));
  if (leaks.length) fail(`a -sENVIRONMENT=web,worker build holds Node code: ${leaks.join(', ')}`);
  console.log(`setup ok: no Node code in ${path.basename(program)}`);
} else if (setup === 'app-worker') {
  const { Worker } = require('node:worker_threads');
  const lines = [];
  const worker = new Worker(path.resolve(program), { stdout: true, stderr: true });
  let text = '';
  worker.stdout.on('data', chunk => { text += chunk; });
  worker.stderr.on('data', chunk => { text += chunk; });
  worker.on('error', e => fail(e && e.stack || e));
  const deadline = Date.now() + 60000;
  const poll = () => {
    const all = text.split('\n');
    if (all.some(l => l.startsWith('setup: '))) {
      check(all, false);
      return worker.terminate();
    }
    if (Date.now() > deadline) fail('no result within 60 s; printed: ' + JSON.stringify(all));
    setTimeout(poll, 20);
  };
  poll();
} else if (setup === 'small-stack') {
  // small_stack.cpp, linked with current Emscripten's 64 KiB stack.
  const run = spawnSync(process.execPath, [program], { encoding: 'utf8', timeout: 60000, cwd: path.dirname(program) });
  if (run.error || run.status !== 0) fail(`exit ${run.status} ${run.error || ''}: ${run.stdout}${run.stderr}`);
  const line = run.stdout.split('\n').find(l => l.startsWith('small stack: '));
  if (!line) fail('no result line; printed: ' + JSON.stringify(run.stdout + run.stderr));
  const seen = JSON.parse(line.slice('small stack: '.length));
  // Some hundreds of links go (the walk takes a few frames a link); not 2,000.
  if (!(seen.longest_chain_sent >= 300 && seen.longest_chain_sent < 2000))
    fail(`the longest chain sent: ${seen.longest_chain_sent} links, expected 300-1,900`);
  delete seen.longest_chain_sent;
  const expected = {
    after: 5,
    chain_200: 20100,
    chain_200_result: 20100,
    chain_2000: 'bad_payload, not run, names STACK_SIZE',
    chain_2000_result: 'bad_payload, maybe run, names STACK_SIZE',
    chain_2000_text: 'bad_payload, too deep for the stack',
    json_capture: 2000,
    json_result: 2000,
  };
  const sorted = o => JSON.stringify(Object.keys(o).sort().map(k => [k, o[k]]));
  if (sorted(seen) !== sorted(expected)) fail(`saw ${line}, expected ${JSON.stringify(expected)}`);
  console.log(`setup ok: ${line}`);
} else if (setup === 'modularize') {
  runFactory(async () => require(path.resolve(program)));
} else if (setup === 'es6') {
  runFactory(async () => (await import(pathToFileURL(path.resolve(program)).href)).default);
} else {
  // A plain program prints to stdout: run it as a user would.
  const run = spawnSync(process.execPath, [program], { encoding: 'utf8', timeout: 60000, cwd: path.dirname(program) });
  if (run.error || run.status !== 0) fail(`exit ${run.status} ${run.error || ''}: ${run.stderr}`);
  check(run.stdout.split('\n'), setup === 'preload');
}
