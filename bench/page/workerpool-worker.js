importScripts('/vendor/workerpool/workerpool.js');
workerpool.worker({ add: (a, b) => a + b });
