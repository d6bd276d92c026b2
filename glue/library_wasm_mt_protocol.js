// wasm_mt glue: the message protocol, shared by the parent and worker sides.
//
// Two kinds of message travel on a worker's port, each a plain object {wasm_mt: TAG,
// type, ...}. Anything else posted to the same port is not ours: ignored.
//
// Request-scoped messages: one envelope {type, id, ...fields}. `id` (1 .. 2^32-1) is the
// request's, from its sender's side; a reply carries its request's id.
//   type     sent                fields besides id
//   call     parent -> worker    fn, sig (u32: the closure's function ID and signature,
//                                registry.hpp), flags (u32 call_flags: events, stream and
//                                its window, traced, measured; 0: none), payload (JSON
//                                text), buffers?
//            worker -> parent    the same, a call into its caller
//                                (this_request::call_caller), for?: the id of the
//                                parent's request it is made for
//   exec-js  parent -> worker    code, async, raw (booleans), args? (JSON text) | value?
//                                (a structured-cloned JS value)
//   cancel   either way          (the sender stopped request id; it still gets a reply)
//   ack      parent -> worker    count, flags (the caller took count more items of stream id;
//                                flags 1: it handled count more of its events)
//   event    worker -> parent    payload, buffers? (this_request::emit, before the reply)
//   item     worker -> parent    payload, buffers? (a stream's item: a generator's co_yield)
//   reply    answering a call    ok: true, payload, buffers? | ok: true, value (raw
//                                exec-js) | ok: false, kind, message, stack?; and times?:
//                                [started, finished] (ms on the trace clock, wasmMt.clock)
//                                for a traced call
// One that has no fields but the ones its SHAPES entry lists as compact (u32s, then the
// payload) travels as one string, the common case (one string clones faster than an
// object: 5 us less a round trip in Chromium):
//   'wasm_mt/3:<type>:<id>[:<compact field>...][:<payload>]'
//   e.g. 'wasm_mt/3:call:7:3:1:0:{"a":1}', 'wasm_mt/3:reply:7:42', 'wasm_mt/3:cancel:7'
// (A call's flags are a compact field: a call with events, a stream or a trace is as
// cheap to send as a plain one.) A traced call's value reply without buffers has a
// compact spelling of its own, VARIANTS' 'reply-timed', whose fields are its worker's
// times as whole µs of the trace clock modulo 2^32: 'wasm_mt/3:reply-timed:7:<started>:
// <finished>:42'; it expands to a reply with `started` and `finished` (timesOf()).
//
// Lifecycle messages, apart:
//   init     parent -> worker    program: {url, type, text, module | bytes, bundled}, label, base
//   ready    worker -> parent    (the worker runs requests from now)
//   crashed  worker -> parent    message, stack?, running?: [id] (the requests it had
//                                started and not answered; also a failed start)
//   print    worker -> parent    fd: 1 | 2, text (the worker's stdout / stderr lines)
//   memory   worker -> parent    bytes (its wasm memory's size: when it became ready, and
//                                before a reply once it grew)
//   label    parent -> worker    label (the thread's new label, in order with requests)
//   batch    either way          messages: [message, ...] (posted in one turn; objects
//                                or compact strings, never batches)
// Buffers are transferred: `buffers` is an array of ArrayBuffers or of Uint8Array views
// (several buffers of one message travel as views of one ArrayBuffer).
//
// parse() accepts only well-formed messages: every field of the right type, integers in
// range, buffers that are ArrayBuffers or Uint8Arrays. What it refuses is counted and dropped, never
// half-handled (a worker's own code can post anything to its parent).
var wasmMtProtocolLibrary = {
  $wasmMtProtocol: {
    TAG: 'wasm_mt/3',
    // Browser workers started by wasm_mt are named WORKER_NAME or WORKER_NAME:label.
    WORKER_NAME: 'wasm_mt',
    MSG: {
      INIT: 'init',
      READY: 'ready',
      CRASHED: 'crashed',
      PRINT: 'print',
      MEMORY: 'memory',
      LABEL: 'label',
      BATCH: 'batch',
      CALL: 'call',
      EXEC_JS: 'exec-js',
      CANCEL: 'cancel',
      ACK: 'ack',
      EVENT: 'event',
      ITEM: 'item',
      REPLY: 'reply',
    },
    // The request-scoped messages' shapes. compact: the u32 fields a compact string holds
    // after the id, in order (null: never compact); payload: it then ends with the
    // payload; implied: what a compact one also has. required / optional: every other
    // field, each with the name of its check. A message with a field not listed here is
    // refused; so is one that misses a required field or fails `also`.
    SHAPES: {
      'call': { compact: ['fn', 'sig', 'flags'], payload: true, required: { 'payload': 'isText' },
                optional: { 'buffers': 'isBuffers', 'for': 'isId' } },
      'exec-js': { compact: null, required: { 'code': 'isText', 'async': 'isBool', 'raw': 'isBool' },
                   optional: { 'args': 'isText', 'value': 'isAny' }, also: 'argsOrValue' },
      'cancel': { compact: [] },
      'ack': { compact: ['count', 'flags'] },
      'event': { compact: [], payload: true, required: { 'payload': 'isText' }, optional: { 'buffers': 'isBuffers' } },
      'item': { compact: [], payload: true, required: { 'payload': 'isText' }, optional: { 'buffers': 'isBuffers' } },
      'reply': { compact: [], payload: true, implied: { 'ok': true }, required: { 'ok': 'isBool' },
                 optional: { 'payload': 'isText', 'buffers': 'isBuffers', 'value': 'isAny', 'kind': 'isText',
                             'message': 'isText', 'stack': 'isOptionalText', 'times': 'isTimes' },
                 also: 'valueOrError' },
    },
    // Compact spellings with more compact fields than their type's own: name -> the type
    // its message has, and its compact fields (u32s, before the type's payload, if any).
    VARIANTS: {
      'reply-timed': { type: 'reply', compact: ['started', 'finished'] },
    },
    // The checks SHAPES and LIFECYCLE name, by name (made on first use from the functions
    // below, so that a minifier renaming them keeps the table right).
    checks: null,
    // Lifecycle messages: type -> the name of its check.
    LIFECYCLE: { 'init': 'validInit', 'ready': 'isAny', 'crashed': 'validCrashed', 'print': 'validPrint',
                 'label': 'validLabel', 'memory': 'validMemory' },
    // Messages parse() dropped (for tests and debugging).
    refused: 0,

    message: function (type, fields) {
      var message = fields || {};
      message['wasm_mt'] = wasmMtProtocol.TAG;
      message['type'] = type;
      return message;
    },

    // The request-scoped message `type` for request `id`: `payload` its payload (if its
    // shape has one), `extra` an object of its other fields, or null; `a`, `b`, `c` its
    // compact fields (in SHAPES order; no shape has more than three). Without extra fields
    // it is the compact string.
    request: function (type, id, payload, extra, a, b, c) {
      var P = wasmMtProtocol;
      var shape = P.SHAPES[type];
      var count = shape.compact ? shape.compact.length : 0;
      if (!extra && shape.compact) return P.compactText(type, count, id, shape.payload, payload, a, b, c);
      var message = P.message(type, extra || {});
      message['id'] = id;
      if (count > 0) message[shape.compact[0]] = a;
      if (count > 1) message[shape.compact[1]] = b;
      if (count > 2) message[shape.compact[2]] = c;
      if (shape.payload && payload !== undefined) message['payload'] = payload;
      for (var key in shape.implied) if (!(key in message)) message[key] = shape.implied[key];
      return message;
    },

    // The compact string of spelling `name` (a type, or one of VARIANTS) with `count`
    // compact fields a, b, c, then `payload` if `hasPayload`.
    compactText: function (name, count, id, hasPayload, payload, a, b, c) {
      var text = wasmMtProtocol.TAG + ':' + name + ':' + id;
      if (count > 0) text += ':' + a;
      if (count > 1) text += ':' + b;
      if (count > 2) text += ':' + c;
      return hasPayload ? text + ':' + payload : text;
    },

    // A call (into a worker, or into the caller), an event or item, a reply.
    call: function (id, fn, sig, payload, buffers, flags, forRequest) {
      var extra = null;
      if (buffers || forRequest) {
        extra = {};
        if (buffers) extra['buffers'] = buffers;
        if (forRequest) extra['for'] = forRequest;
      }
      return wasmMtProtocol.request(wasmMtProtocol.MSG.CALL, id, payload, extra, fn, sig, flags);
    },
    // An event or a stream item (type MSG.EVENT or MSG.ITEM).
    event: function (type, id, payload, buffers) {
      return wasmMtProtocol.request(type, id, payload, buffers ? { 'buffers': buffers } : null);
    },
    // `times`: a traced call's [started, finished] (ms, trace clock), or none. Without
    // buffers, and run for less than 2^32 µs (71 min), it is the compact 'reply-timed'.
    valueReply: function (id, payload, buffers, times) {
      var P = wasmMtProtocol;
      if (times && !buffers) {
        var started = Math.round(times[0] * 1000);
        var finished = Math.round(times[1] * 1000);
        if (finished >= started && finished - started < P.WRAP_US) {
          return P.compactText('reply-timed', 2, id, true, payload, started % P.WRAP_US, finished % P.WRAP_US);
        }
      }
      var extra = buffers ? { 'buffers': buffers } : null;
      if (times) (extra = extra || {})['times'] = times;
      return wasmMtProtocol.request(wasmMtProtocol.MSG.REPLY, id, payload, extra);
    },
    errorReply: function (id, kind, message, stack, times) {
      var extra = { 'ok': false, 'kind': kind, 'message': message, 'stack': stack || '' };
      if (times) extra['times'] = times;
      return wasmMtProtocol.request(wasmMtProtocol.MSG.REPLY, id, undefined, extra);
    },

    // A reply's worker times, [started, finished] (ms on the trace clock), or null: its
    // `times`, or its compact `started` and `finished` (µs modulo WRAP_US) put back whole
    // by the receiver's clock `nowMs` (right when their worker's clock is within 35 min
    // of it).
    WRAP_US: 4294967296,
    timesOf: function (m, nowMs) {
      var P = wasmMtProtocol;
      if (m['times']) return m['times'];
      if (m['started'] === undefined) return null;
      var M = P.WRAP_US;
      var nowUs = Math.round(nowMs * 1000);
      var since = ((nowUs % M) - m['finished'] + M) % M;  // µs since it finished, modulo M
      if (since > M / 2) since -= M;  // (its worker's clock is ahead)
      var finished = nowUs - since;
      var ran = (m['finished'] - m['started'] + M) % M;
      return [(finished - ran) / 1000, finished / 1000];
    },

    // The checks SHAPES and LIFECYCLE name.
    isAny: function () {
      return true;
    },
    isBool: function (x) {
      return typeof x == 'boolean';
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
      if (!Array.isArray(x)) return false;
      for (var i = 0; i < x.length; i++) {
        // (A view only of an ArrayBuffer: one transferred with the message, never shared memory.)
        if (!(x[i] instanceof ArrayBuffer || x[i] instanceof Uint8Array && x[i].buffer instanceof ArrayBuffer)) return false;
      }
      return true;
    },
    // The ArrayBuffers to transfer for a message's `buffers` (ArrayBuffers, or Uint8Array
    // views of them), each once.
    transferables: function (buffers) {
      if (!buffers) return buffers;
      var out = [];
      for (var i = 0; i < buffers.length; i++) {
        var b = buffers[i] instanceof ArrayBuffer ? buffers[i] : buffers[i].buffer;
        if (out.indexOf(b) < 0) out.push(b);
      }
      return out;
    },
    isIds: function (x) {
      if (x === undefined) return true;
      if (!Array.isArray(x)) return false;
      for (var i = 0; i < x.length; i++) if (!wasmMtProtocol.isId(x[i])) return false;
      return true;
    },
    argsOrValue: function (m) {  // exec-js: args as JSON text, or as a JS value, not both
      return !('args' in m && 'value' in m);
    },
    valueOrError: function (m) {
      var P = wasmMtProtocol;
      if (m['ok']) return (P.isText(m['payload']) || 'value' in m) && !('kind' in m);
      return P.isText(m['kind']) && P.isText(m['message']) && !('payload' in m) && !('value' in m);
    },
    validInit: function (m) {
      var P = wasmMtProtocol;
      var program = m['program'];
      return program !== null && typeof program == 'object' && P.isOptionalText(program['url']) &&
             P.isOptionalText(program['text']) && P.isText(m['label']) && P.isText(m['base']) &&
             ((typeof WebAssembly == 'object' && program['module'] instanceof WebAssembly.Module) ||
              program['bytes'] instanceof ArrayBuffer || program['bytes'] instanceof Uint8Array);
    },
    validCrashed: function (m) {
      var P = wasmMtProtocol;
      return P.isText(m['message']) && P.isOptionalText(m['stack']) && P.isIds(m['running']);
    },
    validPrint: function (m) {
      return (m['fd'] === 1 || m['fd'] === 2) && wasmMtProtocol.isText(m['text']);
    },
    validLabel: function (m) {
      return wasmMtProtocol.isText(m['label']);
    },
    isTimes: function (x) {
      return Array.isArray(x) && x.length === 2 && Number.isFinite(x[0]) && Number.isFinite(x[1]);
    },
    validMemory: function (m) {
      return Number.isSafeInteger(m['bytes']) && m['bytes'] >= 0;
    },

    // A compact string as its message object; null when malformed. Every expanded
    // message has the same shape (its fields from SHAPES, the others undefined): one
    // shape keeps the hot path's property loads monomorphic. (On every call's path twice:
    // no loop over SHAPES' keys, no substring for the type.)
    expand: function (data) {
      var P = wasmMtProtocol;
      var index = P.compactIndex || P.indexCompact();
      var at = index.prefix.length;
      if (!P.startsWithAt(data, index.prefix, 0)) return null;
      var end = data.indexOf(':', at);
      var spelling = null;
      var candidates = index.byInitial[data.charCodeAt(at)];
      for (var k = 0; candidates && k < candidates.length; k++) {
        if (end - at === candidates[k].name.length && P.startsWithAt(data, candidates[k].name, at)) {
          spelling = candidates[k];
          break;
        }
      }
      if (spelling === null) return null;
      // Then the id and the compact fields, each a decimal u32 after a ':'; then ':' and
      // the payload, if the shape has one, else the end.
      var shape = P.SHAPES[spelling.type];
      var names = spelling.compact;
      var id = 0;
      var a = 0;
      var b = 0;
      var c = 0;
      for (var i = -1; i < names.length; i++) {  // (-1: the id)
        var value = P.readU32(data, end + 1);
        end = P.scanEnd;
        if (value < 0 || (i < 0 && value === 0)) return null;
        if (i < 0) id = value; else if (i === 0) a = value; else if (i === 1) b = value; else c = value;
        var last = i === names.length - 1 && !shape.payload;
        if (last ? end !== data.length : data.charCodeAt(end) !== 58) return null;  // (58: ':')
      }
      var message = { 'type': spelling.type, 'id': id, 'fn': undefined, 'sig': undefined, 'count': undefined,
                      'flags': undefined, 'started': undefined, 'finished': undefined,
                      'ok': shape.implied ? shape.implied['ok'] : undefined,
                      'payload': shape.payload ? data.slice(end + 1) : undefined };
      if (names.length > 0) message[names[0]] = a;
      if (names.length > 1) message[names[1]] = b;
      if (names.length > 2) message[names[2]] = c;
      return message;
    },
    // The decimal u32 (1 to 10 digits) at data[at...]: its value, or -1. scanEnd: the
    // index after its last digit.
    scanEnd: 0,
    readU32: function (data, at) {
      var value = 0;
      var start = at;
      for (; at < data.length; at++) {
        var digit = data.charCodeAt(at) - 48;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      wasmMtProtocol.scanEnd = at;
      return at === start || at - start > 10 || value > 0xFFFFFFFF ? -1 : value;
    },
    // Whether `text` holds `part` at `at` (String.prototype.startsWith, without its
    // argument checks: a few characters, twice a message).
    startsWithAt: function (text, part, at) {
      if (text.length - at < part.length) return false;
      for (var i = 0; i < part.length; i++) if (text.charCodeAt(at + i) !== part.charCodeAt(i)) return false;
      return true;
    },
    // What expand() looks up: the prefix of every compact string ('<TAG>:'), and the
    // compact spellings ({name, type, compact}: the types that have a compact form and
    // VARIANTS; at most three compact fields each), by the char code of their initial.
    compactIndex: null,
    indexCompact: function () {
      var P = wasmMtProtocol;
      var byInitial = [];
      var add = function (name, type, compact) {
        var initial = name.charCodeAt(0);
        (byInitial[initial] = byInitial[initial] || []).push({ name: name, type: type, compact: compact });
      };
      for (var name in P.SHAPES) if (P.SHAPES[name].compact) add(name, name, P.SHAPES[name].compact);
      for (var variant in P.VARIANTS) add(variant, P.VARIANTS[variant].type, P.VARIANTS[variant].compact);
      return P.compactIndex = { prefix: P.TAG + ':', byInitial: byInitial };
    },

    // Whether `m` (an object) is a well-formed message of a type in `accepted`. Only a
    // table's own keys count (a field named constructor or __proto__ is unknown).
    valid: function (m, accepted) {
      var P = wasmMtProtocol;
      if (m === null || typeof m != 'object' || accepted.indexOf(m['type']) < 0) return false;
      var C = P.checks || (P.checks = {
        'isAny': P.isAny, 'isBool': P.isBool, 'isU32': P.isU32, 'isId': P.isId, 'isText': P.isText,
        'isOptionalText': P.isOptionalText, 'isBuffers': P.isBuffers, 'argsOrValue': P.argsOrValue,
        'valueOrError': P.valueOrError, 'validInit': P.validInit, 'validCrashed': P.validCrashed,
        'validPrint': P.validPrint, 'validLabel': P.validLabel,
        'validMemory': P.validMemory, 'isTimes': P.isTimes });
      var own = function (table, key) { return !!table && Object.prototype.hasOwnProperty.call(table, key); };
      var type = m['type'];
      if (own(P.LIFECYCLE, type)) return C[P.LIFECYCLE[type]](m);
      var shape = P.SHAPES[type];
      if (!P.isId(m['id'])) return false;
      for (var key in m) {
        if (!Object.prototype.hasOwnProperty.call(m, key)) return false;
        if (key === 'wasm_mt' || key === 'type' || key === 'id') continue;
        var check = own(shape.required, key) ? shape.required[key] : own(shape.optional, key) ? shape.optional[key]
                  : shape.compact && shape.compact.indexOf(key) >= 0 ? 'isU32' : null;
        if (!check || !C[check](m[key])) return false;
      }
      var key2;
      for (key2 in shape.required) if (!own(m, key2)) return false;
      for (var i = 0; shape.compact && i < shape.compact.length; i++) if (!own(m, shape.compact[i])) return false;
      return !shape.also || C[shape.also](m);
    },

    // The well-formed messages of types in `accepted` that `data` (one port message)
    // holds: a message, a compact string or a batch. Anything else is refused.
    parse: function (data, accepted) {
      var P = wasmMtProtocol;
      var batch;
      if (typeof data == 'string') {  // (the common case: one compact message)
        var compact = P.expand(data);
        if (compact !== null && accepted.indexOf(compact['type']) >= 0) return [compact];
        if (compact !== null || (data.startsWith(P.TAG) && data.charCodeAt(P.TAG.length) === 58)) P.refused++;
        return [];  // (else not ours)
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
        // (A compact string that expands is well-formed by construction.)
        var message = typeof item == 'string' ? P.expand(item) : null;
        var ok = message ? accepted.indexOf(message['type']) >= 0
               : item !== null && typeof item == 'object' && item['wasm_mt'] === P.TAG && P.valid(item, accepted);
        if (ok) out.push(message || item);
        else P.refused++;
      }
      return out;
    },
    refuse: function (count) {
      wasmMtProtocol.refused += count;
      return [];
    },

    // Whether `message` (an object or a compact string) is request `id`'s call or exec-js.
    isRequest: function (message, id) {
      var P = wasmMtProtocol;
      var m = typeof message == 'string' ? P.expand(message) : message;
      return !!m && m['id'] === id && (m['type'] === P.MSG.CALL || m['type'] === P.MSG.EXEC_JS);
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
        if (now && !box.held && !box.messages.length) {  // (alone: sent as it is, no batch made)
          try {
            send(message, transfer && transfer.length ? transfer : undefined);
          } catch (e) {
            failed(e);
          }
          return;
        }
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
        for (var i = 0; i < box.messages.length; i++) {
          var m = box.messages[i];
          if (!wasmMtProtocol.isRequest(m, id)) continue;
          box.messages.splice(i, 1);
          var buffers = typeof m == 'string' ? [] : wasmMtProtocol.transferables(m['buffers']) || [];
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
