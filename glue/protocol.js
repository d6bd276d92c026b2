// wasm_mt message protocol (pre-js; shared by the parent and worker sides).
//
// Every wasm_mt message is a plain object {wasm_mt: WASM_MT_PROTOCOL, type, ...}, or one
// of the two compact strings below. Anything else posted to the same worker or window is
// not ours and is ignored.
//
//   parent -> worker  init      {program: {url, text, module | bytes}, label, base}
//   worker -> parent  ready     {}
//   worker -> parent  crashed   {message, stack, running: [id]}  (running: the requests it
//                               had started and not answered; also while starting: a failed init)
//   parent -> worker  call      {id, fn, payload: JSON text, buffers?: [ArrayBuffer]}
//   parent -> worker  exec-js   {id, code, async, raw}
//   worker -> parent  reply     {id, ok: true, payload, buffers?} | {id, ok: true, value} (raw exec-js)
//                               | {id, ok: false, kind, message, stack?}
//   either way        batch     {messages: [message, ...]}  (messages posted in one turn,
//                               objects or compact strings)
// `id` tags a request; its reply carries the same id. Binary buffers are transferred.
// A call and a value reply without buffers, the common case, travel as a string instead:
//   'wasm_mt/1:call:<id>:<fn>:<payload>'   'wasm_mt/1:reply:<id>:<payload>'
// (one string clones faster than an object: 5 µs less a round trip in Chromium).
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
  CONTINUATIONS: 9,
};
// Texts C++ reads from the message being delivered (detail::inbox_text).
var WASM_MT_INBOX_TEXT = { PAYLOAD: 0, ERROR_KIND: 1, ERROR_MESSAGE: 2, ERROR_STACK: 3, RUNNING: 4 };

var WASM_MT_COMPACT_CALL = WASM_MT_PROTOCOL + ':call:';
var WASM_MT_COMPACT_REPLY = WASM_MT_PROTOCOL + ':reply:';

// A call or a value reply: compact when it has no buffers (see above).
function wasmMtCall(id, fn, payload, buffers) {
  if (!buffers) return WASM_MT_COMPACT_CALL + id + ':' + fn + ':' + payload;
  return wasmMtMessage(WASM_MT_MSG.CALL, { id: id, fn: fn, payload: payload, buffers: buffers });
}
function wasmMtValueReply(id, payload, buffers) {
  if (!buffers) return WASM_MT_COMPACT_REPLY + id + ':' + payload;
  return wasmMtMessage(WASM_MT_MSG.REPLY, { id: id, ok: true, payload: payload, buffers: buffers });
}

// A message as an object (a compact string expanded; null for a string that is not one).
function wasmMtExpand(data) {
  if (typeof data !== 'string') return data;
  var reply = data.lastIndexOf(WASM_MT_COMPACT_REPLY, 0) === 0;
  if (!reply && data.lastIndexOf(WASM_MT_COMPACT_CALL, 0) !== 0) return null;
  var idStart = (reply ? WASM_MT_COMPACT_REPLY : WASM_MT_COMPACT_CALL).length;
  var idEnd = data.indexOf(':', idStart);
  var fnEnd = reply ? idEnd : data.indexOf(':', idEnd + 1);
  if (idEnd < 0 || fnEnd < 0) return null;
  var id = +data.slice(idStart, idEnd);
  if (reply) return { type: WASM_MT_MSG.REPLY, ok: true, id: id, payload: data.slice(idEnd + 1) };
  return { type: WASM_MT_MSG.CALL, id: id, fn: +data.slice(idEnd + 1, fnEnd), payload: data.slice(fnEnd + 1) };
}

// Collects the messages posted to one port during a turn and sends them as one `batch`
// message in a microtask (before the event loop moves on): one postMessage for many
// tiny requests or replies. `send(message, transfer)` posts for real.
function WasmMtOutbox(send) {
  this.send = send;
  this.messages = [];
  this.transfer = [];
  this.scheduled = false;
}
// Queues `message`; `now` sends the queue at once instead of in the microtask.
WasmMtOutbox.prototype.post = function (message, transfer, now) {
  this.messages.push(message);
  if (transfer) for (var i = 0; i < transfer.length; i++) this.transfer.push(transfer[i]);
  if (now) return this.flush();
  if (this.scheduled) return;
  this.scheduled = true;
  var outbox = this;
  queueMicrotask(function () {
    outbox.scheduled = false;
    outbox.flush();
  });
};
WasmMtOutbox.prototype.flush = function () {
  var messages = this.messages;
  var transfer = this.transfer;
  if (!messages.length) return;
  this.messages = [];
  this.transfer = [];
  this.send(messages.length === 1 ? messages[0] : wasmMtMessage(WASM_MT_MSG.BATCH, { messages: messages }), transfer);
};

// The wasm_mt messages (as objects) in what a port received: a message, a compact
// string or a batch; none for anything that is not ours.
function wasmMtMessages(data) {
  var ours = typeof data === 'string' || (data !== null && typeof data === 'object' && data['wasm_mt'] === WASM_MT_PROTOCOL);
  if (!ours) return [];  // (a string that is not ours fails in wasmMtExpand)
  var messages = typeof data === 'object' && data['type'] === WASM_MT_MSG.BATCH ? data['messages'] : [data];
  var out = [];
  for (var i = 0; i < messages.length; i++) {
    var message = wasmMtExpand(messages[i]);
    if (message) out.push(message);
  }
  return out;
}

function wasmMtMessage(type, fields) {
  var message = fields || {};
  message['wasm_mt'] = WASM_MT_PROTOCOL;
  message['type'] = type;
  return message;
}
