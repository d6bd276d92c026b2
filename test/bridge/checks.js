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
  setTimeout(() => controller.abort(), 50);
  const stopped = await within(20000, long);
  seen.aborted = stopped.error ? { kind: stopped.error.kind, name: stopped.error.name } : stopped;
  expect('an AbortSignal aborted later rejects with kind "cancelled"',
         stopped.error instanceof Error && stopped.error.kind === 'cancelled' && stopped.error.name === 'WasmMtError', seen.aborted);

  const early = await within(20000, outcome(app.countPrimes(1000, AbortSignal.abort(), null)));
  seen.abortedBefore = early.error ? { kind: early.error.kind, notRun: early.error.notRun } : early;
  expect('an AbortSignal already aborted rejects with "cancelled", not run',
         early.error && early.error.kind === 'cancelled' && early.error.notRun === true, seen.abortedBefore);

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

  return { problems, seen };
};
