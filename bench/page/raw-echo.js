// The physical floor: a worker that posts back what it gets (transferring ArrayBuffers).
onmessage = (e) => postMessage(e.data, e.data instanceof ArrayBuffer ? [e.data] : []);
