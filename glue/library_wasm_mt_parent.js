// wasm_mt glue: the parent side. Owns Worker lifecycle (spawn, init, terminate) and
// routes replies to C++ by worker handle. Runs on the main thread, in an app's own
// worker, and in wasm_mt workers that start threads of their own. Handle 0, in a
// worker, is its own parent: its calls into its caller go there.
//
// Nothing here throws into C++: a worker that cannot be created, or a message that
// cannot be posted, is reported as the worker's death (spawn_failed while starting,
// worker_crashed after), which settles every request sent to it.
var wasmMtParentLibrary = {
  $wasmMtParent__deps: ['$wasmMtProtocol', '$wasmMt', '$wasmMtPrograms', '$wasmMtWorker'],
  $wasmMtParent__postset: 'wasmMtParent.workers = new Map();',
  $wasmMtParent: {
    workers: null,  // handle -> entry: {handle, worker, starting, inFlight, callsServed, referenced, timer, outbox}
    // A worker that has not said `ready` by then failed to start (a wrong URL that still
    // loads, a program built without wasm_mt): it must not hang its spawn forever.
    startTimeoutMs: 60000,
    // False sends the wasm bytes instead of the compiled module (tests of the fallback).
    cloneModules: true,

    // Starts a worker running program `programId`; returns its handle. Whatever goes
    // wrong is reported after spawn returns (event THREAD_FAILED), as every outcome is.
    spawn: function (programId, label) {
      var W = wasmMtParent;
      var handle = wasmMt.newId(W.workers);
      var entry = { handle: handle, worker: null, starting: true, inFlight: 0, callsServed: 0, referenced: true, timer: null,
                    memoryBytes: 0 };
      entry.outbox = wasmMtProtocol.outbox(function (message, transfer) {
        entry.worker.postMessage(message, transfer);
      }, function (e) {
        // (Reported from a microtask: never inside the C++ call that posted.)
        queueMicrotask(function () {
          W.died(entry, 'cannot post to the worker: ' + wasmMt.errorText(e), wasmMt.errorStack(e));
        });
      });
      // Requests wait here until the worker says ready: one stopped meanwhile is dropped
      // unsent (cancel), and the caller knows it never ran.
      entry.outbox.held = true;
      W.workers.set(handle, entry);
      var program = wasmMtPrograms.all.get(programId);
      try {
        if (!program) throw new Error('no program with id ' + programId);
        if (!program.module) throw new Error('the program has no compiled module (was Module.instantiateWasm overridden?)');
        entry.worker = W.newWorker(program, label, entry);
        W.listen(entry);
        W.postInit(entry, program, label);
      } catch (e) {
        setTimeout(function () {
          W.died(entry, 'cannot create a worker for ' + (program && program.url || 'the program') + ': ' +
                        wasmMt.errorText(e), wasmMt.errorStack(e));
        });
        return handle;
      }
      entry.timer = setTimeout(function () {
        W.died(entry, 'worker did not start within ' + W.startTimeoutMs / 1000 + ' s (is ' + program.url +
                      ' a program built with wasm_mt?)');
      }, W.startTimeoutMs);
      return handle;
    },

    // A Worker running `program`. How its glue knows to be a wasm_mt worker
    // (glue/boot_pre.js): a browser worker is named wasm_mt[:label]; a Node worker gets
    // the argument --wasm_mt/3-worker.
    newWorker: function (program, label, entry) {
#if ENVIRONMENT_MAY_BE_NODE
      if (ENVIRONMENT_IS_NODE) {
        var threads = require('worker_threads');
        var argv = ['--' + wasmMtProtocol.TAG + '-worker'];
        if (!program.url) return new threads.Worker(program.text, { eval: true, argv: argv });
        var target = /^(file|data):/.test(program.url) ? new URL(program.url) : program.url;
        return new threads.Worker(target, { argv: argv });
      }
#endif
      var options = { 'type': program.type, 'name': wasmMtProtocol.WORKER_NAME + (label ? ':' + label : '') };
      if (Module['wasmMtCreateWorker']) return Module['wasmMtCreateWorker'](program.url, options);
      // (A bundled program's URL, import.meta.url, can be a file: URL a bundler wrote in
      // at build time, as webpack does: its workers are the bundler's, same-origin.)
      if (typeof location != 'undefined' && /^https?:/.test(new URL(program.url, location.href).protocol) &&
          new URL(program.url, location.href).origin !== location.origin) {
        entry.shim = true;
        return new Worker(wasmMtParent.crossOriginShim(program), options);
      }
#if EXPORT_ES6
      // The form bundlers (Vite, webpack) recognise: they bundle the worker with the app.
      // Its options must be literal, so the label reaches the worker by its init only.
      if (program.bundled) return new Worker(new URL('{{{ TARGET_JS_NAME }}}', import.meta.url), { type: 'module', name: 'wasm_mt' });
#endif
      return new Worker(program.url, options);
    },

    // A same-origin blob: script that loads a script from another origin (a CDN): a
    // Worker's own script must be same-origin, what it imports need not be. The page's
    // Content-Security-Policy must allow blob: workers (worker-src). A module is imported
    // asynchronously: the shim keeps the messages that arrive meanwhile, for the
    // program's bootstrap to take (glue/boot_pre.js).
    crossOriginShim: function (program) {
      var url = JSON.stringify(program.url);
      var crashed = JSON.stringify(wasmMtProtocol.message(wasmMtProtocol.MSG.CRASHED, { 'message': '' }));
      var text = program.type == 'module'
        ? 'var early = [];\n' +
          'var keep = function (event) { early.push(event.data); };\n' +
          'self.addEventListener("message", keep);\n' +
          'self.wasmMtTakeEarlyMessages = function () { self.removeEventListener("message", keep); return early; };\n' +
          'import(' + url + ').catch(function (e) {\n' +
          '  var report = ' + crashed + ';\n' +
          '  report.message = "cannot load " + ' + url + ' + ": " + e;\n' +
          '  postMessage(report);\n' +
          '});\n'
        : 'importScripts(' + url + ');\n';
      return URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
    },

    // Hands the worker the compiled module; where the engine cannot clone one
    // (DataCloneError), the wasm bytes instead.
    postInit: function (entry, program, label) {
      var W = wasmMtParent;
      var init = { 'label': label, 'base': wasmMtPrograms.baseUrl,
                   'program': { 'url': program.url, 'type': program.type, 'text': program.text, 'module': program.module,
                                'bundled': program.bundled } };
      if (W.cloneModules) {
        try {
          entry.worker.postMessage(wasmMtProtocol.message(wasmMtProtocol.MSG.INIT, init));
          return;
        } catch (e) {
          if (!e || e.name !== 'DataCloneError') throw e;
        }
      }
      wasmMtPrograms.bytesOf(program).then(function (bytes) {
        if (!W.workers.has(entry.handle)) return;
        init['program'] = { 'url': program.url, 'type': program.type, 'text': program.text, 'bytes': bytes,
                            'bundled': program.bundled };
        entry.worker.postMessage(wasmMtProtocol.message(wasmMtProtocol.MSG.INIT, init));
      }).catch(function (e) {
        W.died(entry, 'cannot send the program to the worker: ' + wasmMt.errorText(e), wasmMt.errorStack(e));
      });
    },

    listen: function (entry) {
      var W = wasmMtParent;
      var MSG = wasmMtProtocol.MSG;
      var accepted = [MSG.READY, MSG.CRASHED, MSG.REPLY, MSG.PRINT, MSG.EVENT, MSG.ITEM, MSG.CALL, MSG.CANCEL,
                      MSG.MEMORY];
      var onMessage = function (data) {
        var messages = wasmMtProtocol.parse(data, accepted);
        wasmMt.enter();
        try {
          for (var i = 0; i < messages.length && W.workers.has(entry.handle); i++) {
            W.handle(entry, messages[i], i === messages.length - 1);
          }
        } finally {
          wasmMt.leave();
        }
      };
      var worker = entry.worker;
#if ENVIRONMENT_MAY_BE_NODE
      if (ENVIRONMENT_IS_NODE) {
        worker.on('message', onMessage);
        // An uncaught exception ('error') can overtake the worker's last messages (a reply
        // it posted just before): its death is reported at 'exit', which Node emits once
        // those are delivered (or after 2 s, should 'exit' not come).
        worker.on('error', function (e) {
          if (entry.error) return;
          entry.error = { message: wasmMt.errorText(e), stack: wasmMt.errorStack(e) };
          entry.errorTimer = setTimeout(function () { W.died(entry, entry.error.message, entry.error.stack); }, 2000);
        });
        worker.on('exit', function (code) {
          clearTimeout(entry.errorTimer);
          if (entry.error) W.died(entry, entry.error.message, entry.error.stack);
          else W.died(entry, 'worker exited with code ' + code);
        });
        worker.on('messageerror', function () { W.died(entry, 'a message from the worker could not be deserialized'); });
        return;
      }
#endif
      worker.onmessage = function (event) { onMessage(event.data); };
      worker.onerror = function (event) {
        event.preventDefault();
        W.died(entry, event.message || 'worker error (its script failed to load or threw)',
               event.error ? wasmMt.errorStack(event.error) : '');
      };
      worker.onmessageerror = function () { W.died(entry, 'a message from the worker could not be deserialized'); };
    },

    // `last`: nothing follows it in this handler (wasmMt.deliver's `last`).
    handle: function (entry, m, last) {
      var W = wasmMtParent;
      var MSG = wasmMtProtocol.MSG;
      switch (m['type']) {  // (the common case first)
        case MSG.REPLY:
          // Counted out first: the continuations it settles may run within the delivery and
          // send more. Only a reply that matched a pending request counts (anything else,
          // forged or late, is dropped), also when a continuation's JS exception ends it.
          entry.inFlight--;
          if (!wasmMt.deliver(wasmMt.EVENT.REPLY, entry.handle, m, last)) entry.inFlight++;
          W.updateReference(entry);
          return;
        case MSG.READY:
          if (!entry.starting) return;
          entry.starting = false;
          clearTimeout(entry.timer);
          entry.outbox.held = false;
          entry.outbox.flush();
          W.updateReference(entry);
          wasmMt.deliver(wasmMt.EVENT.THREAD_READY, entry.handle, null, last);
          return;
        case MSG.CRASHED:
          return W.died(entry, m['message'], m['stack'], m['running']);
        case MSG.PRINT:
          if (m['fd'] === 2) err(m['text']); else out(m['text']);
          return;
        case MSG.MEMORY:
          entry.memoryBytes = m['bytes'];
          return;
        case MSG.EVENT:
        case MSG.ITEM:
          wasmMt.deliver(m['type'] === MSG.ITEM ? wasmMt.EVENT.STREAM_ITEM : wasmMt.EVENT.REQUEST_EVENT, entry.handle, m, last);
          return;
        case MSG.CANCEL:  // the child stopped its call into its caller: the closure running it here is told
          wasmMt.deliver(wasmMt.EVENT.CANCEL, entry.handle, m, last);
          return;
        case MSG.CALL:  // a call into its caller: runs here, replied with wasm_mt_js_reply
          entry.callsServed++;
          W.updateReference(entry);
          wasmMt.deliver(wasmMt.EVENT.CHILD_CALL, entry.handle, m, last);
          return;
      }
    },

    // A reply to a child's call into its caller; dropped when the child is gone.
    reply: function (handle, message, transfer) {
      var entry = wasmMtParent.workers.get(handle);
      if (!entry || !entry.worker) return;
      entry.callsServed--;
      wasmMtParent.updateReference(entry);
      entry.outbox.post(message, transfer);
    },

    // Node: a worker keeps the process alive only while it starts or has requests in
    // flight, so a program exits once its work is done, threads or not.
    updateReference: function (entry) {
#if ENVIRONMENT_MAY_BE_NODE
      if (!ENVIRONMENT_IS_NODE || !entry.worker) return;
      var wanted = entry.starting || entry.inFlight > 0 || entry.callsServed > 0;
      if (wanted === entry.referenced) return;
      entry.referenced = wanted;
      if (wanted) entry.worker.ref(); else entry.worker.unref();
#endif
    },

    // The first report of a worker's death wins; C++ hears it once, as a failed start or
    // a crash. `running` lists the requests the worker had started (undefined: unknown).
    died: function (entry, message, stack, running) {
      var W = wasmMtParent;
      if (!W.workers.has(entry.handle)) return;
      var type = entry.starting ? wasmMt.EVENT.THREAD_FAILED : wasmMt.EVENT.THREAD_CRASHED;
      if (entry.starting && entry.shim) {
        message = (message || 'worker died') + ' (its script is on another origin, so it was started from a blob: URL: ' +
                  'the page\'s Content-Security-Policy must allow blob: workers, worker-src blob:)';
      }
      W.terminate(entry.handle);
      wasmMt.deliver(type, entry.handle, { 'message': message || 'worker died', 'stack': stack || '', 'running': running });
    },

    terminate: function (handle) {
      var entry = wasmMtParent.workers.get(handle);
      if (!entry) return;
      wasmMtParent.workers.delete(handle);
      entry.outbox.clear();
      clearTimeout(entry.timer);
      clearTimeout(entry.errorTimer);
      if (entry.worker) {
        try {
          entry.worker.terminate();
        } catch (ignored) {
        }
      }
    },

    // A request to an idle worker goes out at once (posting before this thread winds down
    // overlaps the two); one to a busy worker waits for the turn's batch. A worker that
    // could not be created takes nothing: its death is on its way.
    post: function (handle, message, transfer) {
      if (handle === 0) return wasmMtWorker.post(message, transfer);  // (to this worker's parent)
      var entry = wasmMtParent.workers.get(handle);
      if (!entry || !entry.worker) return;
      var idle = entry.inFlight === 0;
      entry.inFlight++;
      wasmMtParent.updateReference(entry);
      entry.outbox.post(message, transfer, idle);
    },

    // A request posted by itself, after what is queued, so that a message that cannot be
    // cloned or transferred fails alone: false then (nothing is sent, nothing detached),
    // and the worker lives on. True when posted (or the worker is gone: its death settles it).
    postAlone: function (handle, message, transfer) {
      var entry = wasmMtParent.workers.get(handle);
      if (!entry || !entry.worker) return true;
      // (It must be posted now to learn whether it clones: what the worker holds goes first.)
      entry.outbox.held = false;
      entry.outbox.flush();
      entry.outbox.held = entry.starting;
      try {
        entry.worker.postMessage(message, transfer);
      } catch (e) {
        return false;
      }
      entry.inFlight++;
      wasmMtParent.updateReference(entry);
      return true;
    },

    // The caller stopped request `id`: 1 when it was dropped before the worker received
    // it (it will never run or answer), else 0 and the worker is told.
    cancel: function (handle, id) {
      var cancel = wasmMtProtocol.request(wasmMtProtocol.MSG.CANCEL, id);
      if (handle === 0) {  // a call into this worker's caller: the closure running it there is told
        wasmMtWorker.post(cancel);
        return 0;
      }
      var entry = wasmMtParent.workers.get(handle);
      if (!entry) return 0;
      if (!entry.worker) return entry.starting ? 1 : 0;  // (never created: nothing was sent)
      if (entry.outbox.held) {
        if (entry.outbox.drop(id)) {
          entry.inFlight--;
          wasmMtParent.updateReference(entry);
          return 1;
        }
        // Posted alone past the hold (exec_js value args): the cancel goes past it too, so
        // that the starting worker finds the request still queued and drops it.
        try {
          entry.worker.postMessage(cancel);
        } catch (ignored) {  // (its death is on its way)
        }
        return 0;
      }
      wasmMtParent.notify(handle, cancel);
      return 0;
    },

    // A message that is not a request (no reply, nothing in flight), in order with them.
    notify: function (handle, message) {
      var entry = wasmMtParent.workers.get(handle);
      if (!entry || !entry.worker) return;
      entry.outbox.post(message, null, entry.inFlight === 0);
    },
  },
};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtParentLibrary);
