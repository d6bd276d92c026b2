// Where a wasm_mt thread's start goes, phase by phase, in Chromium, Firefox and WebKit:
// the bench program (build/bench/bench.js) copied with timestamps added at each phase of
// its worker's boot, against raw workers whose script is tiny or as large as the
// program's (dead code). Medians of 15 starts of one thread (thread::spawn, then one exec), ms.
//   node bench/start-phases/run.mjs --build <cmake build dir> [--engines webkit,...]
// A profiling tool, not a test: it fails loudly if the glue's text changed under it.
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { engines } from '../../test/browser/engines.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const build = resolve(option('--build', join(here, '../../build')));
const names = option('--engines', 'chromium,firefox,webkit').split(',');

const dir = mkdtempSync(join(tmpdir(), 'wasm_mt-start-phases-'));
const program = readFileSync(join(build, 'bench', 'bench.js'), 'utf8');
let probe = 'var wasmMtPhase = {script: performance.now()};\n' + program;
const mark = (where, code) => {
  if (probe.split(where).length !== 2) throw new Error(`start-phases: the glue no longer contains ${JSON.stringify(where)}`);
  probe = probe.replace(where, code(where));
};
mark('else if(W.receivedInit){', (s) => s + 'wasmMtPhase.init=performance.now();');
mark('.then(function(instance){receiveInstance(instance,module)})',
     () => '.then(function(instance){wasmMtPhase.instantiated=performance.now();receiveInstance(instance,module)})');
mark('ready:function(){var W=wasmMtWorker;', (s) => s +
  'if(typeof WorkerGlobalScope!="undefined"){var o=performance.timeOrigin,p=wasmMtPhase;' +
  'new BroadcastChannel("wasm_mt-start-phases").postMessage({script:o+p.script,evaluated:o+p.evaluated,' +
  'init:o+p.init,instantiated:o+p.instantiated,ready:o+performance.now()})}');
probe += '\nwasmMtPhase.evaluated = performance.now();\n';
writeFileSync(join(dir, 'bench.js'), probe);  // (its workers load the program by its own name)
copyFileSync(join(build, 'bench', 'bench.wasm'), join(dir, 'bench.wasm'));
const firstLine = 'postMessage(performance.timeOrigin + performance.now());\n';
writeFileSync(join(dir, 'tiny.js'), firstLine);
writeFileSync(join(dir, 'dead-code.js'), firstLine + 'if (self.neverSet) {\n' + program + '\n}\n');
copyFileSync(join(here, 'page.html'), join(dir, 'index.html'));

const server = await startServer([{ prefix: '/', dir }], 0, { cache: true });
for (const name of names) {
  const engine = await engines[name]();
  try {
    await engine.open(`${server.url}/index.html`);
    let out = null;
    for (let i = 0; i < 600 && !out; i++) {
      await new Promise((r) => setTimeout(r, 200));
      out = await engine.evaluate('window.startPhases || null');
    }
    console.log(`${name} ${engine.version}: ${out ? JSON.stringify(out) : 'no result in 120 s'}`);
  } finally {
    await engine.close();
  }
}
await server.close();
