// wasm_mt glue: the page-to-C++ bridge's JS side (wasm_mt/js.hpp). Linked only into
// programs that use the bridge (which link embind): JS promises settled from C++, and JS
// functions that call a C++ function object.

var wasmMtBridgeLibrary = {
  // A pending JS promise and what settles it: {promise, resolve, reject}.
  wasm_mt_js_bridge_deferred__deps: ['$Emval'],
  wasm_mt_js_bridge_deferred: function () {
    var deferred = {};
    deferred['promise'] = new Promise(function (resolve, reject) {
      deferred['resolve'] = resolve;
      deferred['reject'] = reject;
    });
    return Emval.toHandle(deferred);
  },

  // An async iterator (for await...of) whose next() and return() are those functions.
  wasm_mt_js_bridge_async_iterator__deps: ['$Emval'],
  wasm_mt_js_bridge_async_iterator: function (next, finish) {
    var iterator = { 'next': Emval.toValue(next), 'return': Emval.toValue(finish) };
    iterator[Symbol.asyncIterator] = function () { return this; };
    return Emval.toHandle(iterator);
  },

  // A JS function calling C++ function object `context` through `call(context, op,
  // argument, box)`: op 0 runs it with the function's first argument (a handle C++ takes
  // over) and returns what it puts in box.value; op 1 releases it, once: when the
  // function's release() is called, or when the function is garbage (a
  // FinalizationRegistry). A released function returns undefined.
  $wasmMtBridge: {
    registry: null,
  },
  wasm_mt_js_bridge_function__deps: ['$Emval', '$wasmMtBridge', '$dynCall'],
  wasm_mt_js_bridge_function: function (call, context) {
    var B = wasmMtBridge;
    var held = { call: call, context: context };
    var release = function () {
      if (!held.context) return;
      var ctx = held.context;
      held.context = 0;
      dynCall('viiii', held.call, [ctx, 1, 0, 0]);
    };
    if (!B.registry && typeof FinalizationRegistry == 'function') {
      B.registry = new FinalizationRegistry(function (cell) { cell.release(); });
    }
    var cell = { release: release };
    var bridged = function (argument) {
      if (!held.context) return undefined;
      var box = {};
      dynCall('viiii', held.call, [held.context, 0, Emval.toHandle(argument), Emval.toHandle(box)]);
      return box['value'];
    };
    bridged['release'] = function () {
      if (B.registry) B.registry.unregister(cell);
      release();
    };
    if (B.registry) B.registry.register(bridged, cell, cell);
    return Emval.toHandle(bridged);
  },
};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtBridgeLibrary);
