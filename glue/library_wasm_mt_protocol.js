// wasm_mt glue: the message protocol, shared by the parent and worker sides.
//
// Every wasm_mt message is a plain object {wasm_mt: TAG, type, ...}, or one of the two
// compact strings below. Anything else posted to the same port is not ours: ignored.
//
//   parent -> worker  init     {program: {url, text, module | bytes}, label, base}
//   worker -> parent  ready    {}
//   worker -> parent  crashed  {message, stack, running?: [id]}  (running: the requests
//                              it had started and not answered; also a failed start)
//   worker -> parent  print    {fd: 1 | 2, text}  (the worker's stdout / stderr lines)
//   parent -> worker  call     {id, fn, sig, payload: JSON text, buffers?: [ArrayBuffer],
//                              flags?: u32 (call_flags: events, stream and its window)}
//   worker -> parent  call     the same, a call into its caller (this_request::call_caller),
//                              with its own ids, and for?: the id of the parent's request
//                              it is made for; the parent replies with `reply`
//   parent -> worker  exec-js  {id, code, async, raw}
//   parent -> worker  cancel   {id}  (the caller stopped request id; it still gets a reply)
//   worker -> parent  cancel   the same, for its call into its caller with that id
//   worker -> parent  event    {id, payload, buffers?}  (this_request::emit, before the reply)
//   worker -> parent  item     {id, payload, buffers?}  (a stream's item: a generator's co_yield)
//   parent -> worker  ack      {id, count}  (the caller took count more items of stream id)
//   worker -> parent  reply    {id, ok: true, payload, buffers?} | {id, ok: true, value}
//                              (raw exec-js) | {id, ok: false, kind, message, stack?}
//   either way        batch    {messages: [message, ...]}  (posted in one turn; objects or
//                              compact strings, never batches)
// `id` (1 .. 2^32-1) tags a request; its reply carries the same id. `fn` is the closure's
// function ID and `sig` its signature (u32 each; registry.hpp). Buffers are transferred.
// A call (without flags), a value reply and an event without buffers, the common cases,
// travel as a string:
//   'wasm_mt/2:call:<id>:<fn>:<sig>:<payload>'   'wasm_mt/2:reply:<id>:<payload>'
//   'wasm_mt/2:event:<id>:<payload>'   'wasm_mt/2:item:<id>:<payload>'
// (one string clones faster than an object: 5 us less a round trip in Chromium).
//
// parse() accepts only well-formed messages: every field of the right type, integers in
// range, buffers that are ArrayBuffers. What it refuses is counted and dropped, never
// half-handled (a worker's own code can post anything to its parent).
var wasmMtProtocolLibrary = {
  $wasmMtProtocol: {
    TAG: 'wasm_mt/2',
    // Browser workers started by wasm_mt are named WORKER_NAME or WORKER_NAME:label.
    WORKER_NAME: 'wasm_mt',
    MSG: {
      INIT: 'init',
      READY: 'ready',
      CRASHED: 'crashed',
      PRINT: 'print',
      CALL: 'call',
      EXEC_JS: 'exec-js',
      LABEL: 'label',  // parent -> worker: the thread's new label (no reply)
      CANCEL: 'cancel',
      EVENT: 'event',
      ITEM: 'item',
      ACK: 'ack',
      REPLY: 'reply',
      BATCH: 'batch',
    },
    // Messages parse() dropped (for tests and debugging).
    refused: 0,

    message: function (type, fields) {
      var message = fields || {};
      message['wasm_mt'] = wasmMtProtocol.TAG;
      message['type'] = type;
      return message;
    },

    // A call, a value reply or an event: compact when it has no buffers (nor flags, nor
    // the request a call into the caller is made for).
    call: function (id, fn, sig, payload, buffers, flags, forRequest) {
      if (!buffers && !flags && !forRequest) return wasmMtProtocol.TAG + ':call:' + id + ':' + fn + ':' + sig + ':' + payload;
      var message = { 'id': id, 'fn': fn, 'sig': sig, 'payload': payload };
      if (buffers) message['buffers'] = buffers;
      if (flags) message['flags'] = flags;
      if (forRequest) message['for'] = forRequest;
      return wasmMtProtocol.message(wasmMtProtocol.MSG.CALL, message);
    },
    // An event or a stream item (type MSG.EVENT or MSG.ITEM).
    event: function (type, id, payload, buffers) {
      if (!buffers) return wasmMtProtocol.TAG + ':' + type + ':' + id + ':' + payload;
      return wasmMtProtocol.message(type, { 'id': id, 'payload': payload, 'buffers': buffers });
    },
    valueReply: function (id, payload, buffers) {
      if (!buffers) return wasmMtProtocol.TAG + ':reply:' + id + ':' + payload;
      return wasmMtProtocol.message(wasmMtProtocol.MSG.REPLY, { 'id': id, 'ok': true, 'payload': payload, 'buffers': buffers });
    },
    errorReply: function (id, kind, message, stack) {
      return wasmMtProtocol.message(wasmMtProtocol.MSG.REPLY,
                                    { 'id': id, 'ok': false, 'kind': kind, 'message': message, 'stack': stack || '' });
    },

    // The decimal u32 in text[start, end), or -1.
    parseU32: function (text, start, end) {
      if (end <= start || end - start > 10) return -1;
      var value = 0;
      for (var i = start; i < end; i++) {
        var digit = text.charCodeAt(i) - 48;
        if (digit < 0 || digit > 9) return -1;
        value = value * 10 + digit;
      }
      return value <= 0xFFFFFFFF ? value : -1;
    },
    isU32: function (x) {
      return typeof x == 'number' && x >= 0 && x <= 0xFFFFFFFF && Math.floor(x) === x;
    },
    isId: function (x) {
      return wasmMtProtocol.isU32(x) && x !== 0;
    },
    isText: function (x) {
      return typeof x == 'string';
    },
    isOptionalText: function (x) {
      return x === undefined || x === null || typeof x == 'string';
    },
    isBuffers: function (x) {
      if (x === undefined) return true;
      if (!Array.isArray(x)) return false;
      for (var i = 0; i < x.length; i++) if (!(x[i] instanceof ArrayBuffer)) return false;
      return true;
    },
    isIds: function (x) {
      if (x === undefined) return true;
      if (!Array.isArray(x)) return false;
      for (var i = 0; i < x.length; i++) if (!wasmMtProtocol.isId(x[i])) return false;
      return true;
    },

    // A compact string as a message object; null when malformed.
    expand: function (data) {
      var P = wasmMtProtocol;
      var prefix = P.TAG.length + 1;
      if (data.length < prefix || data.lastIndexOf(P.TAG + ':', 0) !== 0) return null;
      var type = data.lastIndexOf('reply:', prefix) === prefix ? P.MSG.REPLY
               : data.lastIndexOf('call:', prefix) === prefix ? P.MSG.CALL
               : data.lastIndexOf('event:', prefix) === prefix ? P.MSG.EVENT
               : data.lastIndexOf('item:', prefix) === prefix ? P.MSG.ITEM : null;
      if (!type) return null;
      var at = prefix + type.length + 1;
      var idEnd = data.indexOf(':', at);
      if (idEnd < 0) return null;
      var id = P.parseU32(data, at, idEnd);
      if (id <= 0) return null;
      if (type === P.MSG.REPLY) return { 'type': type, 'ok': true, 'id': id, 'payload': data.slice(idEnd + 1) };
      if (type !== P.MSG.CALL) return { 'type': type, 'id': id, 'payload': data.slice(idEnd + 1) };
      var fnEnd = data.indexOf(':', idEnd + 1);
      var sigEnd = fnEnd < 0 ? -1 : data.indexOf(':', fnEnd + 1);
      if (sigEnd < 0) return null;
      var fn = P.parseU32(data, idEnd + 1, fnEnd);
      var sig = P.parseU32(data, fnEnd + 1, sigEnd);
      if (fn < 0 || sig < 0) return null;
      return { 'type': P.MSG.CALL, 'id': id, 'fn': fn, 'sig': sig, 'payload': data.slice(sigEnd + 1) };
    },

    // Whether `m` (an object) is a well-formed message of a type in `accepted`.
    valid: function (m, accepted) {
      var P = wasmMtProtocol;
      if (m === null || typeof m != 'object' || accepted.indexOf(m['type']) < 0) return false;
      switch (m['type']) {
        case P.MSG.INIT:
          var program = m['program'];
          return program !== null && typeof program == 'object' && P.isOptionalText(program['url']) &&
                 P.isOptionalText(program['text']) && P.isText(m['label']) && P.isText(m['base']) &&
                 ((typeof WebAssembly == 'object' && program['module'] instanceof WebAssembly.Module) ||
                  program['bytes'] instanceof ArrayBuffer || program['bytes'] instanceof Uint8Array);
        case P.MSG.READY:
          return true;
        case P.MSG.CRASHED:
          return P.isText(m['message']) && P.isOptionalText(m['stack']) && P.isIds(m['running']);
        case P.MSG.PRINT:
          return (m['fd'] === 1 || m['fd'] === 2) && P.isText(m['text']);
        case P.MSG.CALL:
          return P.isId(m['id']) && P.isU32(m['fn']) && P.isU32(m['sig']) && P.isText(m['payload']) &&
                 P.isBuffers(m['buffers']) && (m['flags'] === undefined || P.isU32(m['flags'])) &&
                 (m['for'] === undefined || P.isId(m['for']));
        case P.MSG.CANCEL:
          return P.isId(m['id']);
        case P.MSG.EVENT:
        case P.MSG.ITEM:
          return P.isId(m['id']) && P.isText(m['payload']) && P.isBuffers(m['buffers']);
        case P.MSG.ACK:
          return P.isId(m['id']) && P.isU32(m['count']);
        case P.MSG.EXEC_JS:
          // args: JSON text, or a JS value ('value', exec_js with an emscripten::val), not both
          return P.isId(m['id']) && P.isText(m['code']) && typeof m['async'] == 'boolean' && typeof m['raw'] == 'boolean' &&
                 (m['args'] === undefined || (P.isText(m['args']) && !('value' in m)));
        case P.MSG.LABEL:
          return P.isText(m['label']);
        case P.MSG.REPLY:
          if (!P.isId(m['id']) || typeof m['ok'] != 'boolean') return false;
          if (m['ok']) return (P.isText(m['payload']) || 'value' in m) && P.isBuffers(m['buffers']);
          return P.isText(m['kind']) && P.isText(m['message']) && P.isOptionalText(m['stack']);
      }
      return false;
    },

    // The well-formed messages of types in `accepted` that `data` (one port message)
    // holds: a message, a compact string or a batch. Anything else is refused.
    parse: function (data, accepted) {
      var P = wasmMtProtocol;
      var batch;
      if (typeof data == 'string') {
        if (data.lastIndexOf(P.TAG + ':', 0) !== 0) return [];  // not ours
        batch = [data];
      } else if (data !== null && typeof data == 'object' && data['wasm_mt'] === P.TAG) {
        if (data['type'] !== P.MSG.BATCH) batch = [data];
        else if (Array.isArray(data['messages'])) batch = data['messages'];
        else return P.refuse(1);
      } else {
        return [];  // not ours
      }
      var out = [];
      for (var i = 0; i < batch.length; i++) {
        var item = batch[i];
        var message = typeof item == 'string' ? P.expand(item)
                    : item !== null && typeof item == 'object' && item['wasm_mt'] === P.TAG ? item : null;
        if (message && P.valid(message, accepted)) out.push(message);
        else P.refused++;
      }
      return out;
    },
    refuse: function (count) {
      wasmMtProtocol.refused += count;
      return [];
    },

    // An outbox for one port: collects the messages posted during a turn and sends them
    // as one batch from a microtask (one postMessage for many tiny requests or replies).
    // post(message, transfer, now): `now` sends what is queued at once. send(message,
    // transfer) posts for real; when it throws, failed(error) is told: the messages are
    // lost, and the caller treats the port as dead. (No clock is read here: a call's
    // round trip flushes twice.)
    // held: while true nothing is sent (a worker that has not said ready yet); drop(id)
    // then takes request id (a call or exec-js) back out, unsent: true if it was there.
    outbox: function (send, failed) {
      var box = { messages: [], transfer: [], scheduled: false, held: false };
      box.flush = function () {
        var messages = box.messages;
        var transfer = box.transfer;
        if (!messages.length || box.held) return;
        box.messages = [];
        box.transfer = [];
        try {
          send(messages.length === 1 ? messages[0]
               : wasmMtProtocol.message(wasmMtProtocol.MSG.BATCH, { 'messages': messages }), transfer);
        } catch (e) {
          failed(e);
        }
      };
      box.post = function (message, transfer, now) {
        box.messages.push(message);
        if (transfer) for (var i = 0; i < transfer.length; i++) box.transfer.push(transfer[i]);
        if (now) return box.flush();
        if (box.scheduled) return;
        box.scheduled = true;
        queueMicrotask(function () {
          box.scheduled = false;
          box.flush();
        });
      };
      box.drop = function (id) {
        var P = wasmMtProtocol;
        for (var i = 0; i < box.messages.length; i++) {
          var m = typeof box.messages[i] == 'string' ? P.expand(box.messages[i]) : box.messages[i];
          if (!m || m['id'] !== id || (m['type'] !== P.MSG.CALL && m['type'] !== P.MSG.EXEC_JS)) continue;
          box.messages.splice(i, 1);
          var buffers = m['buffers'] || [];
          box.transfer = box.transfer.filter(function (b) { return buffers.indexOf(b) < 0; });
          return true;
        }
        return false;
      };
      box.clear = function () {
        box.messages = [];
        box.transfer = [];
      };
      return box;
    },
  },

};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtProtocolLibrary);
