// wasm_mt bootstrap, part 1 (--extern-pre-js: runs as the script loads, before the
// program and outside any MODULARIZE factory). Decides whether this is a worker that
// wasm_mt started (browser: named wasm_mt[:label]; Node: started with the argument
// --wasm_mt/3-worker) and, if so, sets wasmMtBoot for the program's glue:
//  - keeps the messages that arrive before the glue listens (an ES module factory runs
//    only after an import; Node's port keeps them by itself);
//  - keeps --preload-file data packages from loading again: Emscripten's file packager
//    skips them where it sees a pthread, and a wasm_mt worker is one in that sense;
//  - catches a classic MODULARIZE factory as its UMD wrapper hands it to define(), for
//    glue/boot_post.js to call.
// Elsewhere (the main thread, an app's own worker) wasmMtBoot is null: the program is a
// parent. Plain JS for every build setting (this file is not preprocessed), and no
// Node module is loaded here: web bundles stay free of them.
var wasmMtBoot = (function () {
  var tag = 'wasm_mt/3';
  var global = typeof globalThis == 'object' ? globalThis : self;
  var boot = { module: null, factory: null, isNode: false, early: [], deliver: null, ownsDefine: false };
  if (typeof process == 'object' && process && process.versions && process.versions.node) {
    if ((process.argv || []).indexOf('--' + tag + '-worker') < 0) return null;
    boot.isNode = true;
    // Emscripten 3.1.6's file packager reads the flag from the program's Module, which in
    // a CommonJS script is a variable of this module (hoisted, still undefined).
    if (typeof module == 'object' && typeof Module == 'undefined') Module = { 'ENVIRONMENT_IS_PTHREAD': true };
  } else {
    var isWorker = typeof WorkerGlobalScope != 'undefined' && global instanceof WorkerGlobalScope;
    var name = isWorker && typeof self.name == 'string' ? self.name : '';
    if (name !== 'wasm_mt' && name.lastIndexOf('wasm_mt:', 0) !== 0) return null;
    // (A module imported by a cross-origin shim: the messages the shim kept come first.)
    if (typeof global.wasmMtTakeEarlyMessages == 'function') boot.early = global.wasmMtTakeEarlyMessages();
    self.addEventListener('message', function (event) {
      if (boot.deliver) boot.deliver(event.data); else boot.early.push(event.data);
    });
    if (typeof global.define == 'undefined') {
      global.define = function (dependencies, factory) { boot.factory = factory(); };
      global.define['amd'] = true;
      boot.ownsDefine = true;
    }
    (global.Module = global.Module || {})['ENVIRONMENT_IS_PTHREAD'] = true;  // 3.1.6's packager, classic scripts
  }
  global.ENVIRONMENT_IS_PTHREAD = true;  // current Emscripten's file packager
  // (Browser) the glue takes over: what came first, then every message as it comes.
  boot.listen = function (deliver) {
    var early = boot.early;
    boot.early = null;
    boot.deliver = deliver;
    for (var i = 0; i < early.length; i++) deliver(early[i]);
  };
  // Reports a program that could not start: as its crash (browser), or by dying with the
  // error, which Node reports to the parent.
  boot.fail = function (e) {
    if (boot.isNode) throw e;
    self.postMessage({ 'wasm_mt': tag, 'type': 'crashed', 'message': 'cannot start the program: ' + (e && e.message || e),
                       'stack': String(e && e.stack || '') });
  };
  return boot;
})();
