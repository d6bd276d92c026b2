// vite.config.mjs: where the wasm_mt build put app.mjs (and its .wasm), imported as
// 'wasm-app/app.mjs', and that the dev server may serve it from there (it serves files
// outside the project only from the directories in server.fs.allow). Workers are ES
// modules, like the app.
import { resolve } from 'node:path';
import { defineConfig, searchForWorkspaceRoot } from 'vite';

const wasmDir = process.env.WASM_MT_VITE_WASM_DIR || resolve(import.meta.dirname, '../../build/examples/vite/wasm');

export default defineConfig({
  base: './',
  resolve: { alias: { 'wasm-app': wasmDir } },
  server: { fs: { allow: [searchForWorkspaceRoot(process.cwd()), wasmDir] } },
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
