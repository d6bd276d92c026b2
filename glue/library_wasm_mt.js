// wasm_mt glue: the C ABI that lib/include/wasm_mt/detail/glue.hpp declares, and the
// Module hooks glue/pre.js installs. Thin: each function converts arguments and forwards
// to a glue module:
//   library_wasm_mt_protocol.js  the message protocol (parsing, outboxes)
//   library_wasm_mt_core.js      delivery to C++, the inbox, texts, logging, timers
//   library_wasm_mt_programs.js  the running program and others (compiling, loading)
//   library_wasm_mt_parent.js    spawning, talking to and terminating workers
//   library_wasm_mt_worker.js    being a wasm_mt worker
// None of these functions throws into C++ (they are declared noexcept there): what can
// fail (a text too long for a JS string, no memory for a copy) is caught and reported as
// the request's or the worker's failure. Pointers and sizes are read as unsigned (>>> 0),
// so a program may use memory past 2 GB.

// Builds wasm_mt cannot run in, refused when linking rather than failing at run time.
{{{ (function () {
  var refuse = function (why) { throw new Error('wasm_mt: ' + why); };
  if (typeof WASM_WORKERS != 'undefined' && WASM_WORKERS) {
    refuse('-sWASM_WORKERS is not supported: it needs SharedArrayBuffer. Build without it.');
  }
  if (typeof SHARED_MEMORY != 'undefined' && SHARED_MEMORY || typeof USE_PTHREADS != 'undefined' && USE_PTHREADS ||
      typeof PTHREADS != 'undefined' && PTHREADS) {
    refuse('-pthread is not supported: wasm_mt threads share no memory, and a pthreads build needs ' +
           'SharedArrayBuffer (cross-origin isolation). Build without -pthread.');
  }
  if (MINIMAL_RUNTIME) refuse('-sMINIMAL_RUNTIME is not supported (wasm_mt uses Module.instantiateWasm and locateFile).');
  if (SINGLE_FILE) refuse('-sSINGLE_FILE is not supported yet: threads load the program\'s .wasm file.');
  if (typeof MODULARIZE != 'undefined' && MODULARIZE === 'instance') {
    refuse('-sMODULARIZE=instance is not supported: use -sMODULARIZE (a factory), with or without -sEXPORT_ES6.');
  }
  if (EXPORT_ES6 && EXPORT_NAME !== 'Module') {
    refuse('-sEXPORT_ES6 with -sEXPORT_NAME=' + EXPORT_NAME + ': keep the default EXPORT_NAME (what you import is the ' +
           'default export, whatever its name), which is how a wasm_mt worker finds the factory to start.');
  }
  if (ENVIRONMENT_MAY_BE_WEB && !ENVIRONMENT_MAY_BE_WORKER) {
    refuse('threads in a browser are Web Workers: build with -sENVIRONMENT=web,worker (or leave ENVIRONMENT unset).');
  }
  return '';
})() }}}

