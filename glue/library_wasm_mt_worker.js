// wasm_mt glue: being a wasm_mt worker. The worker runs a program it is sent: it waits
// for `init` (the compiled module), instantiates it without running main(), says
// `ready`, then runs the calls it is sent. Its stdout and stderr lines go to its parent,
// in order with its replies. Anything that kills the instance (trap, abort, exit, an
// uncaught error) is reported to the parent as `crashed`, once.
//
// Whether this instance is a wasm_mt worker was decided when the script loaded
// (glue/boot_pre.js: wasmMtBoot), and its Module hooks were set by glue/pre.js.
var wasmMtWorkerLibrary = {
  $wasmMtWorker__deps: ['$wasmMtProtocol', '$wasmMt', '$wasmMtPrograms', '$wasmMtTimers', '$wasmMtExecJs'],
  $wasmMtWorker__postset: 'wasmMtWorker.start();',
  $wasmMtWorker: {
    boot: null,
    port: null,  // to the parent
    outbox: null,
    // Requests started and not yet answered: a crash report names them, so the parent
    // knows which of its pending requests never ran.
    running: null,  // (a Set, made by start: library objects hold only literals)
    // Traced calls started and not answered: id -> when it started (wasmMt.clock); and
    // of those, the measured ones: id -> their measure's name.
    traced: null,
    measured: null,
    // Requests (and label changes, in order with them) received and not started yet:
    // those that came before the instance was ready, and those behind a long one. A
    // cancel for one of them drops it unstarted (dropUnstarted); queue[head] is next.
    queue: [],
    head: 0,
    isReady: false,
    // Once the requests run since the worker last read its port took sliceMs or more,
    // the next one waits for one macrotask, so that the messages that came meanwhile
    // (cancels) are read before it starts: a worker reads its port only between tasks.
    // Tiny requests run back to back.
    sliceMs: 2,
    mustYield: false,
    yields: 0,  // how many times it did (a diagnostic: tests read it)
    yieldScheduled: false,
    init: null,
    receivedInit: null,
    label: '',
    accepted: null,  // the message types a worker takes

    // Runs (postset) in every instance; acts only in the one that is a wasm_mt worker.
    start: function () {
      var boot = typeof wasmMtBoot != 'undefined' ? wasmMtBoot : null;
      if (!boot || boot.module !== Module) return;
      var W = wasmMtWorker;
      W.boot = boot;
      W.running = new Set();
      W.traced = new Map();
      W.measured = new Map();
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

    // Request `id` is answered: its reply is posted next. Its parent learns first if the
    // wasm memory grew meanwhile (a pool recycles a worker past its memory limit).
    replied: function (id) {
      var W = wasmMtWorker;
      W.running.delete(id);
      W.reportMemory();
    },
    // A traced call's [started, finished] (its reply is made now), once; else null. A
    // measured one is measured now (trace_options::user_timing).
    timesOf: function (id) {
      var W = wasmMtWorker;
      var started = W.traced && W.traced.size ? W.traced.get(id) : undefined;
      if (started === undefined) return null;
      W.traced.delete(id);
      var times = [started, wasmMt.clock()];
      var name = W.measured.size ? W.measured.get(id) : undefined;
      if (name !== undefined) {
        W.measured.delete(id);
        wasmMt.measure(name, times[0], times[1]);
      }
      return times;
    },
    // The measure's name for a call of closure `fn` (a function ID).
    measureName: function (fn) {
      var name = _wasm_mt_closure_name(fn);
      return 'wasm_mt ' + (name ? UTF8ToString(name) : 'closure ' + fn);
    },
    memoryReported: 0,
    reportMemory: function () {
      var W = wasmMtWorker;
      var bytes = HEAPU8.length;
      if (bytes === W.memoryReported) return;
      W.memoryReported = bytes;
      W.outbox.post(wasmMtProtocol.message(wasmMtProtocol.MSG.MEMORY, { 'bytes': bytes }));
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
      W.accepted = W.accepted || [MSG.INIT, MSG.CALL, MSG.EXEC_JS, MSG.LABEL, MSG.CANCEL, MSG.ACK, MSG.REPLY];
      var messages = wasmMtProtocol.parse(data, W.accepted);
      wasmMt.enter();
      try {
        for (var i = 0; i < messages.length; i++) {
          var m = messages[i];
          if (m['type'] === MSG.CALL) {  // (the common case first)
            W.queue.push(m);
          } else if (m['type'] === MSG.REPLY) {  // to a call into the caller (handle 0)
            wasmMt.deliver(wasmMt.EVENT.REPLY, 0, m);
          } else if (m['type'] === MSG.ACK) {  // (only a running request waits for one)
            if (W.isReady) wasmMt.deliver(wasmMt.EVENT.ACK, 0, m);
          } else if (m['type'] === MSG.CANCEL) {
            // A request not started yet never starts; one that runs is told (an async one
            // sees it); others have replied already.
            if (!W.dropUnstarted(m['id']) && W.isReady) wasmMt.deliver(wasmMt.EVENT.CANCEL, 0, m);
          } else if (m['type'] !== MSG.INIT) {
            W.queue.push(m);
          } else if (W.receivedInit) {
            W.receivedInit(m);
            W.receivedInit = null;
          }
        }
        W.runQueued();
      } finally {
        wasmMt.leave();
      }
    },

    // Removes request `id` from the queue (not started) and replies that it never ran.
    dropUnstarted: function (id) {
      var W = wasmMtWorker;
      for (var i = W.head; i < W.queue.length; i++) {
        if (!wasmMtProtocol.isRequest(W.queue[i], id)) continue;
        W.queue.splice(i, 1);
        W.post(wasmMtProtocol.errorReply(id, 'cancelled', 'the request was stopped before it started'));
        return true;
      }
      return false;
    },

    // Starts the queued requests in order, once the instance is ready, yielding once
    // they have run sliceMs (see sliceMs) before the next.
    runQueued: function () {
      var W = wasmMtWorker;
      if (!W.isReady || W.yieldScheduled) return;
      // The slice starts now, never earlier: a reading from before the worker went idle
      // made the first request after it look long, and the next one waited for a
      // needless macrotask (0.2-0.3 ms in WebKit). One reading after each request (its
      // reply is on its way); performance.now: monotonic, unlike Date.now.
      var sliceStart = performance.now();
      while (W.head < W.queue.length && !wasmMt.crashed) {
        if (W.mustYield) return W.yieldThenRun();
        W.handle(W.queue[W.head++]);
        if (performance.now() - sliceStart >= W.sliceMs) W.mustYield = true;
      }
      W.queue.length = 0;
      W.head = 0;
      if (W.mustYield) W.yieldThenRun();  // (so that a request coming later need not wait)
    },
    // runQueued as a glue handler of its own (core.js enter/leave): the continuations the
    // requests settle run once they have all started, as when a message brings them.
    runQueuedInHandler: function () {
      wasmMt.enter();
      try {
        wasmMtWorker.runQueued();
      } finally {
        wasmMt.leave();
      }
    },
    yieldThenRun: function () {
      var W = wasmMtWorker;
      W.yieldScheduled = true;
      W.yields++;
      wasmMtTimers.nextTask(function () {
        W.yieldScheduled = false;
        W.mustYield = false;
        W.runQueuedInHandler();
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
      if (m['flags'] & wasmMt.TRACED) {
        W.traced.set(id, wasmMt.clock());
        if (m['flags'] & wasmMt.MEASURED) W.measured.set(id, W.measureName(m['fn']));
      }
      if (m['type'] === wasmMtProtocol.MSG.EXEC_JS) {
        return wasmMtExecJs.run(m, function (message, alone) { return W.sendExecJsReply(id, message, alone); });
      }
      wasmMt.deliver(wasmMt.EVENT.CALL, 0, m);
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
      W.reportMemory();
      W.outbox.post(wasmMtProtocol.message(wasmMtProtocol.MSG.READY), null, true);  // (now: before any request runs)
      W.isReady = true;
      W.runQueuedInHandler();
    },

    // Sends the reply to request m['id'] of exec_js (wasmMtExecJs.run's `send`).
    sendExecJsReply: function (id, message, alone) {
      var W = wasmMtWorker;
      W.replied(id);
      if (!alone) return W.post(message);
      W.outbox.flush();  // (what is queued goes first)
      try {
        W.port.postMessage(message);
      } catch (e) {
        return e;
      }
    },
  },
};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtWorkerLibrary);
