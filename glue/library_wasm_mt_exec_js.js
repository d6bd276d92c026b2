// wasm_mt glue: running exec_js code in a worker. Compiles a request's body (cached by
// its code) and shapes what it returns or throws into the request's one reply: the value
// as JSON text, or (raw) the value itself, structured-cloned.
var wasmMtExecJsLibrary = {
  $wasmMtExecJs__deps: ['$wasmMtProtocol', '$wasmMt'],
  $wasmMtExecJs: {
    compiled: null,  // (a Map, made on first use: library objects hold only literals)
    // How many bodies are kept (a pool runs the same code again and again).
    maxCompiled: 256,

    // Runs exec-js request `request` (a parsed message). send(message, alone) posts its
    // reply; alone: by itself, at once, returning the error when it cannot be cloned.
    run: function (request, send) {
      var E = wasmMtExecJs;
      var id = request['id'];
      // Args: JSON text ('args'), or a structured-cloned JS value ('value'), or none.
      var withArgs = request['args'] !== undefined || 'value' in request;
      var body;
      try {
        body = E.compile(request['code'], request['async'], withArgs);
      } catch (e) {
        return send(E.error(id, 'js_exception', e instanceof EvalError
          ? new Error('exec_js needs eval, which this page\'s Content-Security-Policy forbids: ' + e.message)
          : e));
      }
      var args = request['value'];
      try {
        if (request['args'] !== undefined) args = JSON.parse(request['args']);
      } catch (e) {
        return send(E.error(id, 'bad_payload', new Error('exec_js args are not JSON: ' + wasmMt.errorText(e))));
      }
      if (request['async']) {
        var pending;
        try {
          pending = Promise.resolve(withArgs ? body(args) : body());
        } catch (e) {
          return send(E.error(id, 'js_exception', e));
        }
        pending.then(function (value) { E.reply(request, value, send); },
                     function (e) { send(E.error(id, 'js_exception', e)); })
               .catch(function (e) { send(E.error(id, 'bad_payload', e)); });
        return;
      }
      var value;
      try {
        value = withArgs ? body(args) : body();
      } catch (e) {
        return send(E.error(id, 'js_exception', e));
      }
      E.reply(request, value, send);
    },

    // A body takes the parameter `args` only when its call has args, so that a body of
    // its own `let args` (written before args existed) still compiles.
    compile: function (code, isAsync, withArgs) {
      var E = wasmMtExecJs;
      E.compiled = E.compiled || new Map();
      var key = (isAsync ? 'async' : 'sync') + (withArgs ? '+args:' : ':') + code;
      var body = E.compiled.get(key);
      if (!body) {
        var params = withArgs ? ['args'] : [];
        var make = isAsync ? Object.getPrototypeOf(async function () {}).constructor : Function;
        body = new (Function.prototype.bind.apply(make, [null].concat(params, [code])))();
        if (E.compiled.size >= E.maxCompiled) E.compiled.clear();
        E.compiled.set(key, body);
      }
      return body;
    },

    error: function (id, kind, e) {
      return wasmMtProtocol.errorReply(id, kind, wasmMt.errorText(e), wasmMt.errorStack(e));
    },

    // The result as JSON text (undefined gives null), or raw (structured clone) if asked.
    // Strings with a lone surrogate (which JSON.stringify escapes as \udXXX, text C++
    // cannot decode) are sent well-formed: U+FFFD in its place.
    reply: function (request, value, send) {
      var E = wasmMtExecJs;
      var id = request['id'];
      if (request['raw']) {
        var raw = wasmMtProtocol.request(wasmMtProtocol.MSG.REPLY, id, undefined, { 'ok': true, 'value': value });
        var failed = send(raw, true);
        if (failed) send(E.error(id, 'bad_payload', new Error('exec_js result cannot be cloned: ' + wasmMt.errorText(failed))));
        return;
      }
      var json;
      try {
        json = JSON.stringify(value === undefined ? null : value);
        if (json === undefined) throw new Error('JSON.stringify gave undefined');
        if (/\\ud[89a-f]/i.test(json)) {
          json = JSON.stringify(value, function (key, v) { return typeof v == 'string' ? wasmMt.wellFormed(v) : v; });
        }
      } catch (e) {
        // (An engine out of stack says so in its own way: RangeError, InternalError.)
        var depth = 0;
        try {
          if (!(e instanceof TypeError)) depth = E.depthOf(value);  // 2048: max_nesting_depth (payload.hpp)
        } catch (ignored) {  // a getter that throws: the value's own error is the answer
        }
        return send(E.error(id, 'bad_payload', new Error(depth > 2048
          ? 'exec_js result is nested ' + depth + ' levels deep (arrays and objects), too deep to write as JSON'
          : 'exec_js result is not JSON: ' + wasmMt.errorText(e))));
      }
      send(wasmMtProtocol.valueReply(id, json));
    },

    // How deeply `value` nests arrays and objects (walked without recursion).
    depthOf: function (value) {
      var deepest = 0;
      var pending = [[value, 1]];
      var seen = new Set();
      while (pending.length) {
        var item = pending.pop();
        var v = item[0];
        if (v === null || typeof v != 'object' || seen.has(v)) continue;
        seen.add(v);
        if (item[1] > deepest) deepest = item[1];
        for (var key in v) pending.push([v[key], item[1] + 1]);
      }
      return deepest;
    },
  },
};

(typeof addToLibrary == 'function' ? addToLibrary : function (library) { mergeInto(LibraryManager.library, library); })(wasmMtExecJsLibrary);
