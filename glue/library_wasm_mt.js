// wasm_mt glue: the C ABI that lib/include/wasm_mt/detail/glue.hpp declares. Thin:
// each function converts arguments and forwards to the `wasmMt` pre-js runtime.
var wasmMtLibrary = {
  wasm_mt_js_spawn: function (programId, label, labelLength) {
    return wasmMt.spawn(programId, UTF8ToString(label, labelLength));
  },

  wasm_mt_js_post_call: function (handle, id, fn, json, jsonLength, buffers, bufferCount) {
    wasmMt.postCall(handle, id >>> 0, fn >>> 0, UTF8ToString(json, jsonLength), wasmMt.copyBuffers(buffers, bufferCount));
  },

  wasm_mt_js_post_exec_js: function (handle, id, code, codeLength, isAsync, raw) {
    wasmMt.postExecJs(handle, id >>> 0, UTF8ToString(code, codeLength), !!isAsync, !!raw);
  },

  wasm_mt_js_terminate: function (handle) {
    wasmMt.terminate(handle);
  },

  wasm_mt_js_reply: function (id, ok, text, textLength, kind, kindLength, buffers, bufferCount) {
    wasmMt.replied(id >>> 0);
    if (ok) {
      var copies = wasmMt.copyBuffers(buffers, bufferCount);
      wasmMt.postToParent(wasmMtValueReply(id >>> 0, UTF8ToString(text, textLength), copies), copies);
    } else {
      wasmMt.postToParent(wasmMtMessage(WASM_MT_MSG.REPLY, {
        id: id >>> 0, ok: false, kind: UTF8ToString(kind, kindLength), message: UTF8ToString(text, textLength) }));
    }
  },

  wasm_mt_js_inbox_text_length: function (which) {
    return lengthBytesUTF8(wasmMt.inboxString(which));
  },

  wasm_mt_js_inbox_text_copy: function (which, destination, length) {
    wasmMt.writeUtf8(wasmMt.inboxString(which), destination, length);
  },

  wasm_mt_js_inbox_buffer_length: function (index) {
    return wasmMt.inbox['buffers'][index].byteLength;
  },

  wasm_mt_js_inbox_buffer_copy: function (index, destination) {
    HEAPU8.set(new Uint8Array(wasmMt.inbox['buffers'][index]), destination);
  },

  wasm_mt_js_inbox_value_handle__deps: ['$Emval'],
  wasm_mt_js_inbox_value_handle: function () {
    return Emval.toHandle(wasmMt.inbox['value']);
  },

  wasm_mt_js_load_program_url: function (token, jsUrl, jsLength, wasmUrl, wasmLength) {
    wasmMt.loadProgramUrl(token >>> 0, UTF8ToString(jsUrl, jsLength), UTF8ToString(wasmUrl, wasmLength));
  },

  wasm_mt_js_load_program_buffers: function (token, js, jsLength, wasm, wasmLength) {
    wasmMt.loadProgramBuffers(token >>> 0, UTF8ToString(js, jsLength), HEAPU8.slice(wasm, wasm + wasmLength));
  },

  wasm_mt_js_in_worker: function () {
    return wasmMt.inWorker ? 1 : 0;
  },

  wasm_mt_js_thread_label_length: function () {
    return lengthBytesUTF8(wasmMt.label || '');
  },

  wasm_mt_js_thread_label_copy: function (destination) {
    var label = wasmMt.label || '';
    stringToUTF8(label, destination, lengthBytesUTF8(label) + 1);
  },

  wasm_mt_js_set_timeout: function (milliseconds, token) {
    token >>>= 0;
    wasmMt.timers.set(token, setTimeout(function () {
      wasmMt.timers.delete(token);
      wasmMt.deliver(null, WASM_MT_EVENT.TIMER, 0, token, 0, 0, 0);
    }, milliseconds));
  },

  wasm_mt_js_clear_timeout: function (token) {
    token >>>= 0;
    clearTimeout(wasmMt.timers.get(token));
    wasmMt.timers.delete(token);
  },

  wasm_mt_js_hardware_concurrency: function () {
    if (wasmMt.isNode) {
      var os = require('os');
      return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
    }
    return (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
  },

  wasm_mt_js_schedule_continuations: function () {
    queueMicrotask(function () { wasmMt.deliver(null, WASM_MT_EVENT.CONTINUATIONS, 0, 0, 0, 0, 0); });
  },

  wasm_mt_js_now_ms: function () {
    return performance.now();
  },

  wasm_mt_js_fetch_bytes: function (token, url, urlLength) {
    token >>>= 0;
    var target = UTF8ToString(url, urlLength);
    Promise.resolve().then(function () { return wasmMt.readBytes(wasmMt.resolveUrl(target)); }).then(function (bytes) {
      var buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
      wasmMt.deliver({ buffers: [buffer] }, WASM_MT_EVENT.FETCHED, 0, token, 1, 0, 1);
    }, function (e) {
      wasmMt.deliver({ message: 'cannot fetch ' + target + ': ' + wasmMt.errorText(e) }, WASM_MT_EVENT.FETCHED, 0, token, 0, 0, 0);
    });
  },

  wasm_mt_js_log: function (level, text, length) {
    wasmMt.log(level, UTF8ToString(text, length));
  },
};

// Newer Emscripten versions made the string helpers library symbols that must be
// declared as dependencies; 3.1.6 has them built in. Declare them where they exist.
(function () {
  var helpers = ['$UTF8ToString', '$stringToUTF8', '$lengthBytesUTF8'].filter(function (name) {
    return name in LibraryManager.library;
  });
  Object.keys(wasmMtLibrary).forEach(function (name) {
    if (name.indexOf('__') !== -1) return;
    wasmMtLibrary[name + '__deps'] = (wasmMtLibrary[name + '__deps'] || []).concat(helpers);
  });
})();

mergeInto(LibraryManager.library, wasmMtLibrary);
