// The JS pools' tasks (piscina-worker.cjs, tinypool-worker.mjs): add, and a julia tile
// rendered by the kernel wasm_mt's threads run (bench/julia_kernel.cpp as a standalone
// wasm module, WASM_MT_JULIA_KERNEL), returned as an ArrayBuffer the pool transfers.
const { readFileSync } = require('node:fs');

const bytesPerRow = 800 * 4;
let kernel;

exports.add = ({ a, b }) => a + b;

exports.juliaTile = ({ rowBegin, rowEnd }) => {
  kernel ??= new WebAssembly.Instance(new WebAssembly.Module(readFileSync(process.env.WASM_MT_JULIA_KERNEL))).exports;
  kernel.julia_render_rows(rowBegin, rowEnd);
  return new Uint8Array(kernel.memory.buffer, kernel.julia_pixels(), (rowEnd - rowBegin) * bytesPerRow).slice().buffer;
};
