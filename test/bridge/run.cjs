// Runs the bridge test program (a -sMODULARIZE factory) under Node and its checks
// (checks.js). Prints "bridge ok" or the problems.
//   node run.cjs <bridge.js>
const path = require('node:path');
require('./checks.js');
const createBridge = require(path.resolve(process.argv[2]));
const timer = setTimeout(() => { console.log('bridge FAILED: no outcome within 90 s'); process.exit(1); }, 90000);
createBridge({}).then(app => globalThis.bridgeChecks(app)).then(({ problems, seen }) => {
  clearTimeout(timer);
  if (problems.length) {
    console.log('bridge FAILED:\n  ' + problems.join('\n  '));
    process.exit(1);
  }
  console.log('bridge ok: ' + JSON.stringify(seen));
  process.exit(0);
}, e => {
  console.log('bridge FAILED: ' + (e && e.stack || e));
  process.exit(1);
});
