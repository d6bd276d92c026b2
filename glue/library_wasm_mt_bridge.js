// wasm_mt glue: the page-to-C++ bridge's JS side (wasm_mt/js.hpp). Linked only into
// programs that use the bridge (which link embind): JS promises settled from C++, JS
// functions that call a C++ function object, async iterators over C++ streams, and the
// calls into the page's own callbacks.

var wasmMtBridgeLibrary = {
  $wasmMtBridge: {
    registry: null,  // a FinalizationRegistry releasing bridged functions JS dropped
    alive: null,     // iterators with a next() pending (kept from the garbage collector)
    signals: null,   // AbortSignal -> its id (wasm_mt_js_bridge_signal_id)
    signalCount: 0,

    // Calls the page's `callback(value)`; what it throws is reported (reportError where
    // there is one: the page's error event) and goes no further, as an event handler's
    // throw does in C++: wasm_mt's delivery must not see it.
    callReporting: function (callback, value) {
      try {
        callback(value);
      } catch (e) {
        if (typeof reportError == 'function') reportError(e); else err('wasm_mt::js: a callback threw: ' + wasmMt.errorText(e));
      }
    },
  },

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

  // callback(value), its throw reported (wasmMtBridge.callReporting).
  wasm_mt_js_bridge_call_reporting__deps: ['$Emval', '$wasmMtBridge'],
  wasm_mt_js_bridge_call_reporting: function (callback, value) {
    wasmMtBridge.callReporting(Emval.toValue(callback), Emval.toValue(value));
  },

  // The id of `signal` (an AbortSignal): the same for the same signal, never reused (a
  // count to 2^53, returned as a double), held as long as the signal is (a WeakMap); 0
  // for a value that is not an object.
  wasm_mt_js_bridge_signal_id__deps: ['$Emval', '$wasmMtBridge'],
  wasm_mt_js_bridge_signal_id: function (signal) {
    var B = wasmMtBridge;
    var value = Emval.toValue(signal);
    if (value === null || typeof value != 'object') return 0;
    B.signals = B.signals || new WeakMap();
    var id = B.signals.get(value);
    if (!id) B.signals.set(value, id = ++B.signalCount);
    return id;
  },

  // An aborted `signal`'s reason as a string: an Error's message, a string as it is,
  // anything else as String() makes it; '' when it has none or reading it throws.
  wasm_mt_js_bridge_abort_reason__deps: ['$Emval'],
  wasm_mt_js_bridge_abort_reason: function (signal) {
    var text = '';
    try {
      var reason = Emval.toValue(signal).reason;
      if (reason === undefined || reason === null) text = '';
      else if (typeof reason == 'string') text = reason;
      else if (typeof reason.message == 'string') text = reason.message;
      else text = String(reason);
    } catch (e) {
      text = '';
    }
    return Emval.toHandle(text);
  },

  // An async iterator (for await...of) over `next` and `finish`, bridged functions of
  // C++ (wasm_mt/js.hpp, to_async_iterator) that start the stream's next() and cancel it.
  // As JS's own async iterators: next() calls are answered in order (each starts when the
  // one before has settled); once the stream has ended, failed or been returned, next()
  // gives {value: undefined, done: true}; return(value) cancels the stream, answers a
  // next() still pending with done, and gives {value, done: true}. While a next() is
  // pending the iterator is kept alive, so that garbage collection cannot cancel it.
  wasm_mt_js_bridge_async_iterator__deps: ['$Emval', '$wasmMtBridge'],
  wasm_mt_js_bridge_async_iterator: function (next, finish) {
    var B = wasmMtBridge;
    var nextItem = Emval.toValue(next);
    var cancel = Emval.toValue(finish);
    var state = { done: false, returned: false, pending: 0, last: Promise.resolve() };
    var ended = function () { return { 'value': undefined, 'done': true }; };
    var iterator = {};
    iterator['next'] = function () {
      if (state.done) return Promise.resolve(ended());
      B.alive = B.alive || new Set();
      B.alive.add(iterator);
      state.pending++;
      var answer = state.last.then(function () {
        return state.done ? ended() : nextItem();
      }).then(function (result) {
        if (result['done']) state.done = true;
        return result;
      }, function (error) {
        var returned = state.returned;
        state.done = true;
        if (returned) return ended();
        throw error;
      });
      var settled = function () {
        if (--state.pending === 0) B.alive.delete(iterator);
      };
      state.last = answer.then(settled, settled);
      return answer;
    };
    iterator['return'] = function (value) {
      if (!state.done) {
        state.done = true;
        state.returned = true;
        cancel();
      }
      return Promise.resolve({ 'value': value, 'done': true });
    };
    iterator[Symbol.asyncIterator] = function () { return this; };
    return Emval.toHandle(iterator);
  },

  // A JS function calling C++ function object `context` through `call(context, op,
  // argument, box)`: op 0 runs it with the function's first argument (a handle C++ takes
  // over) and returns what it puts in box.value; op 1 releases it, once: when the
  // function's release() is called, or when the function is garbage (a
  // FinalizationRegistry). A released function returns undefined.
  wasm_mt_js_bridge_function__deps: ['$Emval', '$wasmMtBridge', '$dynCall'],
  wasm_mt_js_bridge_function: function (call, context) {
    var B = wasmMtBridge;
    var held = { call: call, context: context };
    var release = function () {
      if (!held.context || ABORT) return;
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