var wasmMtLibrary = {
  // Called from glue/pre.js, before the runtime reads Module: in a wasm_mt worker the
  // instance runs no main() and instantiates the module its parent sends; elsewhere it
  // compiles its own wasm and keeps the module for its threads.
  $wasmMtHooks__deps: ['$wasmMtPrograms', '$wasmMtWorker', '$wasmMtParent', '$wasmMtTimers'],
  $wasmMtHooks: function (Module) {
    var boot = typeof wasmMtBoot != 'undefined' ? wasmMtBoot : null;
    if (boot && !boot.module) {
      boot.module = Module;
      Module['noInitialRun'] = true;
      Module['print'] = function (text) { wasmMtWorker.print(1, text); };
      Module['printErr'] = function (text) { wasmMtWorker.print(2, text); };
      Module['instantiateWasm'] = function (imports, receiveInstance) {
        return wasmMtWorker.instantiate(imports, receiveInstance);
      };
      var onAbort = Module['onAbort'];
      Module['onAbort'] = function (what) {
        wasmMtWorker.crash(new Error('Aborted(' + what + ')'));
        if (onAbort) onAbort(what);
      };
      var onRuntimeInitialized = Module['onRuntimeInitialized'];
      Module['onRuntimeInitialized'] = function () {
        if (onRuntimeInitialized) onRuntimeInitialized();
        wasmMtWorker.ready();
      };
      return;
    }
    if (!Module['instantiateWasm']) {
      Module['instantiateWasm'] = function (imports, receiveInstance) {
        return wasmMtPrograms.instantiateMain(imports, receiveInstance);
      };
    }
  },

  wasm_mt_js_spawn__deps: ['$wasmMtParent'],
  wasm_mt_js_spawn: function (programId, label, labelLength) {
    var text = '';
    try {
      text = UTF8ToString(label >>> 0, labelLength >>> 0);
    } catch (ignored) {  // a label too long for a JS string: the thread goes unnamed
    }
    return wasmMtParent.spawn(programId, text);
  },

  // A copy of each buffer_ref {data, size} at `pointer`, as a message's `buffers`: one
  // ArrayBuffer for one; for several, Uint8Array views of one ArrayBuffer holding them back
  // to back (one allocation and one transfer a message, not one per buffer: a struct of
  // many small vectors costs 1-2 us less a buffer each way). Transfer
  // wasmMtProtocol.transferables(buffers).
  $wasmMtCopyBuffers: function (pointer, count) {
    pointer >>>= 0;
    if (!count) return undefined;
    var at = pointer >>> 2;
    if (count == 1) return [HEAPU8.slice(HEAPU32[at], HEAPU32[at] + HEAPU32[at + 1]).buffer];
    var total = 0;
    for (var i = 0; i < count; i++) total += HEAPU32[at + 2 * i + 1];
    var all = new Uint8Array(total);
    var buffers = [];
    for (var i = 0, offset = 0; i < count; i++) {
      var data = HEAPU32[at + 2 * i];
      var size = HEAPU32[at + 2 * i + 1];
      all.set(HEAPU8.subarray(data, data + size), offset);
      buffers.push(all.subarray(offset, offset + size));
      offset += size;
    }
    return buffers;
  },

  // Posting a request: 1 when it is on its way, 0 when it could not be made (C++ fails it).
  wasm_mt_js_post_call__deps: ['$wasmMtParent', '$wasmMtCopyBuffers'],
  wasm_mt_js_post_call: function (handle, id, fn, sig, flags, forRequest, json, jsonLength, buffers, bufferCount) {
    try {
      var copies = wasmMtCopyBuffers(buffers, bufferCount);
      var message = wasmMtProtocol.call(id >>> 0, fn >>> 0, sig >>> 0, UTF8ToString(json >>> 0, jsonLength >>> 0), copies,
                                        flags >>> 0, forRequest >>> 0);
      wasmMtParent.post(handle, message, wasmMtProtocol.transferables(copies));
      return 1;
    } catch (e) {
      return 0;
    }
  },

  wasm_mt_js_post_exec_js__deps: ['$wasmMtParent'],
  wasm_mt_js_post_exec_js: function (handle, id, code, codeLength, args, argsLength, isAsync, raw) {
    try {
      var fields = { 'code': UTF8ToString(code >>> 0, codeLength >>> 0), 'async': !!isAsync, 'raw': !!raw };
      if (argsLength >>> 0) fields['args'] = UTF8ToString(args >>> 0, argsLength >>> 0);
      wasmMtParent.post(handle, wasmMtProtocol.request(wasmMtProtocol.MSG.EXEC_JS, id >>> 0, undefined, fields));
      return 1;
    } catch (e) {
      return 0;
    }
  },

  // exec_js with args as a JS value (emscripten::val handles; only programs that use it
  // import this, and they link embind). Posted at once, after what is queued, and not
  // batched: a value that cannot be cloned, or a transfer list that cannot be
  // transferred, fails this request alone (returns 0), not the worker.
  wasm_mt_js_post_exec_js_value__deps: ['$wasmMtParent', '$Emval'],
  wasm_mt_js_post_exec_js_value: function (handle, id, code, codeLength, args, transfer, isAsync, raw) {
    try {
      var value = Emval.toValue(args);
      var list = Emval.toValue(transfer);
      if (list !== undefined && !Array.isArray(list)) return 0;  // (Node would ignore it)
      // A detached buffer cannot be transferred (browsers throw; Node would send it).
      for (var i = 0; list && i < list.length; i++) if (list[i] instanceof ArrayBuffer) new Uint8Array(list[i]);
      var message = wasmMtProtocol.request(wasmMtProtocol.MSG.EXEC_JS, id >>> 0, undefined, {
        'code': UTF8ToString(code >>> 0, codeLength >>> 0), 'async': !!isAsync, 'raw': !!raw, 'value': value });
      return wasmMtParent.postAlone(handle, message, list === undefined ? [] : list) ? 1 : 0;
    } catch (e) {
      return 0;
    }
  },

  wasm_mt_js_set_label__deps: ['$wasmMtParent'],
  wasm_mt_js_set_label: function (handle, label, labelLength) {
    try {
      wasmMtParent.notify(handle, wasmMtProtocol.message(wasmMtProtocol.MSG.LABEL, {
        'label': UTF8ToString(label >>> 0, labelLength >>> 0) }));
    } catch (ignored) {  // a label too long for a JS string: the worker keeps its old one
    }
  },

  wasm_mt_js_post_cancel__deps: ['$wasmMtParent'],
  wasm_mt_js_post_cancel: function (handle, id) {
    return wasmMtParent.cancel(handle, id >>> 0);
  },

  // An event, or (isItem) a stream's item. 0 when it cannot be made (a text too long for
  // a JS string, no memory for its copy): C++ throws.
  wasm_mt_js_emit__deps: ['$wasmMtWorker', '$wasmMtCopyBuffers'],
  wasm_mt_js_emit: function (isItem, id, json, jsonLength, buffers, bufferCount) {
    try {
      var copies = wasmMtCopyBuffers(buffers, bufferCount);
      var type = isItem ? wasmMtProtocol.MSG.ITEM : wasmMtProtocol.MSG.EVENT;
      wasmMtWorker.postEvent(wasmMtProtocol.event(type, id >>> 0, UTF8ToString(json >>> 0, jsonLength >>> 0), copies),
                             wasmMtProtocol.transferables(copies));
      return 1;
    } catch (e) {
      return 0;
    }
  },

  wasm_mt_js_post_ack__deps: ['$wasmMtParent'],
  wasm_mt_js_post_ack: function (handle, id, count, flags) {
    wasmMtParent.notify(handle, wasmMtProtocol.request(wasmMtProtocol.MSG.ACK, id >>> 0, undefined, null, count >>> 0, flags >>> 0));
  },

  // Thread `handle`'s wasm memory in bytes as its worker last said (0: not yet, or ended).
  wasm_mt_js_worker_memory__deps: ['$wasmMtParent'],
  wasm_mt_js_worker_memory: function (handle) {
    var entry = wasmMtParent.workers.get(handle);
    return entry ? entry.memoryBytes : 0;
  },

  wasm_mt_js_terminate__deps: ['$wasmMtParent'],
  wasm_mt_js_terminate: function (handle) {
    wasmMtParent.terminate(handle);
  },

  // A reply that cannot be made (a result too long for a JS string, no memory for its
  // copy) is replied as that error instead.
  wasm_mt_js_reply__deps: ['$wasmMtWorker', '$wasmMtParent', '$wasmMtCopyBuffers'],
  wasm_mt_js_reply: function (handle, id, ok, text, textLength, kind, kindLength, buffers, bufferCount) {
    id >>>= 0;
    var reply, copies;
    var times = handle ? null : wasmMtWorker.timesOf(id);
    try {
      if (ok) {
        copies = wasmMtCopyBuffers(buffers, bufferCount);
        reply = wasmMtProtocol.valueReply(id, UTF8ToString(text >>> 0, textLength >>> 0), copies, times);
        copies = wasmMtProtocol.transferables(copies);
      } else {
        reply = wasmMtProtocol.errorReply(id, UTF8ToString(kind >>> 0, kindLength >>> 0), UTF8ToString(text >>> 0, textLength >>> 0),
                                          '', times);
      }
    } catch (e) {
      copies = undefined;
      reply = wasmMtProtocol.errorReply(id, 'bad_payload', 'the worker cannot send its ' + (ok ? 'result' : 'error') +
                                        ' (' + (textLength >>> 0) + ' bytes): ' + wasmMt.errorText(e), '', times);
    }
    if (handle) return wasmMtParent.reply(handle, reply, copies);  // a child's call into its caller
    // Replied first: a reply that is all the worker owes goes out at once, not in a batch.
    wasmMtWorker.replied(id);
    wasmMtWorker.post(reply, copies);
  },

  // The delivered reply's worker times (a traced call's: ms, wasmMt.clock) into
  // out[0..1] (doubles): 1, or 0 when it has none.
  wasm_mt_js_inbox_times__deps: ['$wasmMt', '$wasmMtProtocol'],
  wasm_mt_js_inbox_times: function (out) {
    var times = wasmMt.inbox && wasmMtProtocol.timesOf(wasmMt.inbox, wasmMt.clock());
    if (!times) return 0;
    HEAPF64[out >>> 3] = times[0];
    HEAPF64[(out >>> 3) + 1] = times[1];
    return 1;
  },

  wasm_mt_js_measure__deps: ['$wasmMt'],
  wasm_mt_js_measure: function (name, nameLength, startMs, endMs) {
    wasmMt.measure(UTF8ToString(name >>> 0, nameLength >>> 0), startMs, endMs);
  },

  // The trace clock (wasmMt.clock), ms.
  wasm_mt_js_clock_ms__deps: ['$wasmMt'],
  wasm_mt_js_clock_ms: function () {
    return wasmMt.clock();
  },

  wasm_mt_js_inbox_text_length__deps: ['$wasmMt'],
  wasm_mt_js_inbox_text_length: function (which) {
    return lengthBytesUTF8(wasmMt.text(which));
  },

  wasm_mt_js_inbox_text_copy__deps: ['$wasmMt'],
  wasm_mt_js_inbox_text_copy: function (which, destination, capacity) {
    return wasmMt.writeText(wasmMt.text(which), destination >>> 0, capacity >>> 0);
  },

  wasm_mt_js_inbox_buffer_length__deps: ['$wasmMt'],
  wasm_mt_js_inbox_buffer_length: function (index) {
    index >>>= 0;
    var buffers = wasmMt.inbox && wasmMt.inbox['buffers'];
    return buffers && index < buffers.length ? buffers[index].byteLength : 0;
  },

  // Whether the JS engine's own stack, which wasm's frames take too, has room for 2,000
  // more small JS frames (some 100-300 KB; 16 levels of a walk take well under that, at
  // -O0 and with JS exceptions' invoke_ frames too): what the walk of a deep value asks
  // every 16 levels (payload.cpp, stack_has_room), to fail bad_payload before the engine
  // throws a RangeError ("Maximum call stack size exceeded"; Firefox: InternalError "too
  // much recursion") through wasm, which C++ cannot catch. (`+ 1` keeps the call out of tail position: an engine with proper tail
  // calls, JavaScriptCore, would otherwise take no stack for it.)
  wasm_mt_js_engine_stack_room: function () {
    function probe(n) { return n > 0 ? probe(n - 1) + 1 : 0; }
    try {
      return probe(2000) === 2000 ? 1 : 0;
    } catch (e) {
      return 0;
    }
  },

  wasm_mt_js_inbox_buffer_copy__deps: ['$wasmMt'],
  wasm_mt_js_inbox_buffer_copy: function (index, destination, capacity) {
    index >>>= 0;
    var buffers = wasmMt.inbox && wasmMt.inbox['buffers'];
    if (!buffers || index >= buffers.length) return 0;
    var size = Math.min(buffers[index].byteLength, capacity >>> 0);
    var piece = buffers[index];  // (an ArrayBuffer, or a view of one: wasmMtCopyBuffers)
    HEAPU8.set(piece instanceof ArrayBuffer ? new Uint8Array(piece, 0, size) : piece.subarray(0, size), destination >>> 0);
    return size;
  },

  wasm_mt_js_inbox_value_handle__deps: ['$wasmMt', '$Emval'],
  wasm_mt_js_inbox_value_handle: function () {
    return Emval.toHandle(wasmMt.inbox ? wasmMt.inbox['value'] : undefined);
  },

  wasm_mt_js_load_program_url__deps: ['$wasmMtPrograms'],
  wasm_mt_js_load_program_url: function (token, jsUrl, jsLength, wasmUrl, wasmLength) {
    try {
      wasmMtPrograms.loadUrl(token >>> 0, UTF8ToString(jsUrl >>> 0, jsLength >>> 0), UTF8ToString(wasmUrl >>> 0, wasmLength >>> 0));
    } catch (e) {
      wasmMtPrograms.loaded(token >>> 0, Promise.reject(e));
    }
  },

  wasm_mt_js_load_program_buffers__deps: ['$wasmMtPrograms'],
  wasm_mt_js_load_program_buffers: function (token, js, jsLength, wasm, wasmLength) {
    wasm >>>= 0;
    try {
      wasmMtPrograms.loadBuffers(token >>> 0, UTF8ToString(js >>> 0, jsLength >>> 0), HEAPU8.slice(wasm, wasm + (wasmLength >>> 0)));
    } catch (e) {
      wasmMtPrograms.loaded(token >>> 0, Promise.reject(e));
    }
  },

  wasm_mt_js_in_worker__deps: ['$wasmMt'],
  wasm_mt_js_in_worker: function () {
    return wasmMt.isWorker ? 1 : 0;
  },

  wasm_mt_js_thread_label_length__deps: ['$wasmMtWorker'],
  wasm_mt_js_thread_label_length: function () {
    return lengthBytesUTF8(wasmMt.wellFormed(wasmMtWorker.label || ''));
  },

  wasm_mt_js_thread_label_copy__deps: ['$wasmMtWorker'],
  wasm_mt_js_thread_label_copy: function (destination, capacity) {
    return wasmMt.writeText(wasmMt.wellFormed(wasmMtWorker.label || ''), destination >>> 0, capacity >>> 0);
  },

  wasm_mt_js_set_timeout__deps: ['$wasmMtTimers'],
  wasm_mt_js_set_timeout: function (milliseconds, token) {
    wasmMtTimers.set(token >>> 0, milliseconds);
  },

  wasm_mt_js_clear_timeout__deps: ['$wasmMtTimers'],
  wasm_mt_js_clear_timeout: function (token) {
    wasmMtTimers.clear(token >>> 0);
  },

  wasm_mt_js_schedule_continuations__deps: ['$wasmMt'],
  wasm_mt_js_schedule_continuations: function () {
    wasmMt.scheduleContinuations();
  },

  wasm_mt_js_hardware_concurrency: function () {
#if ENVIRONMENT_MAY_BE_NODE
    if (ENVIRONMENT_IS_NODE) {
      var os = require('os');
      return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
    }
#endif
    return (typeof navigator != 'undefined' && navigator.hardwareConcurrency) || 1;
  },

  wasm_mt_js_now_ms: function () {
    return performance.now();
  },

  wasm_mt_js_fetch_bytes__deps: ['$wasmMt', '$wasmMtPrograms'],
  wasm_mt_js_fetch_bytes: function (token, url, urlLength) {
    token >>>= 0;
    var target = '';
    try {
      target = UTF8ToString(url >>> 0, urlLength >>> 0);
    } catch (e) {  // (fails below, as an URL that cannot be read)
    }
    Promise.resolve().then(function () {
      return wasmMtPrograms.readBytes(wasmMtPrograms.resolve(target));
    }).then(function (bytes) {
      var buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
      wasmMt.deliver(wasmMt.EVENT.FETCHED, 0, { 'id': token, 'ok': true, 'buffers': [buffer] });
    }, function (e) {
      wasmMt.deliver(wasmMt.EVENT.FETCHED, 0, { 'id': token, 'ok': false, 'message': 'cannot fetch ' + target + ': ' + wasmMt.errorText(e) });
    });
  },

  wasm_mt_js_log__deps: ['$wasmMt'],
  wasm_mt_js_log: function (level, text, length) {
    try {
      wasmMt.log(level, UTF8ToString(text >>> 0, length >>> 0));
    } catch (ignored) {  // a line too long for a JS string, or a print function that throws
    }
  },
};

// Every function of the C ABI depends on the whole glue (wasmMtHooks, which glue/pre.js
// calls) and on Emscripten's string helpers, which newer Emscripten versions made library
// symbols to declare as dependencies (3.1.6 has them built in).
(function () {
  var helpers = ['$UTF8ToString', '$stringToUTF8', '$lengthBytesUTF8'].filter(function (name) {
    return name in LibraryManager.library;
  });
  Object.keys(wasmMtLibrary).forEach(function (name) {
    if (name.indexOf('__') !== -1 || name.indexOf('wasm_mt_js_') !== 0) return;
    wasmMtLibrary[name + '__deps'] = (wasmMtLibrary[name + '__deps'] || []).concat(helpers, ['$wasmMtHooks']);
  });
})();

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtLibrary);
