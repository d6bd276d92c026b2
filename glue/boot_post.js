// wasm_mt bootstrap, part 2 (--extern-post-js: runs once the script has loaded). In a
// wasm_mt worker whose program is a MODULARIZE factory, calls the factory: the UMD
// define() glue/boot_pre.js caught (classic script), module.exports (CommonJS), or
// Module, the factory an ES module exports (wasm_mt's ES module builds keep the default
// EXPORT_NAME: library_wasm_mt.js checks). A program built without MODULARIZE has
// started already (its glue set wasmMtBoot.module). Not preprocessed.
(function (boot) {
  if (!boot) return;
  if (boot.ownsDefine) delete (typeof globalThis == 'object' ? globalThis : self).define;
  if (boot.module) return;
  var start = function (factory) {
    if (typeof factory != 'function') return boot.fail(new Error('the script defines no program factory'));
    try {
      // (ENVIRONMENT_IS_PTHREAD: Emscripten 3.1.6's file packager reads it from the factory's argument.)
      var ready = factory({ 'ENVIRONMENT_IS_PTHREAD': true });
      if (ready && typeof ready.then == 'function') ready.then(null, boot.fail);
    } catch (e) {
      boot.fail(e);
    }
  };
  if (boot.factory) return start(boot.factory);
  if (typeof module == 'object' && module && typeof module.exports == 'function') return start(module.exports);
  start(typeof Module == 'function' ? Module : null);
})(wasmMtBoot);
