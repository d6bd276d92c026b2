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
