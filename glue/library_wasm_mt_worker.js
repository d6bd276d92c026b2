// wasm_mt glue: being a wasm_mt worker. The worker runs a program it is sent: it waits
// for `init` (the compiled module), instantiates it without running main(), says
// `ready`, then runs the calls it is sent. Its stdout and stderr lines go to its parent,
// in order with its replies. Anything that kills the instance (trap, abort, exit, an
// uncaught error) is reported to the parent as `crashed`, once.
//
// Whether this instance is a wasm_mt worker was decided when the script loaded
// (glue/boot_pre.js: wasmMtBoot), and its Module hooks were set by glue/pre.js.
var wasmMtWorkerLibrary = {
  $wasmMtWorker__deps: ['$wasmMtProtocol', '$wasmMt', '$wasmMtPrograms', '$wasmMtTimers'],
  $wasmMtWorker__postset: 'wasmMtWorker.start();',
  $wasmMtWorker: {
    boot: null,
    port: null,  // to the parent
    outbox: null,
    // Requests started and not yet answered: a crash report names them, so the parent
    // knows which of its pending requests never ran.
    running: null,  // (a Set, made by start: library objects hold only literals)
    // Requests (and label changes, in order with them) received and not started yet:
    // those that came before the instance was ready, and those behind a long one. A
    // cancel for one of them drops it unstarted (dropUnstarted); queue[head] is next.
    queue: [],
    head: 0,
    isReady: false,
    // After a request that ran sliceMs or more, the next one waits for one macrotask,
    // so that the messages that came meanwhile (cancels) are read before it starts: a
    // worker reads its port only between tasks. Tiny requests run back to back.
    sliceMs: 2,
    mustYield: false,
    yieldScheduled: false,
    init: null,
    receivedInit: null,
    label: '',
    compiledJs: null,  // exec_js bodies by code, whatever their args (a pool runs the same code again and again)

    // Runs (postset) in every instance; acts only in the one that is a wasm_mt worker.
    start: function () {
      var boot = typeof wasmMtBoot != 'undefined' ? wasmMtBoot : null;
      if (!boot || boot.module !== Module) return;
      var W = wasmMtWorker;
      W.boot = boot;
      W.running = new Set();
      W.compiledJs = new Map();
      wasmMt.isWorker = true;
      wasmMt.crash = W.crash;
      W.init = new Promise(function (resolve) { W.receivedInit = resolve; });
      // Replies that could not be posted are lost: which requests they answered is then
      // unknown, and the crash report says so (none is taken for one that never ran).
      // (Made before the first message is read: a cancel may need it at once.)
      W.outbox = wasmMtProtocol.outbox(function (message, transfer) {
        W.port.postMessage(message, transfer);
      }, function (e) { W.crash(e, true); });
#if ENVIRONMENT_MAY_BE_NODE
      if (boot.isNode) {
        W.port = require('worker_threads').parentPort;  // (it keeps messages until listened to)
        W.port.on('message', W.onMessage);
      } else
#endif
      {
        W.port = self;
        boot.listen(W.onMessage);  // the messages that came first, then the rest
        // Reported by the worker itself, after its last replies on the same port; not
        // also as the parent's Worker error event, which could overtake them.
        self.addEventListener('error', function (event) {
          W.crash(event.error || event.message);
          event.preventDefault();
        });
        self.addEventListener('unhandledrejection', function (event) { W.crash(event.reason); });
      }
    },

    // Replies go out at once when they are all this worker owes (the parent is waiting:
    // posting before the worker winds down overlaps the two), else with the turn's batch.
    post: function (message, transfer) {
      var W = wasmMtWorker;
      W.outbox.post(message, transfer, W.running.size === 0 && W.head === W.queue.length);
    },

    // An event of a running request: batched with the turn's messages, but sent at once
    // when the last event sent at once was eventsFlushMs ago, so that a long synchronous
    // closure's progress reaches its caller while it runs, and thousands of events a
    // second still travel as a few messages.
    eventsFlushMs: 8,
    eventsSentAt: -Infinity,
    postEvent: function (message, transfer) {
      var W = wasmMtWorker;
      var now = performance.now();
      var due = now - W.eventsSentAt >= W.eventsFlushMs;
      if (due) W.eventsSentAt = now;
      W.outbox.post(message, transfer, due);
    },

    replied: function (id) {
      wasmMtWorker.running.delete(id);
    },

    // A line of the program's stdout (fd 1) or stderr (fd 2), for its parent to print.
    print: function (fd, text) {
      var W = wasmMtWorker;
      if (!W.outbox) return (fd === 2 ? console.error : console.log)(text);
      W.outbox.post(wasmMtProtocol.message(wasmMtProtocol.MSG.PRINT, { 'fd': fd, 'text': String(text) }));
    },

    // Reports the worker's death, once. `repliesLost`: replies were lost on the way, so
    // which requests had started is not known.
    crash: function (e, repliesLost) {
      var W = wasmMtWorker;
      if (wasmMt.crashed) return;
      wasmMt.crashed = true;
      var report = wasmMtProtocol.message(wasmMtProtocol.MSG.CRASHED, {
        'message': typeof e == 'string' ? e : wasmMt.errorText(e),
        'stack': wasmMt.errorStack(e) });
      if (!repliesLost && W.running) report['running'] = Array.from(W.running);
      try {
        W.outbox.post(report, null, true);  // now: the worker may not live to run a microtask
      } catch (ignored) {
      }
    },

    onMessage: function (data) {
      var W = wasmMtWorker;
      if (wasmMt.crashed) return;
      var MSG = wasmMtProtocol.MSG;
      var messages = wasmMtProtocol.parse(data, [MSG.INIT, MSG.CALL, MSG.EXEC_JS, MSG.LABEL, MSG.CANCEL, MSG.ACK, MSG.REPLY]);
      for (var i = 0; i < messages.length; i++) {
        var m = messages[i];
        if (m['type'] === MSG.REPLY) {  // to a call into the caller (handle 0)
          wasmMt.deliverReply(0, m);
        } else if (m['type'] === MSG.ACK) {  // (only a running stream waits for one)
          if (W.isReady) wasmMt.deliver(null, wasmMt.EVENT.STREAM_ACK, 0, m['id'], m['count'], 0, 0, 0);
        } else if (m['type'] === MSG.CANCEL) {
          // A request not started yet never starts; one that runs is told (an async one
          // sees it); others have replied already.
          if (!W.dropUnstarted(m['id']) && W.isReady) wasmMt.deliver(null, wasmMt.EVENT.CANCEL, 0, m['id'], 0, 0, 0, 0);
        } else if (m['type'] !== MSG.INIT) {
          W.queue.push(m);
        } else if (W.receivedInit) {
          W.receivedInit(m);
          W.receivedInit = null;
        }
      }
      W.runQueued();
    },

    // Removes request `id` from the queue (not started) and replies that it never ran.
    dropUnstarted: function (id) {
      var W = wasmMtWorker;
      for (var i = W.head; i < W.queue.length; i++) {
        var m = W.queue[i];
        if (m['id'] !== id || (m['type'] !== wasmMtProtocol.MSG.CALL && m['type'] !== wasmMtProtocol.MSG.EXEC_JS)) continue;
        W.queue.splice(i, 1);
        W.post(wasmMtProtocol.errorReply(id, 'cancelled', 'the request was stopped before it started'));
        return true;
      }
      return false;
    },

    // Starts the queued requests in order, once the instance is ready, yielding after a
    // long one (sliceMs) before the next.
    runQueued: function () {
      var W = wasmMtWorker;
      if (!W.isReady || W.yieldScheduled) return;
      while (W.head < W.queue.length && !wasmMt.crashed) {
        if (W.mustYield) return W.yieldThenRun();
        var m = W.queue[W.head++];
        var started = Date.now();  // (cheaper than performance.now(); 1 ms ticks do here)
        W.handle(m);
        if (Date.now() - started >= W.sliceMs) W.mustYield = true;
      }
      W.queue.length = 0;
      W.head = 0;
      if (W.mustYield) W.yieldThenRun();  // (so that a request coming later need not wait)
    },
    yieldThenRun: function () {
      var W = wasmMtWorker;
      W.yieldScheduled = true;
      wasmMtTimers.nextTask(function () {
        W.yieldScheduled = false;
        W.mustYield = false;
        W.runQueued();
      });
    },

    handle: function (m) {
      var W = wasmMtWorker;
      if (m['type'] === wasmMtProtocol.MSG.LABEL) {  // in order with the requests around it
        W.label = m['label'];
        return;
      }
      var id = m['id'];
      W.running.add(id);
      if (m['type'] === wasmMtProtocol.MSG.EXEC_JS) return W.runJs(m);
      m['payload'] = wasmMt.wellFormed(m['payload']);
      wasmMt.deliver(m, wasmMt.EVENT.CALL, m['flags'] || 0, id, m['fn'], m['sig'], lengthBytesUTF8(m['payload']),
                     m['buffers'] ? m['buffers'].length : 0);
    },

    // Module.instantiateWasm in a worker: instantiates the module `init` brings.
    instantiate: function (imports, receiveInstance) {
      var W = wasmMtWorker;
      W.init.then(function (message) {
        var program = message['program'];
        W.label = message['label'];
        wasmMtPrograms.baseUrl = message['base'];
        var compiled = program['module'] ? Promise.resolve(program['module']) : WebAssembly.compile(program['bytes']);
        return compiled.then(function (module) {
          wasmMtPrograms.all.set(0, { url: program['url'], bundled: !!program['bundled'], type: program['type'] || 'classic',
                                      text: program['text'], module: module, wasmUrl: null,
                                      bytes: program['bytes'] || null });
          return WebAssembly.instantiate(module, imports).then(function (instance) {
            receiveInstance(instance, module);
          });
        });
      }).catch(W.crash);
      return {};
    },

    // Module.onRuntimeInitialized: the instance is ready.
    ready: function () {
      var W = wasmMtWorker;
      W.outbox.post(wasmMtProtocol.message(wasmMtProtocol.MSG.READY), null, true);  // (now: before any request runs)
      W.isReady = true;
      W.runQueued();
    },

    replyJsError: function (id, kind, e) {
      var W = wasmMtWorker;
      W.replied(id);
      W.post(wasmMtProtocol.errorReply(id, kind, wasmMt.errorText(e), wasmMt.errorStack(e)));
    },

    // The result as JSON text (undefined gives null), or raw (structured clone) if asked.
    // Strings with a lone surrogate (which JSON.stringify escapes as \udXXX, text C++
    // cannot decode) are sent well-formed: U+FFFD in its place.
    replyJsValue: function (request, value) {
      var W = wasmMtWorker;
      var id = request['id'];
      if (request['raw']) {
        W.replied(id);
        // Posted at once (after what is queued) so that a value that cannot be cloned is
        // caught here, not in a batch.
        W.outbox.flush();
        try {
          W.port.postMessage(wasmMtProtocol.message(wasmMtProtocol.MSG.REPLY, { 'id': id, 'ok': true, 'value': value }));
        } catch (e) {
          W.replyJsError(id, 'bad_payload', new Error('exec_js result cannot be cloned: ' + wasmMt.errorText(e)));
        }
        return;
      }
      var json;
      try {
        json = JSON.stringify(value === undefined ? null : value);
        if (json === undefined) throw new Error('JSON.stringify gave undefined');
        if (/\\ud[89a-f]/i.test(json)) {
          json = JSON.stringify(value, function (key, v) { return typeof v == 'string' ? wasmMt.wellFormed(v) : v; });
        }
      } catch (e) {
        // (An engine out of stack says so in its own way: RangeError, InternalError.)
        var depth = 0;
        try {
          if (!(e instanceof TypeError)) depth = W.depthOf(value);  // 256: max_nesting_depth (payload.hpp)
        } catch (ignored) {  // a getter that throws: the value's own error is the answer
        }
        W.replyJsError(id, 'bad_payload', new Error(depth > 256
          ? 'exec_js result is nested ' + depth + ' levels deep (arrays and objects), too deep to write as JSON'
          : 'exec_js result is not JSON: ' + wasmMt.errorText(e)));
        return;
      }
      W.replied(id);
      W.post(wasmMtProtocol.valueReply(id, json));
    },

    // How deeply `value` nests arrays and objects (walked without recursion).
    depthOf: function (value) {
      var deepest = 0;
      var pending = [[value, 1]];
      var seen = new Set();
      while (pending.length) {
        var item = pending.pop();
        var v = item[0];
        if (v === null || typeof v != 'object' || seen.has(v)) continue;
        seen.add(v);
        if (item[1] > deepest) deepest = item[1];
        for (var key in v) pending.push([v[key], item[1] + 1]);
      }
      return deepest;
    },

    // A body takes the parameter `args` only when its call has args, so that a body of
    // its own `let args` (written before args existed) still compiles.
    compileJs: function (code, isAsync, withArgs) {
      var W = wasmMtWorker;
      var key = (isAsync ? 'async' : 'sync') + (withArgs ? '+args:' : ':') + code;
      var body = W.compiledJs.get(key);
      if (!body) {
        var params = withArgs ? ['args'] : [];
        var make = isAsync ? Object.getPrototypeOf(async function () {}).constructor : Function;
        body = new (Function.prototype.bind.apply(make, [null].concat(params, [code])))();
        if (W.compiledJs.size >= 256) W.compiledJs.clear();
        W.compiledJs.set(key, body);
      }
      return body;
    },

    runJs: function (request) {
      var W = wasmMtWorker;
      var id = request['id'];
      // Args: JSON text ('args'), or a structured-cloned JS value ('value'), or none.
      var withArgs = request['args'] !== undefined || 'value' in request;
      var body;
      try {
        body = W.compileJs(request['code'], request['async'], withArgs);
      } catch (e) {
        W.replyJsError(id, 'js_exception', e instanceof EvalError
          ? new Error('exec_js needs eval, which this page\'s Content-Security-Policy forbids: ' + e.message)
          : e);
        return;
      }
      var args = request['value'];
      try {
        if (request['args'] !== undefined) args = JSON.parse(request['args']);
      } catch (e) {
        W.replyJsError(id, 'bad_payload', new Error('exec_js args are not JSON: ' + wasmMt.errorText(e)));
        return;
      }
      if (request['async']) {
        var pending;
        try {
          pending = Promise.resolve(withArgs ? body(args) : body());
        } catch (e) {
          W.replyJsError(id, 'js_exception', e);
          return;
        }
        pending.then(function (value) { W.replyJsValue(request, value); },
                     function (e) { W.replyJsError(id, 'js_exception', e); })
               .catch(function (e) { W.replyJsError(id, 'bad_payload', e); });
        return;
      }
      var value;
      try {
        value = withArgs ? body(args) : body();
      } catch (e) {
        W.replyJsError(id, 'js_exception', e);
        return;
      }
      W.replyJsValue(request, value);
    },
  },
};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtWorkerLibrary);
