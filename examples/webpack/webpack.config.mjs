// webpack.config.mjs: the Vite example's app (../vite/main.js) bundled by webpack 5. As
// with Vite, the only configuration is where the wasm_mt build put app.mjs; webpack
// bundles the program's workers (from the new Worker(new URL(...)) in wasm_mt's glue)
// and its wasm. `webpack serve` (webpack-dev-server) serves public/index.html and the
// bundle from memory.
import { resolve } from 'node:path';

const wasmDir = process.env.WASM_MT_VITE_WASM_DIR || resolve(import.meta.dirname, '../../build/examples/vite/wasm');

export default (env, argv) => ({
  mode: argv.mode || 'production',
  entry: resolve(import.meta.dirname, '../vite/main.js'),
  output: { path: resolve(import.meta.dirname, 'dist'), clean: true },
  resolve: { alias: { 'wasm-app': wasmDir } },
  devServer: { static: resolve(import.meta.dirname, 'public') },
  performance: { hints: false },
});
