import { gzipSync } from 'node:zlib';
import { readBundle } from '../../src/policy/read-bundle.ts';

/**
 * Rewrites a bundle's files (for tampering tests) and packs them again as a .tar.gz with
 * OPA's entry names ("/data.json"). A small ustar writer: regular files only.
 */
export function rewriteBundle(archive: Buffer, edit: (files: Map<string, Buffer>) => void): Buffer {
  const files = new Map(readBundle(archive).files);
  edit(files);
  return packTar(files);
}

export function packTar(files: ReadonlyMap<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of files) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000600\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
