// Draws the time-per-image chart and the run's timeline once the C++ program is done.
window.addEventListener('demo-done', function () {
  document.getElementById('cancel').disabled = true;
  var t = demo.results['per-image'];
  if (!t) return;
  var row = function (label, ms) {
    return { label: label, value: ms, text: ms.toFixed(1) + ' ms (' + (t.serial / ms).toFixed(2) + 'x)' };
  };
  demo.bars('chart', [row('serial', t.serial), row('parallel', t.parallel), row('tiled', t.tiled)]);
  demo.timeline('timeline-chart', demo.results.timeline);
});
