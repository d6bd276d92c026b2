// The Vite example's app (../vite/main.js) bundled by webpack 5. As with Vite, the only
// configuration is where the wasm_mt build put app.mjs; webpack bundles the program's
// workers (from the new Worker(new URL(...)) in wasm_mt's glue) and its wasm.
import { resolve } from 'node:path';

const wasmDir = process.env.WASM_MT_VITE_WASM_DIR || resolve(import.meta.dirname, '../../build/examples/vite/wasm');

export default {
  mode: 'production',
  entry: resolve(import.meta.dirname, '../vite/main.js'),
  output: { path: resolve(import.meta.dirname, 'dist'), clean: true },
  resolve: { alias: { 'wasm-app': wasmDir } },
  performance: { hints: false },
};
