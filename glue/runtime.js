// wasm_mt glue core (pre-js): environment, and delivery of messages and events to C++.
// The other glue files add to `wasmMt`: programs.js (the code threads run),
// parent.js (spawning and talking to workers), worker.js (being a worker).

var wasmMt = {
  isNode: typeof process === 'object' && typeof process.versions === 'object' &&
          typeof process.versions.node === 'string',
  inWorker: false,
  // The message being delivered to C++ (read through wasm_mt_js_inbox_*).
  inbox: null,
  encoder: new TextEncoder(),
  timers: new Map(),  // token -> JS timer (wasm_mt_js_set_timeout)
};

wasmMt.nodeThreads = wasmMt.isNode ? require('worker_threads') : null;

wasmMt.inWorker = wasmMt.isNode
  ? !wasmMt.nodeThreads.isMainThread && !!wasmMt.nodeThreads.workerData &&
    wasmMt.nodeThreads.workerData['wasm_mt'] === WASM_MT_PROTOCOL
  : typeof WorkerGlobalScope !== 'undefined' && typeof self.name === 'string' &&
    self.name.indexOf(WASM_MT_WORKER_NAME) === 0;

// Calls C++ with `message` as the inbox. In a worker an escaping JS exception (a wasm
// trap, abort, stack overflow) means the instance is dead: reported as a crash.
wasmMt.deliver = function (message, type, handle, id, arg, textLength, bufferCount) {
  if (wasmMt.crashed) return;
  var previous = wasmMt.inbox;
  wasmMt.inbox = message;
  try {
    _wasm_mt_on_message(type, handle, id, arg, textLength, bufferCount);
  } catch (e) {
    if (!wasmMt.inWorker) throw e;
    wasmMt.reportCrash(e);
  } finally {
    wasmMt.inbox = previous;
  }
};

wasmMt.inboxString = function (which) {
  var m = wasmMt.inbox || {};
  if (which === WASM_MT_INBOX_TEXT.RUNNING) return m['running'] ? m['running'].join(',') : 'unknown';
  var text = which === WASM_MT_INBOX_TEXT.PAYLOAD ? m['payload']
           : which === WASM_MT_INBOX_TEXT.ERROR_KIND ? m['kind']
           : which === WASM_MT_INBOX_TEXT.ERROR_MESSAGE ? m['message']
           : m['stack'];
  return text == null ? '' : String(text);
};

// One ArrayBuffer copy of each buffer_ref {data, size} at `pointer`.
wasmMt.copyBuffers = function (pointer, count) {
  if (!count) return undefined;
  var buffers = [];
  for (var i = 0; i < count; i++) {
    var data = HEAPU32[(pointer >> 2) + 2 * i];
    var size = HEAPU32[(pointer >> 2) + 2 * i + 1];
    buffers.push(HEAPU8.slice(data, data + size).buffer);
  }
  return buffers;
};

// Writes `text` as UTF-8 at `destination`: its `length` bytes (lengthBytesUTF8, which
// the caller already knows), plus a NUL.
wasmMt.writeUtf8 = function (text, destination, length) {
  if (text.length < 1024) {
    stringToUTF8(text, destination, length + 1);
  } else {
    var written = wasmMt.encoder.encodeInto(text, HEAPU8.subarray(destination)).written;
    HEAPU8[destination + written] = 0;
  }
};

// Every line wasm_mt writes (level 2: an error) goes through here.
wasmMt.log = function (level, line) {
  if (level >= 2) err(line); else out(line);
};

wasmMt.errorText = function (e) {
  if (e && typeof e === 'object' && 'message' in e) return String(e.message);
  return String(e);
};
