// What the bridge test program (bridge.cpp) must do when JS drives it, the same under
// Node (run.cjs) and on a page (page.html): bridgeChecks(module) resolves with
// {problems: [...], seen: {...}}; no problems means it passed.
globalThis.bridgeChecks = async function (app) {
  const problems = [];
  const seen = {};
  const expect = (what, ok, detail) => { if (!ok) problems.push(`${what}: ${JSON.stringify(detail)}`); };
  const outcome = promise => promise.then(value => ({ value }), error => ({ error }));
  const within = (ms, promise) => Promise.race([promise, new Promise(r => setTimeout(() => r({ hung: true }), ms))]);

  seen.start = await outcome(app.startPool(1));
  expect('startPool resolves with undefined', 'value' in seen.start && seen.start.value === undefined, seen.start);

  const events = [];
  const counted = await outcome(app.countPrimes(100000, undefined, e => events.push(e)));
  seen.primes = counted.value;
  seen.events = events.length;
  expect('countPrimes(100000) is 9592', counted.value === 9592, counted);
  expect('progress events reach the callback, in order, ending at done == of',
         events.length >= 10 && events.every((e, i) => i === 0 || e.done >= events[i - 1].done) &&
         events[events.length - 1].done === 100000, events);

  const controller = new AbortController();
  const long = outcome(app.countPrimes(2000000000, controller.signal, null));
  setTimeout(() => controller.abort('the user left the page'), 50);
  const stopped = await within(20000, long);
  seen.aborted = stopped.error ? { kind: stopped.error.kind, name: stopped.error.name, message: stopped.error.message } : stopped;
  expect('an AbortSignal aborted later rejects with kind "cancelled" and its reason as the message (piscina)',
         stopped.error instanceof Error && stopped.error.kind === 'cancelled' && stopped.error.name === 'WasmMtError' &&
         stopped.error.message.includes('the user left the page'), seen.aborted);

  const early = await within(20000, outcome(app.countPrimes(1000, AbortSignal.abort(new Error('superseded')), null)));
  seen.abortedBefore = early.error ? { kind: early.error.kind, notRun: early.error.notRun, message: early.error.message } : early;
  expect('an AbortSignal already aborted rejects with "cancelled", not run, with its reason Error\'s message',
         early.error && early.error.kind === 'cancelled' && early.error.notRun === true &&
         early.error.message.includes('superseded'), seen.abortedBefore);

  const failed = await outcome(app.fail('no such thing'));
  seen.failed = failed.error ? { kind: failed.error.kind, cause: failed.error.cause && failed.error.cause.message } : failed;
  expect('a closure that throws rejects with kind "remote_exception" and its message as the cause',
         failed.error instanceof Error && failed.error.kind === 'remote_exception' &&
         failed.error.cause instanceof Error && failed.error.cause.message.includes('no such thing'), seen.failed);

  const bytes = await outcome(app.bytesOf(5));
  seen.bytes = bytes.value instanceof Uint8Array ? Array.from(bytes.value) : bytes;
  expect('bytes arrive as a Uint8Array', JSON.stringify(seen.bytes) === '[0,3,6,9,12]', seen.bytes);

  const items = [];
  for await (const item of app.numbers(5)) items.push(item);
  seen.items = items;
  expect('a stream is an async iterator of its items', JSON.stringify(items) === '[0,1,2,3,4]', items);

  // Breaking out of an endless stream stops its producer: on a one-thread pool, the next
  // task runs only once the stream's task has ended.
  const some = [];
  for await (const item of app.numbers(-1)) {
    some.push(item);
    if (some.length === 3) break;
  }
  const after = await within(20000, outcome(app.countPrimes(1000, null, null)));
  seen.afterBreak = after;
  expect('a loop that breaks stops the stream\'s producer (the pool\'s one thread is free again)',
         JSON.stringify(some) === '[0,1,2]' && after.value === 168, { some, after });

  const json = await outcome(app.point());
  seen.point = json.value;
  expect('a JSON result arrives as its JS value (a 64-bit integer as a number)',
         JSON.stringify(json.value) === JSON.stringify({ big: 1099511627776, x: 1, y: [2, 3] }), json);
  const big = await outcome(app.big());
  expect('an int64_t result is a JS number', big.value === 1099511627777, big);

  // A failing stream: its items, then the error; then done.
  const failing = app.failingNumbers();
  const got = [];
  let streamError = null;
  try {
    for await (const item of failing) got.push(item);
  } catch (e) {
    streamError = e;
  }
  const afterError = await outcome(failing.next());
  seen.failingStream = { got, kind: streamError && streamError.kind, after: afterError.value };
  expect('a failing stream gives its items, then rejects with its error, then is done',
         JSON.stringify(got) === '[0,1]' && streamError && streamError.kind === 'remote_exception' &&
         afterError.value && afterError.value.done === true, seen.failingStream);

  // next() calls made together are answered in order; return() answers a pending next()
  // with done, and every next() after it.
  const it = app.numbers(-1);
  const together = await within(20000, Promise.all([it.next(), it.next(), it.next()]));
  seen.together = together;
  expect('next() calls made together are answered in order', Array.isArray(together) &&
         JSON.stringify(together.map(r => r.value)) === '[0,1,2]', together);
  const pending = it.next();
  const returned = await it.return(7);
  const pendingOutcome = await within(20000, outcome(pending));
  const afterReturn = await outcome(it.next());
  seen.returned = { returned, pending: pendingOutcome, after: afterReturn };
  expect('return(7) gives {value: 7, done: true}', returned.value === 7 && returned.done === true, returned);
  expect('a next() pending at return() ends done, not with an error',
         pendingOutcome.value && (pendingOutcome.value.done === true || pendingOutcome.value.value === 3), pendingOutcome);
  expect('next() after return() is done', afterReturn.value && afterReturn.value.done === true, afterReturn);
  const freed = await within(20000, outcome(app.countPrimes(1000, null, null)));
  expect('the returned stream freed the pool\'s thread', freed.value === 168, freed);

  // A progress callback that throws: reported, and the job goes on to its result.
  const thrower = await within(20000, outcome(app.countPrimes(1000, null, () => { throw new Error('a bad callback'); })));
  seen.throwingCallback = thrower;
  expect('a progress callback that throws does not stop the job', thrower.value === 168, thrower);

  // A JS exception thrown by a C++ continuation that runs at the end of a reply's
  // delivery: what that continuation settled first still runs. (On a page only: there it
  // is an uncaught error; in Node, as any uncaught exception, it ends the process.)
  if (typeof window == 'object') {
    const quiet = (e) => e.preventDefault();
    window.addEventListener('error', quiet);
    const after = await within(20000, outcome(app.throwsAfterSettling(() => { throw new Error('thrown by a continuation'); })));
    // An event handler's JS exception escapes its event's delivery: the messages that
    // came with that event (more events, the reply) are still delivered.
    let calls = 0;
    const rest = await within(20000, outcome(app.eventsThrow(() => { calls++; throw new Error('thrown by an event handler'); })));
    // 10,000 continuations in a row that each throw: each ends its run, the next run
    // starts from a loop (a call deeper each time overflowed the JS stack).
    let thrown = 0;
    const many = await within(60000, outcome(app.manyThrowingContinuations(10000, () => { thrown++; throw new Error('thrown again'); })));
    window.removeEventListener('error', quiet);
    seen.throwsAfterSettling = after;
    expect('what a continuation settled before a JS exception escaped it still runs', after.value === 25, after);
    seen.eventsThrow = { rest, calls };
    expect('a JS exception from one message of a batch loses none of the others', rest.value === 25 && calls === 10, seen.eventsThrow);
    seen.manyThrowing = { many, thrown };
    expect('10,000 continuations that throw all run', many.value === 10000 && thrown === 10000, seen.manyThrowing);
  }

  // Many calls with one signal share one listener on it (Node can count them).
  if (typeof process == 'object' && typeof require == 'function') {
    const shared = new AbortController();
    for (let i = 0; i < 20; i++) await app.countPrimes(100, shared.signal, null);
    const listeners = require('node:events').getEventListeners(shared.signal, 'abort').length;
    seen.listeners = listeners;
    expect('20 calls with one AbortSignal add one listener to it', listeners === 1, listeners);
  }

  return { problems, seen };
};
