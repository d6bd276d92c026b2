// Draws each executor's trace (demo.timeline): a lane per thread, on a shared time scale.
window.addEventListener('demo-done', function () {
  var runs = ['serial', 'parallel'].filter(function (name) { return demo.results[name]; });
  var end = Math.max.apply(null, runs.map(function (name) {
    return Math.max.apply(null, demo.results[name].map(function (r) { return r.settled; }));
  }));
  runs.forEach(function (name) { demo.timeline('timeline-' + name, demo.results[name], end); });
});
