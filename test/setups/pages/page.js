// The page side of a setup test: collects what the setup program prints (setup.cpp) into
// window.demo, which test/browser/run.mjs reads and checks (setups.mjs).
window.demo = { results: { lines: [] }, done: false, error: null };
window.setupPrint = function (line) {
  var demo = window.demo;
  demo.results.lines.push(String(line));
  if (String(line).lastIndexOf('setup: ', 0) === 0) {
    demo.results.seen = JSON.parse(String(line).slice(7));
    // (The worker's print comes with its reply, before the result line.)
    demo.done = true;
  }
};
window.setupFailed = function (e) {
  window.demo.error = String(e && e.stack || e);
  window.demo.done = true;
};
window.addEventListener('error', function (event) { window.setupFailed(event.message); });
window.addEventListener('unhandledrejection', function (event) { window.setupFailed(event.reason); });
// The other origin the test server runs on, for the cross-origin pages.
window.otherOrigin = new URLSearchParams(location.search).get('other');
