// Runs one wasm_mt test program (a Catch2 build) in this page and keeps what it says in
// window.wasmMtTestRun for the runner: ?program=wasm_mt_tests.js&args=["-r","xml","[x]"]
(function () {
  var params = new URLSearchParams(location.search);
  var program = params.get('program') || 'wasm_mt_tests.js';
  var run = window.wasmMtTestRun = { done: false, exitCode: null, stdout: [], console: [], errors: [] };

  ['log', 'info', 'warn', 'error'].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      run.console.push(level + ': ' + Array.prototype.join.call(arguments, ' '));
      original.apply(console, arguments);
    };
  });
  window.addEventListener('error', function (event) {
    if (run.done) return;  // Emscripten throws ExitStatus after exit(): not an error
    run.errors.push(String(event.message) + (event.error && event.error.stack ? '\n' + event.error.stack : ''));
  });
  window.addEventListener('unhandledrejection', function (event) {
    run.errors.push('unhandled rejection: ' + (event.reason && event.reason.stack || event.reason));
  });

  window.Module = {
    arguments: JSON.parse(params.get('args') || '[]'),
    print: function (line) { run.stdout.push(line); },
    printErr: function (line) { run.console.push('stderr: ' + line); },
    onExit: function (code) {
      run.exitCode = code;
      run.done = true;
      document.getElementById('report').textContent = 'exit code ' + code;
    },
  };

  var script = document.createElement('script');
  script.src = program;
  script.onerror = function () {
    run.errors.push('cannot load ' + program);
    run.done = true;
  };
  document.body.appendChild(script);
})();
