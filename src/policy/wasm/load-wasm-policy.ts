import { SidecarError } from '../../errors/sidecar-error.ts';
import { BuiltinError, type EvalContext, type HostBuiltin } from '../builtins/builtin-types.ts';
import { encodeRegoValue } from './rego-value.ts';
import { parseRegoValue } from './parse-rego-value.ts';

export interface WasmPolicy {
  /** Entrypoint name → id, from the module's `entrypoints()` export. */
  readonly entrypoints: Readonly<Record<string, number>>;
  /** Builtins the module imports from the host, by name. */
  readonly builtins: readonly string[];
  setData(data: unknown): void;
  /**
   * Evaluates one entrypoint. `input` undefined means "no input document". Returns OPA's
   * result set with sets as sorted arrays and big integers as JSON.rawJSON. Synchronous.
   */
  evaluate(input: unknown, entrypoint: number, ctx: EvalContext): { result?: unknown }[];
  /** As `evaluate`, with the input already written as Rego value text (JSON, or with sets). */
  evaluateEncoded(input: Uint8Array | undefined, entrypoint: number, ctx: EvalContext): { result?: unknown }[];
}

interface Exports {
    readonly opa_wasm_abi_version?: { readonly value: unknown };
  readonly opa_wasm_abi_minor_version?: { readonly value: unknown };
  opa_malloc(size: number): number;
  opa_json_parse(addr: number, len: number): number;
  opa_json_dump(addr: number): number;
  opa_value_parse(addr: number, len: number): number;
  opa_value_dump(addr: number): number;
  opa_heap_ptr_get(): number;
  opa_heap_ptr_set(addr: number): void;
  opa_eval(reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heapPtr: number, format: number): number;
  builtins(): number;
  entrypoints(): number;
}

// The project's TypeScript libs (es2024, no DOM) do not declare WebAssembly; these are the few
// parts used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WA = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
    instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }>;
  };
}).WebAssembly;

const encoder = new TextEncoder();
const VALUES = { bigints: 'bigint', sets: 'rego' } as const;
const TEXT_NUMBERS = { bigints: 'bigint', sets: 'rego', numbers: 'text' } as const;
const decoder = new TextDecoder();

/**
 * Instantiates an OPA Wasm module (ABI 1.2+) with our own host imports instead of the SDK's,
 * for three reasons: builtin arguments and results go through Rego value text (sets and
 * nanosecond integers survive), results come back with sets sorted as `opa eval` prints them,
 * and a builtin the host lacks is known before the first evaluation. Memory is bounded by
 * `maximum` pages; running out throws a RangeError that the engine turns into policy_error.
 *
 * One function on purpose (longer than 80 lines): the host imports close over the instance's memory and exports, which exist only once the module is instantiated here.
 */
