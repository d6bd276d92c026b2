// What each demo page must show (window.demo.results), checked in every engine.
// check(results) returns the problems found: none means the demo works.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const same = (label, actual, expected) =>
  JSON.stringify(actual) === JSON.stringify(expected) ? [] : [`${label}: expected ${JSON.stringify(expected)}, page shows ${JSON.stringify(actual)}`];

function executorRun(label, tasks) {
  if (!Array.isArray(tasks) || tasks.length !== 4) return [`${label}: expected 4 tasks, got ${JSON.stringify(tasks)}`];
  return tasks.flatMap((t, i) => [
    ...same(`${label} task ${i} answer`, t.answer, 42),
    ...(t.end >= t.start ? [] : [`${label} task ${i} ends before it starts`]),
  ]);
}

// The native build of the julia kernel gives the checksum every mode must match.
export function demoChecks(buildDir) {
  const native = JSON.parse(execFileSync(join(buildDir, 'demos', 'julia_native'), { encoding: 'utf8' }));
  return [
    { name: 'demo: exec', path: '/demos/exec/',
      check: r => [...same('add', r.add, 3), ...same('sub', r.sub, -1), ...same('js', r.js, 3), ...same('js_async', r.js_async, -1)] },
    { name: 'demo: fib(4)', path: '/demos/fib/?n=4',
      check: r => [...same('fib(4)', r.fib && r.fib.value, 3), ...same('workers for fib(4)', r.fib && r.fib.workers, 4),
                   ...same('nesting for fib(4)', r.fib && r.fib.depth, 3)] },
    { name: 'demo: fib(10)', path: '/demos/fib/?n=10',
      check: r => [...same('fib(10)', r.fib && r.fib.value, 55), ...same('nesting for fib(10)', r.fib && r.fib.depth, 9)] },
    { name: 'demo: executors', path: '/demos/executors/',
      check: r => [...executorRun('serial', r.serial), ...executorRun('parallel', r.parallel)] },
    { name: 'demo: julia', path: '/demos/julia/?cancel_after_ms=300', screenshot: 'julia',
      check: r => [...['serial', 'parallel', 'tiled'].flatMap(mode =>
        same(`${mode} checksum (native: ${native.checksum})`, r[`checksum-${mode}`], native.checksum)),
        // 4 serial + 4 parallel + 32 tiles, none failed; the pool was busy part of the time
        ...same('tasks completed', r.stats && r.stats.completed, 40),
        ...same('tasks failed or cancelled', r.stats && r.stats.failed + r.stats.cancelled, 0),
        ...same('utilization in (0, 1]', r.stats && r.stats.utilization > 0 && r.stats.utilization <= 1, true),
        ...same('run p50 <= p99', r.stats && r.stats.run_p50_ms <= r.stats.run_p99_ms, true),
        // The long render, cancelled 300 ms in: every task stopped itself (no worker
        // replaced) and the pool's next task started at once, not after the seconds of
        // work left; progress events arrived meanwhile.
        ...same('long render tasks cancelled', r.long && r.long.cancelled, 4),
        ...same('long render tasks finished', r.long && r.long.finished, 0),
        ...same('long render had progress events', r.long && r.long.progress_events > 0, true),
        ...same('long render cancelled with most of it left', r.long && r.long.fraction_done < 0.5, true),
        ...same('workers replaced after the cancel', r.long && r.long.replacements, 0),
        ...same('next task within 1 s of Cancel', r.long && r.long.stop_to_next_task_ms < 1000, true)] },
    { name: 'demo: arraybuffers', path: '/demos/arraybuffers/',
      check: r => [...same('label', r.label, 'foo'), ...same('label inside the worker', r.inside, 'foo'), ...same('answer', r.answer, 42)] },
  ];
}
