// wasm_mt message protocol (pre-js; shared by the parent and worker sides).
//
// Every wasm_mt message is a plain object {wasm_mt: WASM_MT_PROTOCOL, type, ...}. Anything
// else posted to the same worker or window is not ours and is ignored.
//
//   parent -> worker  init      {program: {url, text, module | bytes}, label, base}
//   worker -> parent  ready     {}
//   worker -> parent  crashed   {message, stack, running: [id]}  (running: the requests it
//                               had started and not answered; also while starting: a failed init)
//   parent -> worker  call      {id, fn, payload: JSON text, buffers?: [ArrayBuffer]}
//   parent -> worker  exec-js   {id, code, async, raw}
//   worker -> parent  reply     {id, ok: true, payload, buffers?} | {id, ok: true, value} (raw exec-js)
//                               | {id, ok: false, kind, message, stack?}
//   either way        batch     {messages: [message, ...]}  (messages posted in one turn)
// `id` tags a request; its reply carries the same id. Binary buffers are transferred.
var WASM_MT_PROTOCOL = 'wasm_mt/1';
var WASM_MT_WORKER_NAME = 'wasm_mt';
var WASM_MT_MSG = {
  INIT: 'init',
  READY: 'ready',
  CRASHED: 'crashed',
  CALL: 'call',
  EXEC_JS: 'exec-js',
  REPLY: 'reply',
  BATCH: 'batch',
};
// Events delivered to C++ wasm_mt_on_message (lib/include/wasm_mt/detail/glue.hpp).
var WASM_MT_EVENT = {
  THREAD_READY: 1,
  THREAD_FAILED: 2,
  THREAD_CRASHED: 3,
  REPLY: 4,
  CALL: 5,
  TIMER: 6,
  PROGRAM_LOADED: 7,
  FETCHED: 8,
};
// Texts C++ reads from the message being delivered (detail::inbox_text).
var WASM_MT_INBOX_TEXT = { PAYLOAD: 0, ERROR_KIND: 1, ERROR_MESSAGE: 2, ERROR_STACK: 3, RUNNING: 4 };

function wasmMtIsMessage(data) {
  return data !== null && typeof data === 'object' && data['wasm_mt'] === WASM_MT_PROTOCOL;
}

// Collects the messages posted to one port during a turn and sends them as one `batch`
// message in a microtask (before the event loop moves on): one postMessage for many
// tiny requests or replies. `send(message, transfer)` posts for real.
function WasmMtOutbox(send) {
  this.send = send;
  this.messages = [];
  this.transfer = [];
}
WasmMtOutbox.prototype.post = function (message, transfer) {
  this.messages.push(message);
  if (transfer) for (var i = 0; i < transfer.length; i++) this.transfer.push(transfer[i]);
  if (this.messages.length === 1) {
    var outbox = this;
    queueMicrotask(function () { outbox.flush(); });
  }
};
WasmMtOutbox.prototype.flush = function () {
  var messages = this.messages;
  var transfer = this.transfer;
  if (!messages.length) return;
  this.messages = [];
  this.transfer = [];
  this.send(messages.length === 1 ? messages[0] : wasmMtMessage(WASM_MT_MSG.BATCH, { messages: messages }), transfer);
};

// Calls handle(message) for a message, or for each message of a batch.
function wasmMtEachMessage(data, handle) {
  if (data['type'] !== WASM_MT_MSG.BATCH) return handle(data);
  var messages = data['messages'];
  for (var i = 0; i < messages.length; i++) handle(messages[i]);
}

function wasmMtMessage(type, fields) {
  var message = fields || {};
  message['wasm_mt'] = WASM_MT_PROTOCOL;
  message['type'] = type;
  return message;
}
