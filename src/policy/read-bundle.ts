import { gunzipSync } from 'node:zlib';
import { SidecarError } from '../errors/sidecar-error.ts';

export interface BundleManifest {
  readonly revision: string;
  readonly roots: readonly string[];
  readonly wasm: readonly { entrypoint: string; module: string }[];
  readonly metadata?: Record<string, unknown>;
}

export interface Bundle {
  readonly manifest: BundleManifest;
  readonly wasm: Uint8Array;
  readonly data: Record<string, unknown>;
  /** Every file of the archive by its path ("/policy.wasm"), for signature checks. */
  readonly files: ReadonlyMap<string, Buffer>;
}

const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

/**
 * Parses an OPA bundle (.tar.gz built by `opa build -t wasm`): `/.manifest`, `/policy.wasm`
 * (or the module the manifest names), and every `data.json`, merged by directory as OPA does.
 * Only regular files are read; nothing is written to disk, so paths in the archive are inert.
 */
export function readBundle(archive: Buffer): Bundle {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    throw new SidecarError('bundle_error', `bundle is not a readable .tar.gz: ${(err as Error).message}`, { expose: true });
  }
  const files = readTar(tar);
  const manifestFile = files.get('/.manifest');
  const manifest = parseJson<Partial<BundleManifest>>(manifestFile ?? Buffer.from('{}'), '/.manifest');
  const wasmEntries = Array.isArray(manifest.wasm) ? manifest.wasm : [];
  const modulePath = wasmEntries[0]?.module ?? '/policy.wasm';
  const wasm = files.get(modulePath.startsWith('/') ? modulePath : `/${modulePath}`);
  if (!wasm) throw new SidecarError('bundle_error', `bundle has no ${modulePath} (build it with \`opa build -t wasm\`)`, { expose: true });

  const data: Record<string, unknown> = {};
  for (const [path, content] of files) {
    if (/\/data\.ya?ml$/.test(path)) {
      // Refused rather than skipped: a policy silently missing its data decides differently.
      throw new SidecarError('bundle_error', `bundle file ${path}: YAML data files are not supported; use data.json`, { expose: true });
    }
    if (path !== '/data.json' && !path.endsWith('/data.json')) continue;
    const dir = path.split('/').slice(1, -1);
    placeAt(data, dir, parseJson(content, path), path);
  }
  return {
    manifest: {
      revision: typeof manifest.revision === 'string' ? manifest.revision : '',
      roots: Array.isArray(manifest.roots) ? manifest.roots : [''],
      wasm: wasmEntries,
      ...(manifest.metadata ? { metadata: manifest.metadata } : {}),
    },
    wasm: new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength),
    data,
    files,
  };
}

function readTar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    if (!Number.isFinite(size) || size < 0 || offset + 512 + size > tar.length) {
      throw new SidecarError('bundle_error', 'bundle archive is truncated or corrupt', { expose: true });
    }
    const body = tar.subarray(offset + 512, offset + 512 + size);
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const shortName = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else {
      const name = longName ?? (prefix ? `${prefix}/${shortName}` : shortName);
      longName = undefined;
      if (type === '0' || type === '\0') {
        const path = normalise(name);
        // A second entry under one name would let an appended file shadow a signed one.
        if (files.has(path)) throw new SidecarError('bundle_error', `bundle has two entries named ${path}`, { expose: true });
        files.set(path, Buffer.from(body));
      }
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function normalise(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new SidecarError('bundle_error', `bundle entry '${name}' escapes the bundle root`, { expose: true });
  return `/${parts.join('/')}`;
}

function parseJson<T>(content: Buffer, path: string): T {
  try {
    return JSON.parse(content.toString('utf8')) as T;
  } catch {
    throw new SidecarError('bundle_error', `bundle file ${path} is not valid JSON`, { expose: true });
  }
}

function placeAt(root: Record<string, unknown>, dir: readonly string[], value: unknown, path: string): void {
  const conflict = () => new SidecarError('bundle_error', `bundle file ${path} conflicts with other data`, { expose: true });
  if (dir.length === 0) {
    if (!isObject(value)) throw new SidecarError('bundle_error', 'bundle /data.json must hold an object', { expose: true });
    Object.assign(root, value);
    return;
  }
  let node = root;
  for (const key of dir.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    const next = node[key];
    if (!isObject(next)) throw conflict();
    node = next;
  }
  const last = dir[dir.length - 1]!;
  const existing = node[last];
  if (existing === undefined) node[last] = value;
  else if (isObject(existing) && isObject(value)) Object.assign(existing, value);
  else throw conflict();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
