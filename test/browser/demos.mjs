// What each demo page must show (window.demo.results), checked in every engine.
// check(results) returns the problems found: none means the demo works.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const same = (label, actual, expected) =>
  JSON.stringify(actual) === JSON.stringify(expected) ? [] : [`${label}: expected ${JSON.stringify(expected)}, page shows ${JSON.stringify(actual)}`];

// An executor's timeline, from its trace (demos/common/page.hpp: timeline_rows): 4 tasks,
// each a value, each on its own thread, with its worker's start and end. Serial: each
// starts after the one before ended (to 1 ms: the clock's step in Firefox and WebKit);
// parallel: they overlap (all four took far less than their total time).
function executorRun(label, rows, answers, serial) {
  if (!Array.isArray(rows) || rows.length !== 4) return [`${label}: expected 4 traced tasks, got ${JSON.stringify(rows)}`];
  const problems = [...same(`${label} answers`, answers, [42, 42, 42, 42]),
    ...same(`${label} workers`, new Set(rows.map(r => r.worker)).size, 4)];
  rows.forEach((r, i) => problems.push(...same(`${label} task ${i} outcome`, r.outcome, 'value'),
    ...(r.started !== null && r.finished >= r.started && r.started >= r.sent - 1 && r.settled >= r.finished - 1 ? []
      : [`${label} task ${i}: stages out of order: ${JSON.stringify(r)}`])));
  if (problems.length) return problems;
  const runs = [...rows].sort((a, b) => a.started - b.started);
  const total = runs.reduce((sum, r) => sum + (r.finished - r.started), 0);
  const span = Math.max(...runs.map(r => r.finished)) - runs[0].started;
  if (serial) return runs.slice(1).flatMap((r, i) => r.started >= runs[i].finished - 1 ? [] : [`${label}: task ${i + 1} started before task ${i} ended`]);
  return span < 0.75 * total ? [] : [`${label}: the tasks did not overlap (${span.toFixed(1)} ms for ${total.toFixed(1)} ms of tasks)`];
}

// The julia run's timeline, from its trace: its 45 tasks (40, the 4 of the long render
// cancelled, the task after them) on the pool's 4 workers (none replaced), none that
// gave a value overlapping another on its worker (to 1 ms).
function juliaTimeline(rows) {
  if (!Array.isArray(rows)) return [`timeline: expected the trace's rows, got ${JSON.stringify(rows)}`];
  const count = outcome => rows.filter(r => r.outcome === outcome).length;
  const problems = [...same('timeline tasks', rows.length, 45), ...same('timeline values', count('value'), 41),
    ...same('timeline cancelled', count('cancelled'), 4), ...same('timeline workers', new Set(rows.map(r => r.worker)).size, 4)];
  const ran = rows.filter(r => r.outcome === 'value');
  if (ran.some(r => r.started === null)) problems.push('timeline: a task that gave a value has no worker times');
  for (const worker of new Set(ran.map(r => r.worker))) {
    const runs = ran.filter(r => r.worker === worker).sort((a, b) => a.started - b.started);
    runs.slice(1).forEach((r, i) => {
      if (r.started < runs[i].finished - 1) problems.push(`timeline: two tasks overlap on worker ${worker}: ${JSON.stringify([runs[i], r])}`);
    });
  }
  return problems;
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
      check: r => [...executorRun('serial', r.serial, r['answers-serial'], true), ...executorRun('parallel', r.parallel, r['answers-parallel'], false)] },
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
        ...same('next task within 1 s of Cancel', r.long && r.long.stop_to_next_task_ms < 1000, true),
        ...juliaTimeline(r.timeline)] },
    { name: 'demo: arraybuffers', path: '/demos/arraybuffers/',
      check: r => [...same('label', r.label, 'foo'), ...same('label inside the worker', r.inside, 'foo'), ...same('answer', r.answer, 42)] },
  ];
}
