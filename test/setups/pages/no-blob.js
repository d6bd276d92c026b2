// Served with a Content-Security-Policy whose worker-src has no blob: (run.mjs): the
// program from another origin cannot start threads there, and must say so.
var Module = { print: setupPrint, printErr: setupPrint };
var script = document.createElement('script');
script.src = otherOrigin + '/setups/setup_web.js';
script.onerror = function () { setupFailed('cannot load ' + script.src); };
document.head.appendChild(script);
