// The app's own worker (app-worker.html): runs the program here, sends its lines out.
var Module = { print: function (line) { postMessage(line); }, printErr: function (line) { postMessage(line); } };
importScripts('setup_web.js');
