// A raw worker that instantiates the same precompiled module wasm_mt threads get (its
// imports stubbed: instantiation is what is measured), then answers.
onmessage = async (e) => {
  const module = e.data;
  const imports = {};
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    imports[from] = imports[from] || {};
    if (kind === 'function') imports[from][name] = () => 0;
    else if (kind === 'memory') imports[from][name] = new WebAssembly.Memory({ initial: 256 });
    else if (kind === 'table') imports[from][name] = new WebAssembly.Table({ initial: 1024, element: 'anyfunc' });
    else if (kind === 'global') imports[from][name] = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  }
  await WebAssembly.instantiate(module, imports);
  postMessage('ready');
};
