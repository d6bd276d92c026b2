// The app, bundled: imports the wasm_mt program like any ES module (Vite, webpack; the
// configs only say where the build put app.mjs) and hands its factory to the page (ui.js).
import createApp from 'wasm-app/app.mjs';
import { start } from './ui.js';

start(createApp).catch(e => {
  document.getElementById('status').textContent = 'failed: ' + e;
  window.demo = { results: {}, done: true, error: String(e && e.stack || e) };
});
