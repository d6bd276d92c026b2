// wasm_mt glue (pre-js): being a worker. The worker runs the same program as its parent:
// it waits for `init` (the compiled module), instantiates it without running main(),
// says `ready`, then runs the calls it is sent. Anything that kills the instance (trap,
// abort, uncaught error) is reported to the parent as `crashed`, once.

if (wasmMt.inWorker) {
  wasmMt.port = wasmMt.isNode ? wasmMt.nodeThreads.parentPort : self;
  wasmMt.outbox = new WasmMtOutbox(function (message, transfer) { wasmMt.port.postMessage(message, transfer); });
  // Requests received in the batch being handled and not started yet.
  wasmMt.unstarted = 0;
  // Replies go out at once when they are all this worker owes (the parent is waiting:
  // posting before the worker winds down overlaps the two), else with the turn's batch.
  wasmMt.postToParent = function (message, transfer) {
    wasmMt.outbox.post(message, transfer, wasmMt.running.size === 0 && wasmMt.unstarted === 0);
  };

  // Requests started and not yet answered: a crash report names them, so the parent
  // knows which of its pending requests never ran.
  wasmMt.running = new Set();
  wasmMt.replied = function (id) { wasmMt.running.delete(id); };

  wasmMt.reportCrash = function (e) {
    if (wasmMt.crashed) return;
    wasmMt.crashed = true;
    var message = typeof e === 'string' ? e : wasmMt.errorText(e);
    wasmMt.postToParent(wasmMtMessage(WASM_MT_MSG.CRASHED, {
      message: message, stack: e && e.stack ? String(e.stack) : '', running: Array.from(wasmMt.running) }));
    wasmMt.outbox.flush();  // now: the worker may not live to run a microtask
  };

  wasmMt.AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;

  wasmMt.replyJsError = function (id, kind, e) {
    wasmMt.replied(id);
    wasmMt.postToParent(wasmMtMessage(WASM_MT_MSG.REPLY, {
      id: id, ok: false, kind: kind, message: wasmMt.errorText(e), stack: e && e.stack ? String(e.stack) : '' }));
  };

  // The result as JSON text (undefined gives null), or raw (structured clone) if asked.
  wasmMt.replyJsValue = function (request, value) {
    var id = request['id'];
    wasmMt.replied(id);
    if (request['raw']) {
      // Posted at once (after what is queued) so that a value that cannot be cloned is
      // caught here, not in a batch.
      wasmMt.outbox.flush();
      try {
        wasmMt.port.postMessage(wasmMtMessage(WASM_MT_MSG.REPLY, { id: id, ok: true, value: value }));
      } catch (e) {
        wasmMt.replyJsError(id, 'bad_payload', new Error('exec_js result cannot be cloned: ' + wasmMt.errorText(e)));
      }
      return;
    }
    var json;
    try {
      json = JSON.stringify(value === undefined ? null : value);
      if (json === undefined) throw new Error('JSON.stringify gave undefined');
    } catch (e) {
      wasmMt.replyJsError(id, 'bad_payload', new Error('exec_js result is not JSON: ' + wasmMt.errorText(e)));
      return;
    }
    wasmMt.postToParent(wasmMtValueReply(id, json));
  };

  // Compiled exec_js bodies by code (a pool runs the same code again and again).
  wasmMt.compiledJs = new Map();
  wasmMt.compileJs = function (code, isAsync) {
    var key = (isAsync ? 'async:' : 'sync:') + code;
    var body = wasmMt.compiledJs.get(key);
    if (!body) {
      body = isAsync ? new wasmMt.AsyncFunction(code) : new Function(code);
      if (wasmMt.compiledJs.size >= 256) wasmMt.compiledJs.clear();
      wasmMt.compiledJs.set(key, body);
    }
    return body;
  };

  wasmMt.runJs = function (request) {
    var id = request['id'];
    wasmMt.running.add(id);
    var body;
    try {
      body = wasmMt.compileJs(request['code'], request['async']);
    } catch (e) {
      wasmMt.replyJsError(id, 'js_exception', e instanceof EvalError
        ? new Error('exec_js needs eval, which this page\'s Content-Security-Policy forbids: ' + e.message)
        : e);
      return;
    }
    if (request['async']) {
      body().then(function (value) { wasmMt.replyJsValue(request, value); },
                  function (e) { wasmMt.replyJsError(id, 'js_exception', e); });
      return;
    }
    var value;
    try {
      value = body();
    } catch (e) {
      wasmMt.replyJsError(id, 'js_exception', e);
      return;
    }
    wasmMt.replyJsValue(request, value);
  };

  wasmMt.handleAllFromParent = function (messages) {
    for (var i = 0; i < messages.length && !wasmMt.crashed; i++) {
      wasmMt.unstarted = messages.length - i - 1;
      wasmMt.handleFromParent(messages[i]);
    }
    wasmMt.unstarted = 0;
  };

  wasmMt.handleFromParent = function (data) {
    switch (data['type']) {
      case WASM_MT_MSG.CALL:
        var buffers = data['buffers'];
        wasmMt.running.add(data['id']);
        wasmMt.deliver(data, WASM_MT_EVENT.CALL, 0, data['id'], data['fn'], lengthBytesUTF8(data['payload']),
                       buffers ? buffers.length : 0);
        break;
      case WASM_MT_MSG.EXEC_JS:
        wasmMt.runJs(data);
        break;
    }
  };

  (function bootstrap() {
    var early = [];  // calls that arrive before the instance is ready
    var receivedInit;
    var init = new Promise(function (resolve) { receivedInit = resolve; });
    var onMessage = function (data) {
      if (wasmMt.crashed) return;
      var messages = wasmMtMessages(data);
      if (!messages.length) return;
      if (messages[0]['type'] === WASM_MT_MSG.INIT) return receivedInit(messages[0]);
      if (early) early.push.apply(early, messages); else wasmMt.handleAllFromParent(messages);
    };
    if (wasmMt.isNode) wasmMt.port.on('message', onMessage);
    else self.addEventListener('message', function (event) { onMessage(event.data); });

    if (!wasmMt.isNode) {
      self.addEventListener('error', function (event) { wasmMt.reportCrash(event.error || event.message); });
      self.addEventListener('unhandledrejection', function (event) { wasmMt.reportCrash(event.reason); });
    }

    Module['noInitialRun'] = true;
    Module['onAbort'] = function (what) { wasmMt.reportCrash(new Error('Aborted(' + what + ')')); };
    Module['instantiateWasm'] = function (imports, receiveInstance) {
      init.then(function (message) {
        var program = message['program'];
        wasmMt.label = message['label'];
        wasmMt.baseUrl = message['base'];
        var compiled = program['module'] ? Promise.resolve(program['module']) : WebAssembly.compile(program['bytes']);
        return compiled.then(function (module) {
          wasmMt.programs.set(0, { url: program['url'], text: program['text'], module: module, bytes: program['bytes'] });
          return WebAssembly.instantiate(module, imports).then(function (instance) {
            receiveInstance(instance, module);
          });
        });
      }).catch(function (e) { wasmMt.reportCrash(e); });
      return {};
    };
    var userOnRuntimeInitialized = Module['onRuntimeInitialized'];
    Module['onRuntimeInitialized'] = function () {
      if (userOnRuntimeInitialized) userOnRuntimeInitialized();
      wasmMt.postToParent(wasmMtMessage(WASM_MT_MSG.READY));
      var queued = early;
      early = null;
      wasmMt.handleAllFromParent(queued);
    };
  })();
}
