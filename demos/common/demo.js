// The page side of a demo: window.demo collects what the C++ program shows
// (common/page.hpp) and tells page scripts when it is done.
window.demo = {
  results: {},
  done: false,
  error: null,
  show: function (id, text, value) {
    var element = document.getElementById(id);
    if (element) element.textContent = text;
    this.results[id] = value;
  },
  log: function (line) {
    var log = document.getElementById('log');
    if (log) log.textContent += line + '\n';
  },
  // A <progress> element's value: fraction done, 0 to 1.
  progress: function (id, fraction) {
    var element = document.getElementById(id);
    if (element) element.value = fraction;
  },
  finish: function (error) {
    this.error = error;
    this.done = true;
    var status = document.getElementById('status');
    if (status) {
      status.textContent = error ? 'failed: ' + error : 'done';
      status.className = error ? 'failed' : 'ok';
    }
    window.dispatchEvent(new Event('demo-done'));
  },
  // A trace's timeline (page.hpp: timeline_rows) in element #id: one lane per worker (a
  // replacement is a new lane), a bar per request from its start to its end there,
  // coloured by outcome, after a pale one for the time it waited in the worker's queue
  // (sent to started: pipelining); a stopped request shows to where its worker stopped it,
  // or, if its worker's times never came back while the trace ran, hatched from sent to
  // settled. `end` (ms): the scale's end (default: the last settle).
  timeline: function (id, rows, end) {
    var box = document.getElementById(id);
    if (!box || !rows) return;
    end = end || Math.max.apply(null, rows.map(function (r) { return r.settled; }));
    var lanes = new Map();
    rows.slice().sort(function (a, b) { return a.worker - b.worker; }).forEach(function (r) {
      if (!lanes.has(r.worker)) {
        var lane = document.createElement('div');
        lane.className = 'lane';
        lane.title = r.thread + ' (worker ' + r.worker + ')';
        var label = document.createElement('span');
        label.className = 'lane-label';
        label.textContent = r.thread + ' #' + r.worker;
        lane.appendChild(label);
        box.appendChild(lane);
        lanes.set(r.worker, lane);
      }
    });
    var bar = function (lane, from, to, className, text, title) {
      var span = document.createElement('div');
      span.className = 'span ' + className;
      span.style.left = (100 * from / end) + '%';
      span.style.width = Math.max(0.2, 100 * (to - from) / end) + '%';
      span.textContent = text;
      span.title = title;
      lane.appendChild(span);
    };
    rows.forEach(function (r) {
      var lane = lanes.get(r.worker);
      var title = r.closure + ': ' + r.outcome + ', sent at ' + (r.sent === null ? '-' : r.sent.toFixed(1)) + ' ms';
      if (r.started === null) return bar(lane, r.sent === null ? r.settled : r.sent, r.settled, 'outcome-' + r.outcome + ' unknown', r.outcome, title);
      if (r.started > r.sent) bar(lane, r.sent, r.started, 'waiting', '', title + ', waited ' + (r.started - r.sent).toFixed(1) + ' ms');
      bar(lane, r.started, r.finished, 'outcome-' + r.outcome, r.closure, title + ', ran ' + r.started.toFixed(1) + ' to ' + r.finished.toFixed(1) + ' ms');
    });
  },
  // Horizontal bars: [{label, value, text}] scaled to the largest value.
  bars: function (id, rows) {
    var box = document.getElementById(id);
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; }));
    box.innerHTML = '';
    rows.forEach(function (r) {
      var row = document.createElement('div');
      row.className = 'bar-row';
      row.innerHTML = '<span class="bar-label"></span><span class="bar"></span><span class="bar-text"></span>';
      row.children[0].textContent = r.label;
      row.children[1].style.width = (max > 0 ? 100 * r.value / max : 0) * 0.6 + '%';
      row.children[2].textContent = r.text;
      box.appendChild(row);
    });
  },
};
