// wasm_mt glue (pre-js): programs, i.e. a JS URL (or text) and its compiled module, which
// threads run. Program 0 is the running program; its wasm is compiled once, here, and
// the compiled module is what every thread gets.

wasmMt.programs = new Map();  // id -> {url, text, module, bytes}
wasmMt.nextProgramId = 1;

// Where relative program URLs resolve from: the page (or Node's cwd), also in workers.
wasmMt.baseUrl = wasmMt.isNode ? process.cwd() + '/'
               : typeof location !== 'undefined' ? location.href : '';

wasmMt.ownScriptUrl = wasmMt.isNode ? __filename
                    : typeof document !== 'undefined' && document.currentScript ? document.currentScript.src
                    : typeof location !== 'undefined' ? location.href : '';

wasmMt.resolveUrl = function (url) {
  if (wasmMt.isNode) {
    if (url.indexOf('file:') === 0) return require('url').fileURLToPath(url);
    return require('path').resolve(url);
  }
  return new URL(url, wasmMt.baseUrl).href;
};

wasmMt.readBytes = function (url) {
  if (wasmMt.isNode) {
    return require('fs').promises.readFile(url).then(function (b) {
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    });
  }
  return fetch(url, { credentials: 'same-origin' }).then(function (response) {
    if (!response.ok) throw new Error('HTTP ' + response.status + ' for ' + url);
    return response.arrayBuffer();
  }).then(function (buffer) { return new Uint8Array(buffer); });
};

wasmMt.addProgram = function (program) {
  var id = wasmMt.nextProgramId++;
  wasmMt.programs.set(id, program);
  return id;
};

wasmMt.programLoaded = function (token, compile) {
  compile.then(function (program) {
    wasmMt.deliver(null, WASM_MT_EVENT.PROGRAM_LOADED, 0, token, wasmMt.addProgram(program), 0, 0);
  }, function (e) {
    wasmMt.deliver({ message: wasmMt.errorText(e), stack: e && e.stack }, WASM_MT_EVENT.PROGRAM_LOADED, 0, token, 0, 0, 0);
  });
};

wasmMt.loadProgramUrl = function (token, jsUrl, wasmUrl) {
  var compile = Promise.resolve().then(function () {
    var url = wasmMt.resolveUrl(jsUrl);
    var wasmFile = wasmUrl ? wasmMt.resolveUrl(wasmUrl) : url.replace(/\.js(\?.*)?$/, '.wasm$1');
    return wasmMt.readBytes(wasmFile).then(function (bytes) {
      return WebAssembly.compile(bytes).then(function (module) {
        return { url: url, text: null, module: module, bytes: bytes };
      });
    }, function (e) { throw new Error('cannot read ' + wasmFile + ': ' + wasmMt.errorText(e)); });
  });
  wasmMt.programLoaded(token, compile);
};

wasmMt.loadProgramBuffers = function (token, text, bytes) {
  var compile = WebAssembly.compile(bytes).then(function (module) {
    var url = wasmMt.isNode ? null : URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
    return { url: url, text: text, module: module, bytes: bytes };
  });
  wasmMt.programLoaded(token, compile);
};

// The main program compiles its own wasm (once) and keeps the module for its threads.
// (Workers instantiate from their init message instead: worker.js.)
if (!wasmMt.inWorker && !Module['instantiateWasm']) {
  Module['instantiateWasm'] = function (imports, receiveInstance) {
    // (getBinaryPromise takes the file in newer Emscripten versions; 3.1.6 ignores it.)
    getBinaryPromise(wasmBinaryFile).then(function (binary) {
      var bytes = binary instanceof Uint8Array ? binary : new Uint8Array(binary);
      return WebAssembly.compile(bytes).then(function (module) {
        wasmMt.programs.set(0, { url: wasmMt.ownScriptUrl, text: null, module: module, bytes: bytes });
        return WebAssembly.instantiate(module, imports).then(function (instance) {
          receiveInstance(instance, module);
        });
      });
    }).catch(function (e) {
      err('wasm_mt: cannot load this program\'s wasm: ' + wasmMt.errorText(e));
      abort(e);
    });
    return {};
  };
}
