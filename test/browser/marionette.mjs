// A minimal client for Firefox's Marionette protocol (classic WebDriver commands over
// TCP: messages are `length:json`). Used for Firefox because Playwright's WebDriver
// BiDi session stalls Firefox's nested workers (see engines.mjs).
import { connect } from 'node:net';

export async function marionette(port, timeoutMs) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  let buffer = Buffer.alloc(0);
  let hello;
  const waiting = new Map();
  socket.on('data', chunk => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(buffer.subarray(0, colon).toString());
      if (buffer.length < colon + 1 + length) return;
      const message = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString());
      buffer = buffer.subarray(colon + 1 + length);
      if (!Array.isArray(message)) { hello = message; continue; }
      const [, id, error, result] = message;
      const pending = waiting.get(id);
      waiting.delete(id);
      if (pending) error ? pending.reject(new Error(`${error.error}: ${error.message}`)) : pending.resolve(result);
    }
  });
  let nextId = 1;
  const send = (command, params = {}) => new Promise((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`Marionette ${command} timed out`)); }, timeoutMs);
    waiting.set(id, { resolve: v => { clearTimeout(timer); resolve(v); }, reject: e => { clearTimeout(timer); reject(e); } });
    const body = Buffer.from(JSON.stringify([0, id, command, params]));
    socket.write(`${body.length}:`);
    socket.write(body);
  });
  return { send, close: () => socket.destroy(), hello: () => hello };
}
