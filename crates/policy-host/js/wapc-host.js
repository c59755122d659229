// The waPC host of policy-host's browser backend (src/browser.rs): runs a Kubewarden policy
// built for wasm32-wasip1 on the page's WebAssembly engine, speaking the protocol
// wasmtime-provider speaks (https://wapc.io/docs/spec/) and answering the few WASI calls a
// Rust policy makes. Failures are thrown as strings, which the Rust side reads as text.

const compiled = new Map();

/** Compiles `bytes` once per digest (synchronously: allowed in a worker, whatever the size). */
export function compileModule(digest, bytes) {
  if (compiled.has(digest)) return;
  try {
    compiled.set(digest, new WebAssembly.Module(bytes));
  } catch (error) {
    throw message(error);
  }
}

function message(error) {
  return error instanceof Error ? error.message : String(error);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** WASI's `ENOSYS`: what an import the host does not implement answers. */
const ENOSYS = 52;

/** One waPC instance; `hostCall(binding, namespace, operation, payload)` answers host calls. */
export class WapcInstance {
  constructor(digest, hostCall) {
    const module = compiled.get(digest);
    if (!module) throw `module ${digest} was not compiled`;
    this.hostCall = hostCall;
    this.state = {};
    try {
      this.instance = new WebAssembly.Instance(module, this.imports(module));
      const exports = this.instance.exports;
      for (const init of ["_initialize", "_start", "wapc_init"]) {
        if (typeof exports[init] === "function") exports[init]();
      }
    } catch (error) {
      throw `Initialization failed: ${message(error)}`;
    }
  }

  /** A guest call: the answer's bytes, or a thrown string with waPC's failure text. */
  call(operation, payload) {
    const op = encoder.encode(operation);
    this.state = { request: [op, payload] };
    let result;
    try {
      result = this.instance.exports.__guest_call(op.length, payload.length);
    } catch (error) {
      throw `wasm trap: ${message(error)}`;
    }
    const { response, error } = this.state;
    if (result === 0) throw error ?? "No error message set for call failure";
    if (response === undefined) {
      throw error ?? "No error message OR response set for call success";
    }
    return response;
  }

  memory() {
    return new Uint8Array(this.instance.exports.memory.buffer);
  }

  read(ptr, len) {
    return this.memory().slice(ptr, ptr + len);
  }

  write(ptr, bytes) {
    this.memory().set(bytes, ptr);
  }

  imports(module) {
    const text = (ptr, len) => decoder.decode(this.read(ptr, len));
    const wapc = {
      __guest_request: (opPtr, ptr) => {
        const [op, payload] = this.state.request;
        this.write(opPtr, op);
        this.write(ptr, payload);
      },
      __guest_response: (ptr, len) => {
        this.state.response = this.read(ptr, len);
      },
      __guest_error: (ptr, len) => {
        this.state.error = text(ptr, len);
      },
      __host_call: (bdPtr, bdLen, nsPtr, nsLen, opPtr, opLen, ptr, len) => {
        this.state.hostResponse = undefined;
        this.state.hostError = undefined;
        try {
          this.state.hostResponse = this.hostCall(
            text(bdPtr, bdLen),
            text(nsPtr, nsLen),
            text(opPtr, opLen),
            this.read(ptr, len),
          );
          return 1;
        } catch (error) {
          this.state.hostError = encoder.encode(message(error));
          return 0;
        }
      },
      __host_response_len: () => this.state.hostResponse?.length ?? 0,
      __host_response: (ptr) => {
        if (this.state.hostResponse) this.write(ptr, this.state.hostResponse);
      },
      __host_error_len: () => this.state.hostError?.length ?? 0,
      __host_error: (ptr) => {
        if (this.state.hostError) this.write(ptr, this.state.hostError);
      },
      __console_log: (ptr, len) => console.log(text(ptr, len)),
    };
    const view = () => new DataView(this.instance.exports.memory.buffer);
    const wasi = {
      random_get: (ptr, len) => {
        for (let offset = 0; offset < len; offset += 65536) {
          const chunk = new Uint8Array(Math.min(65536, len - offset));
          crypto.getRandomValues(chunk);
          this.write(ptr + offset, chunk);
        }
        return 0;
      },
      environ_sizes_get: (countPtr, sizePtr) => {
        view().setUint32(countPtr, 0, true);
        view().setUint32(sizePtr, 0, true);
        return 0;
      },
      environ_get: () => 0,
      fd_write: (fd, iovs, iovsLen, writtenPtr) => {
        let written = 0;
        const parts = [];
        for (let i = 0; i < iovsLen; i++) {
          const ptr = view().getUint32(iovs + i * 8, true);
          const len = view().getUint32(iovs + i * 8 + 4, true);
          parts.push(text(ptr, len));
          written += len;
        }
        // stdout and stderr of a policy: its panic message, say.
        if (fd === 1 || fd === 2) console.warn(parts.join(""));
        view().setUint32(writtenPtr, written, true);
        return 0;
      },
      proc_exit: (code) => {
        throw new Error(`the policy exited with code ${code}`);
      },
    };
    const imports = { wapc, wasi_snapshot_preview1: wasi };
    // Any other import a module declares answers ENOSYS (WASI) or 0, so linking never fails.
    for (const { module: name, name: field, kind } of WebAssembly.Module.imports(module)) {
      if (kind !== "function") continue;
      imports[name] ??= {};
      imports[name][field] ??= () => (name === "wasi_snapshot_preview1" ? ENOSYS : 0);
    }
    return imports;
  }
}
