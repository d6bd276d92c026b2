// The app: imports the wasm_mt program like any ES module and runs it. Vite bundles the
// program, its wasm and its workers; nothing else is configured (vite.config.mjs only
// says where the build put app.mjs).
import createApp from 'wasm-app/app.mjs';

const output = document.getElementById('output');
window.demo = { results: {}, done: false, error: null };

function print(line) {
  output.textContent += line + '\n';
  if (line.startsWith('app: ')) {
    window.demo.results = JSON.parse(line.slice(5));
    window.demo.done = true;
    document.getElementById('status').textContent = window.demo.results.error ? 'failed' : 'done';
  }
}

createApp({ print, printErr: print }).catch(e => {
  window.demo.error = String(e && e.stack || e);
  window.demo.done = true;
});