export async function loadWasmPolicy(
  wasm: Uint8Array,
  memoryPages: { initial: number; maximum: number },
  builtins: Readonly<Record<string, HostBuiltin>>,
): Promise<WasmPolicy> {
  const memory = new WA.Memory(memoryPages);
  let ex!: Exports;
  let names = new Map<number, string>();
  let ctx: EvalContext | undefined;

  const bytes = (): Uint8Array => new Uint8Array(memory.buffer);
  const cString = (addr: number): string => {
    const mem = bytes();
    let end = addr;
    while (mem[end] !== 0) end++;
    return decoder.decode(mem.subarray(addr, end));
  };
  const write = (text: string): [number, number] => {
    const buf = encoder.encode(text);
    const addr = ex.opa_malloc(buf.length);
    bytes().set(buf, addr); // after malloc: it may have grown (and replaced) the buffer
    return [addr, buf.length];
  };

  const callBuiltin = (id: number, argAddrs: number[]): number => {
    const name = names.get(id) ?? `#${id}`;
    const impl = builtins[name];
    if (!impl || !ctx) throw new SidecarError('policy_error', `builtin ${name} is not available`);
    const options = impl.numberText === true ? TEXT_NUMBERS : VALUES;
    const args = argAddrs.map((a) => parseRegoValue(cString(ex.opa_value_dump(a)), options));
    let result: unknown;
    try {
      result = impl(args, ctx);
    } catch (err) {
      if (err instanceof BuiltinError) return 0; // undefined, as OPA's non-strict builtin errors
      throw err;
    }
    if (result === undefined) return 0;
    const [addr, len] = write(encodeRegoValue(result));
    return ex.opa_value_parse(addr, len);
  };

  const imports = {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw new SidecarError('policy_error', `policy aborted: ${cString(addr)}`);
      },
      opa_println: () => undefined,
      opa_builtin0: (id: number) => callBuiltin(id, []),
      opa_builtin1: (id: number, _c: number, a: number) => callBuiltin(id, [a]),
      opa_builtin2: (id: number, _c: number, a: number, b: number) => callBuiltin(id, [a, b]),
      opa_builtin3: (id: number, _c: number, a: number, b: number, c: number) => callBuiltin(id, [a, b, c]),
      opa_builtin4: (id: number, _c: number, a: number, b: number, c: number, d: number) => callBuiltin(id, [a, b, c, d]),
    },
  };

  const { instance } = await WA.instantiate(wasm, imports);
  ex = instance.exports as unknown as Exports;
  const major = ex.opa_wasm_abi_version?.value as number | undefined;
  const minor = ex.opa_wasm_abi_minor_version?.value as number | undefined;
  if (major !== 1 || minor === undefined || minor < 2) {
    throw new SidecarError('bundle_error', `policy.wasm has ABI ${major ?? '?'}.${minor ?? '?'}; this sidecar needs 1.2 or newer (build with a current \`opa build -t wasm\`)`, {
      expose: true,
    });
  }
  const dumpJson = (addr: number): unknown => JSON.parse(cString(ex.opa_json_dump(addr)));
  const builtinIds = dumpJson(ex.builtins()) as Record<string, number>;
  names = new Map(Object.entries(builtinIds).map(([name, id]) => [id, name]));
  const entrypoints = Object.freeze(dumpJson(ex.entrypoints()) as Record<string, number>);

  const baseHeap = ex.opa_heap_ptr_get();
  let dataAddr = (() => {
    const [a, l] = write('{}');
    return ex.opa_json_parse(a, l);
  })();
  let dataHeap = ex.opa_heap_ptr_get();

  // Input goes right above the data, as the SDK does for ABI 1.2; opa_eval parses it there and
  // every allocation of this evaluation is dropped by the next one.
  const run = (input: Uint8Array | undefined, entrypoint: number, evalCtx: EvalContext): { result?: unknown }[] => {
    const inputLen = input === undefined ? 0 : input.length;
    if (input !== undefined) {
      const missing = dataHeap + inputLen - memory.buffer.byteLength;
      if (missing > 0) memory.grow(Math.ceil(missing / 65536));
      bytes().set(input, dataHeap);
    }
    ctx = evalCtx;
    try {
      const out = ex.opa_eval(0, entrypoint, dataAddr, input === undefined ? 0 : dataHeap, inputLen, dataHeap + inputLen, 1);
      return parseRegoValue(cString(out), { bigints: 'raw', sets: 'json' }) as { result?: unknown }[];
    } finally {
      ctx = undefined;
    }
  };

  return {
    entrypoints,
    builtins: Object.freeze(Object.keys(builtinIds).sort()),
    setData(data) {
      ex.opa_heap_ptr_set(baseHeap);
      const [a, l] = write(JSON.stringify(data));
      dataAddr = ex.opa_json_parse(a, l);
      if (dataAddr === 0) throw new SidecarError('bundle_error', 'bundle data could not be loaded into the policy', { expose: true });
      dataHeap = ex.opa_heap_ptr_get();
    },
    evaluate(input, entrypoint, evalCtx) {
      return run(input === undefined ? undefined : encoder.encode(JSON.stringify(input)), entrypoint, evalCtx);
    },
    evaluateEncoded: (input, entrypoint, evalCtx) => run(input, entrypoint, evalCtx),
  };
}
