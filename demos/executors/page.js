// Draws each executor's tasks as spans on one lane per thread, on a shared time scale.
window.addEventListener('demo-done', function () {
  var runs = ['serial', 'parallel'].filter(function (name) { return demo.results[name]; });
  var end = Math.max.apply(null, runs.map(function (name) {
    return Math.max.apply(null, demo.results[name].map(function (t) { return t.end; }));
  }));
  runs.forEach(function (name) {
    var box = document.getElementById('timeline-' + name);
    demo.results[name].forEach(function (task) {
      var lane = document.createElement('div');
      lane.className = 'lane';
      var span = document.createElement('div');
      span.className = 'span';
      span.style.left = (100 * task.start / end) + '%';
      span.style.width = (100 * (task.end - task.start) / end) + '%';
      span.textContent = 'thread ' + task.lane + ': ' + task.answer;
      span.title = task.start.toFixed(1) + ' to ' + task.end.toFixed(1) + ' ms';
      lane.appendChild(span);
      box.appendChild(lane);
    });
  });
});
