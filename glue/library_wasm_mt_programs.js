// wasm_mt glue: programs, i.e. a script (URL, or text) and its compiled WebAssembly.Module,
// which threads run. Program 0 is the running program: on the thread that started it,
// its wasm is compiled here, once, streaming, and the compiled module is what every thread
// gets; in a worker it is the program the worker was started with.
//
// Where this program's files are, through Emscripten's public options only:
//  - its script: Module.mainScriptUrlOrBlob when given (as for pthreads), else (ES module
//    builds) import.meta.url, its threads started through the literal
//    new Worker(new URL('<name>.mjs', import.meta.url)) that bundlers rewrite, else
//    locateFile('<name>.js');
//  - its wasm: Module.wasmBinary when given (read as Emscripten's wasmBinary), else the URL Emscripten itself would use:
//    locateFile('<name>.wasm'), or new URL('<name>.wasm', import.meta.url) in an ES module
//    build without Module.locateFile.
// A program's wasm bytes are not kept once compiled (workers get the compiled module),
// except where an engine cannot send a compiled module to a worker: then they are read
// again, once, and kept for the program's later threads.
var wasmMtProgramsLibrary = {
  $wasmMtPrograms__deps: ['$wasmMt'],
  $wasmMtPrograms__postset: 'wasmMtPrograms.init();',
  $wasmMtPrograms: {
    // id -> {url, type: 'classic' | 'module', text, module, wasmUrl, bytes, bundled}
    //   bundled: spawn it through the literal new Worker(new URL(...)) that bundlers see.
    all: null,
    // Where relative URLs (from_url, fetch_bytes) resolve from: the page, or Node's working
    // directory; in a worker, what its parent resolves from.
    baseUrl: '',

    // (Library objects hold only literals: Maps are made here, when the program loads.)
    init: function () {
      wasmMtPrograms.all = new Map();
#if ENVIRONMENT_MAY_BE_NODE
      if (ENVIRONMENT_IS_NODE) {
        wasmMtPrograms.baseUrl = process.cwd() + '/';
        return;
      }
#endif
      wasmMtPrograms.baseUrl = typeof location != 'undefined' ? String(location.href) : '';
    },

    // How scripts of this build run in a worker.
    selfType: function () {
#if EXPORT_ES6
      return 'module';
#else
      return 'classic';
#endif
    },

    selfScript: function () {
      var given = Module['mainScriptUrlOrBlob'];
      if (given) {
        return { url: typeof given == 'string' ? given : URL.createObjectURL(given), bundled: false };
      }
#if EXPORT_ES6
      return { url: import.meta.url, bundled: true };
#else
      return { url: locateFile('{{{ TARGET_JS_NAME }}}'), bundled: false };
#endif
    },

    selfWasmUrl: function () {
#if EXPORT_ES6
      if (!Module['locateFile']) return new URL('{{{ WASM_BINARY_FILE }}}', import.meta.url).href;
#endif
      return locateFile('{{{ WASM_BINARY_FILE }}}');
    },

    // `url` resolved against baseUrl (under Node: a path; file: URLs become paths).
    resolve: function (url) {
#if ENVIRONMENT_MAY_BE_NODE
      if (ENVIRONMENT_IS_NODE) {
        if (url.lastIndexOf('file:', 0) === 0) return require('url').fileURLToPath(url);
        return require('path').resolve(url);
      }
#endif
      return new URL(url, wasmMtPrograms.baseUrl || undefined).href;
    },

    // The bytes at `url` (fetch, or a file under Node) as a Uint8Array.
    readBytes: function (url) {
#if ENVIRONMENT_MAY_BE_NODE
      if (ENVIRONMENT_IS_NODE) {
        var path = url.lastIndexOf('file:', 0) === 0 ? require('url').fileURLToPath(url) : url;
        return require('fs').promises.readFile(path).then(function (b) {
          return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        });
      }
#endif
      return fetch(url, { credentials: 'same-origin' }).then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status + ' for ' + url);
        return response.arrayBuffer();
      }).then(function (buffer) { return new Uint8Array(buffer); });
    },

    // The module at `url`, compiled while it downloads where the engine can.
    compileUrl: function (url) {
      var P = wasmMtPrograms;
      var compileBytes = function () {
        return P.readBytes(url).then(function (bytes) { return WebAssembly.compile(bytes); });
      };
#if ENVIRONMENT_MAY_BE_NODE
      if (ENVIRONMENT_IS_NODE) return compileBytes();
#endif
      if (typeof WebAssembly.compileStreaming != 'function') return compileBytes();
      // A server that does not say application/wasm, or a failed fetch: the bytes again
      // (whose error, if any, names the URL and the HTTP status).
      return WebAssembly.compileStreaming(fetch(url, { credentials: 'same-origin' })).catch(compileBytes);
    },

    // The wasm bytes of `program`, for an engine that cannot send its compiled module.
    bytesOf: function (program) {
      if (program.bytes) return Promise.resolve(program.bytes);
      if (!program.wasmUrl) return Promise.reject(new Error('the program has no wasm URL to read its bytes from'));
      return wasmMtPrograms.readBytes(program.wasmUrl).then(function (bytes) {
        program.bytes = bytes;
        return bytes;
      });
    },

    add: function (program) {
      var id = wasmMt.newId(wasmMtPrograms.all);
      wasmMtPrograms.all.set(id, program);
      return id;
    },

    // Module.instantiateWasm on the thread that starts the program: compiles its wasm and
    // keeps the module as program 0. (What the program then does, main() included, runs
    // from receiveInstance: its errors are its own, not a failed load.)
    instantiateMain: function (imports, receiveInstance) {
      var P = wasmMtPrograms;
      var wasmUrl = null;
      Promise.resolve().then(function () {
        // (Emscripten's own copy of Module.wasmBinary: with ASSERTIONS, reading it from
        // Module after startup aborts.)
        if (wasmBinary) return WebAssembly.compile(wasmBinary);
        wasmUrl = P.selfWasmUrl();
        return P.compileUrl(wasmUrl);
      }).then(function (module) {
        var script = P.selfScript();
        P.all.set(0, { url: script.url, bundled: script.bundled, type: P.selfType(), text: null, module: module,
                       wasmUrl: wasmUrl, bytes: wasmBinary ? new Uint8Array(wasmBinary) : null });
        return WebAssembly.instantiate(module, imports).then(function (instance) {
          return { instance: instance, module: module };
        });
      }).then(function (loaded) {
        receiveInstance(loaded.instance, loaded.module);
      }, function (e) {
        P.failMain('wasm_mt: cannot load this program\'s wasm' + (wasmUrl ? ' (' + wasmUrl + ')' : '') + ': ' +
                   wasmMt.errorText(e), receiveInstance);
      });
      return {};
    },

    // The program's own wasm could not be loaded (a 404, bad bytes, a CSP, the network):
    // its start fails with `why`, as Emscripten's own loading does: abort(), which also
    // rejects a factory's (MODULARIZE) promise. But Emscripten 4 awaits createWasm()
    // before it sets that reject handler, and an instantiateWasm hook has no failure
    // callback (emscripten-core/emscripten#23038), so the factory would never settle:
    // there the success callback gets an instance whose exports are a thenable rejecting
    // with the error, which rejects the promise the factory awaits.
    failMain: function (why, receiveInstance) {
      err(why);
#if MODULARIZE
      if (typeof readyPromiseReject != 'function') {
        try {
          receiveInstance(wasmMtPrograms.failedInstance(new WebAssembly.RuntimeError('Aborted(' + why + ')')), null);
          if (Module['onAbort']) Module['onAbort'](why);
          return;
        } catch (ignored) {  // (a runtime that could not take the stand-in: abort, below)
        }
      }
#endif
      abort(why);
    },

    // An instance standing for a failed load, for the runtime's receiveInstance: its
    // exports are a thenable rejecting with `error`. The runtime reads them (a global's
    // value, the memory's buffer), and some builds copy their own keys first (ASYNCIFY,
    // MEMORY64, over 2 GB, MAIN_MODULE): every export name the runtime's
    // assignWasmExports reads is an own key, a function that throws `error` with those
    // fields, and any other name gives it too.
    failedInstance: function (error) {
      var missing = function () { throw error; };
      missing.value = 0;
      missing.buffer = new ArrayBuffer(0);
      var exports = {};
      // (Named only where Emscripten has it, 4.x: an undeclared name can trouble Closure.)
      var assign = {{{ parseInt(EMSCRIPTEN_VERSION) >= 4 ? "typeof assignWasmExports == 'function' && assignWasmExports" : 'null' }}};
      if (assign) {
        var names = String(assign).match(/\[\s*["'][^"']+["']\s*\]/g) || [];
        for (var i = 0; i < names.length; i++) exports[names[i].replace(/^\[\s*["']|["']\s*\]$/g, '')] = missing;
      }
      exports['then'] = function (resolve, reject) { reject(error); };
      return { exports: new Proxy(exports, { get: function (target, key) { return key in target ? target[key] : missing; } }) };
    },

    // Loads a program; tells C++ (event PROGRAM_LOADED) the new program's ID, or 0 and
    // why it failed.
    loaded: function (token, loading) {
      loading.then(function (program) {
        wasmMt.deliver(wasmMt.EVENT.PROGRAM_LOADED, 0, { 'id': token, 'program': wasmMtPrograms.add(program) });
      }, function (e) {
        wasmMt.deliver(wasmMt.EVENT.PROGRAM_LOADED, 0,
                       { 'id': token, 'program': 0, 'message': wasmMt.errorText(e), 'stack': wasmMt.errorStack(e) });
      });
    },

    // A script URL's type: an .mjs file is an ES module; anything else is taken to be
    // built like this program.
    typeOf: function (url) {
      return /\.mjs([?#].*)?$/.test(url) ? 'module' : wasmMtPrograms.selfType();
    },

    loadUrl: function (token, jsUrl, wasmUrl) {
      var P = wasmMtPrograms;
      P.loaded(token, Promise.resolve().then(function () {
        var url = P.resolve(jsUrl);
        var wasmFile = wasmUrl ? P.resolve(wasmUrl) : url.replace(/\.m?js([?#].*)?$/, '.wasm$1');
        return P.compileUrl(wasmFile).then(function (module) {
          return { url: url, bundled: false, type: P.typeOf(url), text: null, module: module, wasmUrl: wasmFile, bytes: null };
        }, function (e) { throw new Error('cannot load ' + wasmFile + ': ' + wasmMt.errorText(e)); });
      }));
    },

    // A program from JS text and wasm bytes. In a browser its threads load the text from a
    // blob: URL; under Node they evaluate it (ES module text: from a data: URL).
    loadBuffers: function (token, text, bytes) {
      var P = wasmMtPrograms;
      P.loaded(token, WebAssembly.compile(bytes).then(function (module) {
        var type = P.selfType();
        var url = null;
#if ENVIRONMENT_MAY_BE_NODE
        if (ENVIRONMENT_IS_NODE) {
          if (type == 'module') url = 'data:text/javascript,' + encodeURIComponent(text);
        } else
#endif
        url = URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
        return { url: url, bundled: false, type: type, text: text, module: module, wasmUrl: null, bytes: bytes };
      }));
    },
  },
};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtProgramsLibrary);
