// wasm_mt glue (pre-js): the parent side. Owns Worker lifecycle (spawn, init, terminate)
// and routes replies to C++ by worker handle. Runs on the main thread and, for nested
// threads, inside workers too.

wasmMt.workers = new Map();  // handle -> {worker, starting, inFlight, referenced}
wasmMt.nextHandle = 1;
// A worker that has not said `ready` by then failed to start (a wrong URL that still
// loads, a program built without wasm_mt): it must not hang its spawn forever.
wasmMt.startTimeoutMs = 60000;

wasmMt.spawn = function (programId, label) {
  var handle = wasmMt.nextHandle++;
  var entry = { handle: handle, worker: null, starting: true, inFlight: 0, referenced: true, timer: null };
  wasmMt.workers.set(handle, entry);
  var program = wasmMt.programs.get(programId);
  try {
    if (!program) throw new Error('no program with id ' + programId);
    if (!program.module && !program.bytes) throw new Error('the program has no compiled module (was Module.instantiateWasm overridden?)');
    entry.worker = wasmMt.newWorker(program, label);
    wasmMt.listen(entry);
    wasmMt.postInit(entry, program, label);
  } catch (e) {
    // Reported after spawn returns, as every other outcome is.
    setTimeout(function () { wasmMt.workerDied(entry, 'cannot create worker: ' + wasmMt.errorText(e), e && e.stack); });
    return handle;
  }
  entry.timer = setTimeout(function () {
    wasmMt.workerDied(entry, 'worker did not start within ' + wasmMt.startTimeoutMs / 1000 +
                             ' s (is ' + program.url + ' a program built with wasm_mt?)');
  }, wasmMt.startTimeoutMs);
  return handle;
};

wasmMt.newWorker = function (program, label) {
  if (wasmMt.isNode) {
    return new wasmMt.nodeThreads.Worker(program.url || program.text, {
      eval: !program.url,
      workerData: { 'wasm_mt': WASM_MT_PROTOCOL },
    });
  }
  return new Worker(program.url, { name: WASM_MT_WORKER_NAME + (label ? ':' + label : '') });
};

// Hands the worker the compiled module; where the engine cannot clone one
// (DataCloneError), the wasm bytes instead. (cloneModules = false forces the bytes.)
wasmMt.cloneModules = true;
wasmMt.postInit = function (entry, program, label) {
  var init = { label: label, base: wasmMt.baseUrl,
               program: { url: program.url, text: program.text, module: program.module } };
  try {
    if (!program.module || !wasmMt.cloneModules) throw new Error('sending the module is off');
    entry.worker.postMessage(wasmMtMessage(WASM_MT_MSG.INIT, init));
  } catch (e) {
    init.program = { url: program.url, text: program.text, bytes: program.bytes };
    entry.worker.postMessage(wasmMtMessage(WASM_MT_MSG.INIT, init));
  }
};

wasmMt.listen = function (entry) {
  var onMessage = function (data) {
    wasmMtMessages(data).forEach(onOneMessage);
  };
  var onOneMessage = function (data) {
    if (!wasmMt.workers.has(entry.handle)) return;
    switch (data['type']) {
      case WASM_MT_MSG.READY:
        entry.starting = false;
        clearTimeout(entry.timer);
        wasmMt.updateReference(entry);
        wasmMt.deliver(null, WASM_MT_EVENT.THREAD_READY, entry.handle, 0, 0, 0, 0);
        break;
      case WASM_MT_MSG.CRASHED:
        wasmMt.workerDied(entry, data['message'], data['stack'], data['running']);
        break;
      case WASM_MT_MSG.REPLY:
        entry.inFlight--;
        wasmMt.updateReference(entry);
        var ok = data['ok'];
        var payload = data['payload'];
        wasmMt.deliver(data, WASM_MT_EVENT.REPLY, entry.handle, data['id'], ok ? 1 : 0,
                       ok && payload ? lengthBytesUTF8(payload) : 0, ok && data['buffers'] ? data['buffers'].length : 0);
        break;
    }
  };
  var worker = entry.worker;
  entry.outbox = new WasmMtOutbox(function (message, transfer) { worker.postMessage(message, transfer); });
  if (wasmMt.isNode) {
    worker.on('message', onMessage);
    worker.on('error', function (e) { wasmMt.workerDied(entry, wasmMt.errorText(e), e && e.stack); });
    worker.on('exit', function (code) { wasmMt.workerDied(entry, 'worker exited with code ' + code); });
  } else {
    worker.onmessage = function (event) { onMessage(event.data); };
    worker.onerror = function (event) {
      event.preventDefault();
      wasmMt.workerDied(entry, event.message || 'worker error (its script failed to load or threw)',
                        event.error && event.error.stack);
    };
    worker.onmessageerror = function () { wasmMt.workerDied(entry, 'a message from the worker could not be deserialized'); };
  }
};

// Node: a worker keeps the process alive only while it starts or has requests in flight,
// so a program exits once its work is done, threads or not.
wasmMt.updateReference = function (entry) {
  if (!wasmMt.isNode) return;
  var wanted = entry.starting || entry.inFlight > 0;
  if (wanted === entry.referenced) return;
  entry.referenced = wanted;
  if (wanted) entry.worker.ref(); else entry.worker.unref();
};

// The first report of a worker's death wins; C++ hears it once, as a failed start or a
// crash. `running` lists the requests the worker had started (undefined: not known).
wasmMt.workerDied = function (entry, message, stack, running) {
  if (!wasmMt.workers.has(entry.handle)) return;
  var type = entry.starting ? WASM_MT_EVENT.THREAD_FAILED : WASM_MT_EVENT.THREAD_CRASHED;
  wasmMt.terminate(entry.handle);
  wasmMt.deliver({ message: message || 'worker died', stack: stack, running: running }, type, entry.handle, 0, 0, 0, 0);
};

wasmMt.terminate = function (handle) {
  var entry = wasmMt.workers.get(handle);
  if (!entry) return;
  wasmMt.workers.delete(handle);
  if (entry.outbox) entry.outbox.messages = [];
  clearTimeout(entry.timer);
  if (entry.worker) entry.worker.terminate();
};

// A request to an idle worker goes out at once (posting before this thread winds down
// overlaps the two); one to a busy worker waits for the turn's batch.
wasmMt.post = function (handle, message, transfer) {
  var entry = wasmMt.workers.get(handle);
  if (!entry) return;
  entry.outbox.post(message, transfer, entry.inFlight === 0);
  entry.inFlight++;
  wasmMt.updateReference(entry);
};

wasmMt.postCall = function (handle, id, fn, payload, buffers) {
  wasmMt.post(handle, wasmMtCall(id, fn, payload, buffers), buffers);
};

wasmMt.postExecJs = function (handle, id, code, isAsync, raw) {
  wasmMt.post(handle, wasmMtMessage(WASM_MT_MSG.EXEC_JS, { id: id, code: code, async: isAsync, raw: raw }));
};
