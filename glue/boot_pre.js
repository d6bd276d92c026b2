// wasm_mt bootstrap, part 1 (--extern-pre-js: runs as the script loads, before the
// program and outside any MODULARIZE factory). Decides whether this is a worker that
// wasm_mt started (browser: named wasm_mt[:label]; Node: its workerData says so) and, if
// so, sets wasmMtBoot for the program's glue:
//  - keeps the messages that arrive before the glue listens (an ES module factory runs
//    only after an import);
//  - keeps --preload-file data packages from loading again: Emscripten's file packager
//    skips them where it sees a pthread, and a wasm_mt worker is one in that sense;
//  - catches a classic MODULARIZE factory as its UMD wrapper hands it to define(), for
//    glue/boot_post.js to call.
// Elsewhere (the main thread, an app's own worker) wasmMtBoot is null: the program is a
// parent. Plain JS for every build setting: this file is not preprocessed.
var wasmMtBoot = (function () {
  var tag = 'wasm_mt/2';
  var global = typeof globalThis == 'object' ? globalThis : self;
  var boot = { module: null, factory: null, port: null, isNode: false, scriptUrl: null, early: [], deliver: null };
  if (typeof process == 'object' && process && process.versions && process.versions.node) {
    // (No require(...) here, which would make bundlers pull Node modules into web builds.)
    var threads = typeof process.getBuiltinModule == 'function' ? process.getBuiltinModule('worker_threads')
                : typeof module == 'object' && module && typeof module.require == 'function' ? module.require('worker_threads')
                : null;
    var data = threads && !threads.isMainThread ? threads.workerData : null;
    if (!data || data['wasm_mt'] !== tag) return null;
    boot.isNode = true;
    boot.port = threads.parentPort;
    boot.scriptUrl = data['url'];
    boot.port.on('message', function (message) { boot.deliver ? boot.deliver(message) : boot.early.push(message); });
  } else {
    var isWorker = typeof WorkerGlobalScope != 'undefined' && global instanceof WorkerGlobalScope;
    var name = isWorker && typeof self.name == 'string' ? self.name : '';
    if (name !== 'wasm_mt' && name.lastIndexOf('wasm_mt:', 0) !== 0) return null;
    boot.port = self;
    boot.scriptUrl = global.wasmMtScriptUrl || String(self.location.href);
    self.addEventListener('message', function (event) {
      boot.deliver ? boot.deliver(event.data) : boot.early.push(event.data);
    });
    if (typeof global.define == 'undefined') {
      global.define = function (dependencies, factory) { boot.factory = factory(); };
      global.define['amd'] = true;
      boot.ownsDefine = true;
    }
  }
  global.ENVIRONMENT_IS_PTHREAD = true;  // Emscripten 3.1.x+ file packager: no data package here
  if (!boot.isNode) (global.Module = global.Module || {})['ENVIRONMENT_IS_PTHREAD'] = true;  // 3.1.6's packager
  // The glue takes over: what came first, then every message as it comes.
  boot.listen = function (deliver) {
    var early = boot.early;
    boot.early = null;
    boot.deliver = deliver;
    for (var i = 0; i < early.length; i++) deliver(early[i]);
  };
  // Reports a program that could not start, as its crash.
  boot.fail = function (e) {
    boot.port.postMessage({ 'wasm_mt': tag, 'type': 'crashed', 'message': 'cannot start the program: ' + (e && e.message || e),
                            'stack': String(e && e.stack || '') });
  };
  return boot;
})();
