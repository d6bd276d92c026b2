// wasm_mt (--pre-js): gives the runtime wasm_mt's Module hooks before it reads them
// (library_wasm_mt.js, wasmMtHooks).
wasmMtHooks(Module);
