importScripts('/vendor/comlink/comlink.js');
Comlink.expose({ add: (a, b) => a + b });
