// wasm_mt glue: the core every other glue module uses. Delivers messages and events to
// C++ (wasm_mt_on_message, lib/src/inbox.cpp), keeps the message being delivered (the
// inbox) for C++ to read, and writes its texts into wasm memory.
//
// The rule for every write into wasm memory here and in library_wasm_mt.js: C++ gives
// the destination's capacity, nothing is written past it, and the number of bytes
// written is returned. Texts cross as valid UTF-8: a JS string that is not well-formed
// (a lone surrogate) has U+FFFD in its place, so that measuring and writing agree.
// (Emscripten's string helpers reach every glue module through library_wasm_mt.js, whose
// functions are the only way in.)
// The delivery C++ reads (struct delivery, lib/include/wasm_mt/detail/glue.hpp): after
// its event type and the handle it comes from, these fields of the message being
// delivered, in this order, each a u32 (absent: 0, true: 1); then the payload's UTF-8
// length, the number of its buffers and whether it ends its handler (`last`).
// wasmMt.deliver's writes are generated from this
// list when the program links (named loads: a loop of keyed ones cost 2-4 us a round trip).
{{{ (globalThis.WASM_MT_DELIVERY = ['id', 'fn', 'sig', 'flags', 'for', 'ok', 'count', 'program'], '') }}}

var wasmMtCoreLibrary = {
  $wasmMt__deps: ['$wasmMtProtocol', '$handleException'{{{ parseInt(EMSCRIPTEN_VERSION) >= 4 ? ", '$stackSave', '$stackRestore'" : '' }}}],
  $wasmMt: {
    // Event types of wasm_mt_on_message (lib/include/wasm_mt/detail/glue.hpp).
    EVENT: {
      THREAD_READY: 1,
      THREAD_FAILED: 2,
      THREAD_CRASHED: 3,
      REPLY: 4,
      CALL: 5,
      TIMER: 6,
      PROGRAM_LOADED: 7,
      FETCHED: 8,
      CONTINUATIONS: 9,
      CANCEL: 10,
      REQUEST_EVENT: 11,
      STREAM_ITEM: 12,
      ACK: 13,
      CHILD_CALL: 14,
    },
    slot: 0,  // where the delivery is written (a u32 index into HEAPU32), once known
    // call_flags' bit for a traced call (request_context.hpp): its reply says when the
    // worker started and finished it.
    TRACED: 4,
    // call_flags' bit for a measured call (with TRACED): its worker makes it a User Timing
    // measure when it replies (wasmMtWorker.timesOf).
    MEASURED: 8,
    // performance.measure(name, {start, end}) with times on the trace clock (ms), where
    // the engine has it; refused (old engines, a clock that stepped back): nothing.
    measure: function (name, startMs, endMs) {
      try {
        performance.measure(name, { 'start': startMs - wasmMt.timeOrigin, 'end': Math.max(startMs, endMs) - wasmMt.timeOrigin });
      } catch (e) {
      }
    },
    // The one clock of traces, in every worker and the caller: ms since the Unix epoch
    // (each thread's performance.now() starts at its own timeOrigin).
    // (timeOrigin read once: Node's getter costs microseconds.)
    clock: function () {
      var origin = wasmMt.timeOrigin;
      if (origin === undefined) origin = wasmMt.timeOrigin = performance.timeOrigin;
      return origin + performance.now();
    },
    timeOrigin: undefined,
    // Which text of the inbox message C++ reads (detail::inbox_text).
    TEXT: { PAYLOAD: 0, ERROR_KIND: 1, ERROR_MESSAGE: 2, ERROR_STACK: 3, RUNNING: 4 },

    // The one rule for the ids the glue issues (worker handles, program IDs): drawn from
    // one count, 1 .. 2^31-1 (they cross as a C int), never 0 and, after the count wraps,
    // never one still in `live` (the Map of the entries they name).
    nextId: 1,
    newId: function (live) {
      for (;;) {
        var id = wasmMt.nextId;
        wasmMt.nextId = id >= 0x7FFFFFFF ? 1 : id + 1;
        if (!live.has(id)) return id;
      }
    },

    // True in a worker that wasm_mt started (library_wasm_mt_worker.js sets it).
    isWorker: false,
    // In such a worker: reports an exception that escaped C++ as the worker's crash.
    crash: null,
    // The message being delivered to C++.
    inbox: null,
    encoder: null,
    // The glue's handlers running (a port's message, a delivery; nested), and whether C++
    // asked meanwhile for its settled futures' continuations to run: they run when the
    // outermost handler is done (enter/leave), its own bookkeeping included.
    depth: 0,
    continuationsDue: false,
    draining: false,  // runContinuations is running them

    // Delivers event `type` from thread `handle` (0: none, or this worker's parent) with
    // `message` (a parsed message, or null) as the inbox. Returns, for a reply, 1 when it
    // matched a pending request (C++ says so before any continuation runs: true even when
    // a JS exception escaped the call afterwards), else 0. Its payload is made well-formed
    // first.
    // `last`: the caller, an event's outermost handler, does nothing after it that C++
    // sees: the continuations it queues then run inside this one call into wasm.
    // In a worker an escaping JS exception (a wasm trap, abort, exit, a JS stack overflow)
    // means the instance is dead: reported as a crash. Elsewhere it goes where Emscripten
    // sends an exception from a callback into wasm (handleException): exit() ends the
    // program quietly, anything else is thrown on from a microtask, never into the glue's
    // handler: the other messages of the same port message are still delivered (an event
    // handler calling JS that throws loses no reply behind it).
    deliver: function (type, handle, message, last) {
      if (wasmMt.crashed || ABORT) return 0;
      var at = wasmMt.slot || (wasmMt.slot = _wasm_mt_delivery() >>> 2);
      var length = 0;
      var buffers = 0;
      HEAPU32[at] = type;
      HEAPU32[at + 1] = handle;
      if (message) {
        {{{ WASM_MT_DELIVERY.map(function (name, i) { return 'HEAPU32[at + ' + (i + 2) + "] = message['" + name + "'] >>> 0;"; }).join(' ') }}}
        if (typeof message['payload'] == 'string') {
          length = wasmMt.utf8Length(message['payload']);
          if (length < 0) {  // (a lone surrogate: only a forged message has one)
            message['payload'] = wasmMt.wellFormed(message['payload']);
            length = lengthBytesUTF8(message['payload']);
          }
        }
        if (message['buffers']) buffers = message['buffers'].length;
      } else {
        HEAPU32.fill(0, at + 2, at + {{{ 2 + WASM_MT_DELIVERY.length }}});
      }
      HEAPU32[at + {{{ 2 + WASM_MT_DELIVERY.length }}}] = length;
      HEAPU32[at + {{{ 3 + WASM_MT_DELIVERY.length }}}] = buffers;
      var ends = last && wasmMt.depth <= 1;
      HEAPU32[at + {{{ 4 + WASM_MT_DELIVERY.length }}}] = ends ? 1 : 0;
      // (An outer delivery's `matched` is put back when this one is done.)
      var matchedAt = at + {{{ 5 + WASM_MT_DELIVERY.length }}};
      var outerMatched = HEAPU32[matchedAt];
      HEAPU32[matchedAt] = 0;
      var previous = wasmMt.inbox;
      wasmMt.inbox = message;
      // (A JS exception leaves wasm's stack pointer where it was thrown: put back.)
      var stack = typeof stackSave == 'function' ? stackSave() : 0;
      var matched = 0;
      wasmMt.enter();
      try {
        _wasm_mt_on_message();
      } catch (e) {
        if (stack) stackRestore(stack);
        if (wasmMt.isWorker) {
          wasmMt.crash(e);
        } else {
          // (A delivery that ends its handler runs what C++ queued meanwhile, and asks
          // nobody to: it runs when this handler is done, as continuations queued before
          // an exception always did. Not after exit() or an abort.)
          var exited = e === 'unwind' || (typeof ExitStatus == 'function' && e instanceof ExitStatus);
          if (ends && !exited && !ABORT) wasmMt.continuationsDue = true;
          try {
            handleException(e);
          } catch (thrown) {
            queueMicrotask(function () { throw thrown; });
          }
        }
      } finally {
        matched = HEAPU32[matchedAt];
        HEAPU32[matchedAt] = outerMatched;
        wasmMt.inbox = previous;
        wasmMt.leave();
      }
      return matched;
    },

    // A handler of the glue begins / ends (leave: in a finally).
    enter: function () {
      wasmMt.depth++;
    },
    leave: function () {
      if (--wasmMt.depth === 0 && wasmMt.continuationsDue && !wasmMt.draining) wasmMt.runContinuations();
    },

    // C++ asks for the continuations it queued to run (continuations.hpp), never inside
    // the code that settled their futures: when the outermost handler is done (a reply's
    // continuation runs right after its reply is handled: no microtask, 1 us less a call
    // in Chromium), else from a fresh microtask.
    scheduleContinuations: function () {
      if (wasmMt.depth > 0) {
        wasmMt.continuationsDue = true;
        return;
      }
      queueMicrotask(function () { wasmMt.deliver(wasmMt.EVENT.CONTINUATIONS, 0, null, true); });
    },
    // Runs them now, and what they queue for the end of their own run, in a loop (not
    // deeper and deeper: each run that a JS exception ends asks for the next). What a
    // continuation throws, other than exit(), deliver throws from a microtask: never
    // into the glue's handling of a message.
    runContinuations: function () {
      wasmMt.draining = true;
      try {
        while (wasmMt.continuationsDue && !ABORT) {
          wasmMt.continuationsDue = false;
          wasmMt.deliver(wasmMt.EVENT.CONTINUATIONS, 0, null, true);
        }
      } finally {
        wasmMt.draining = false;
      }
    },

    // The UTF-8 length of `text`, or -1 when it is not well-formed (it has a lone
    // surrogate). One pass, for every delivery's payload.
    utf8Length: function (text) {
      var length = 0;
      for (var i = 0; i < text.length; i++) {
        var c = text.charCodeAt(i);
        if (c < 0x80) {
          length += 1;
        } else if (c < 0x800) {
          length += 2;
        } else if (c < 0xD800 || c > 0xDFFF) {
          length += 3;
        } else if (c < 0xDC00 && (text.charCodeAt(i + 1) & 0xFC00) === 0xDC00) {  // (NaN & x is 0)
          length += 4;
          i++;
        } else {
          return -1;
        }
      }
      return length;
    },

    // `text`, well-formed: each lone surrogate replaced by U+FFFD.
    wellFormed: function (text) {
      if (typeof text.isWellFormed == 'function') return text.isWellFormed() ? text : text.toWellFormed();
      // (Pairs match first and stay; any surrogate left is alone.)
      return text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g,
                          function (match) { return match.length == 2 ? match : '\uFFFD'; });
    },

    // A text of the inbox message, well-formed ('' when it has none).
    text: function (which) {
      var m = wasmMt.inbox;
      if (!m) return '';
      var T = wasmMt.TEXT;
      if (which === T.RUNNING) return m['running'] ? m['running'].join(',') : 'unknown';
      if (which === T.PAYLOAD) return typeof m['payload'] == 'string' ? m['payload'] : '';  // (deliver made it well-formed)
      var text = which === T.ERROR_KIND ? m['kind']
               : which === T.ERROR_MESSAGE ? m['message']
               : which === T.ERROR_STACK ? m['stack'] : null;
      return typeof text == 'string' ? wasmMt.wellFormed(text) : '';
    },

    // Writes `text` (well-formed) as UTF-8 at `destination`: at most `capacity` bytes,
    // then a NUL (the destination holds capacity + 1). Returns the bytes written.
    writeText: function (text, destination, capacity) {
      var written;
      if (capacity <= 0) {
        written = 0;
      } else if (text.length < 1024) {
        written = stringToUTF8(text, destination, capacity + 1);
      } else {
        wasmMt.encoder = wasmMt.encoder || new TextEncoder();
        written = wasmMt.encoder.encodeInto(text, HEAPU8.subarray(destination, destination + capacity))['written'];
      }
      HEAPU8[destination + written] = 0;
      return written;
    },

    // Every line wasm_mt itself writes goes through here (level 2: an error).
    log: function (level, line) {
      if (level >= 2) err(line); else out(line);
    },

    errorText: function (e) {
      try {
        if (e !== null && typeof e == 'object' && 'message' in e) return String(e['message']);
        return String(e);
      } catch (ignored) {
        return 'an error that cannot be described';
      }
    },
    errorStack: function (e) {
      try {
        return e !== null && typeof e == 'object' && e['stack'] ? String(e['stack']) : '';
      } catch (ignored) {
        return '';
      }
    },
  },

  // One-shot timers that deliver event TIMER. Delays past what setTimeout takes (2^31-1
  // ms) are chained; Infinity never fires. (C++ refuses NaN and negative delays.) A delay
  // of 0 is a yield: the next macrotask, without the 4 ms that browsers clamp nested
  // setTimeout(0) calls to (this_request::checkpoint() relies on it).
  $wasmMtTimers__deps: ['$wasmMt'],
  $wasmMtTimers__postset: 'wasmMtTimers.active = new Map();',
  $wasmMtTimers: {
    active: null,  // token -> the JS timer now armed (null: never fires)
    set: function (token, milliseconds) {
      var active = wasmMtTimers.active;
      if (milliseconds === Infinity) {
        active.set(token, null);
        return;
      }
      if (!(milliseconds > 0)) {
        active.set(token, null);
        wasmMtTimers.nextTask(function () {
          if (!active.has(token)) return;  // cleared meanwhile
          active.delete(token);
          wasmMt.deliver(wasmMt.EVENT.TIMER, 0, { 'id': token }, true);
        });
        return;
      }
      var arm = function (left) {
        var step = Math.min(left, 0x7FFFFFFF);
        active.set(token, setTimeout(function () {
          if (left > step) return arm(left - step);
          active.delete(token);
          wasmMt.deliver(wasmMt.EVENT.TIMER, 0, { 'id': token }, true);
        }, step));
      };
      arm(milliseconds > 0 ? milliseconds : 0);
    },
    // Runs `f` from a new macrotask: setImmediate (Node), else a MessageChannel message.
    channel: null,
    queued: [],
    nextTask: function (f) {
      var T = wasmMtTimers;
      if (typeof setImmediate == 'function') return setImmediate(f);
      if (typeof MessageChannel != 'function') return setTimeout(f, 0);
      if (!T.channel) {
        T.channel = new MessageChannel();
        T.channel.port1.onmessage = function () { T.queued.shift()(); };
      }
      T.queued.push(f);
      T.channel.port2.postMessage(0);
    },
    clear: function (token) {
      var timer = wasmMtTimers.active.get(token);
      if (timer) clearTimeout(timer);
      wasmMtTimers.active.delete(token);
    },
  },
};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtCoreLibrary);
