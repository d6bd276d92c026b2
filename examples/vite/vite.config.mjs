// The only configuration the app needs: where the wasm_mt build put app.mjs (and its
// .wasm), imported as 'wasm-app/app.mjs'. Workers are ES modules, like the app.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const wasmDir = process.env.WASM_MT_VITE_WASM_DIR || resolve(import.meta.dirname, '../../build/examples/vite/wasm');

export default defineConfig({
  base: './',
  resolve: { alias: { 'wasm-app': wasmDir } },
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
