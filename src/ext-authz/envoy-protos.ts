import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * Envoy's own protobuf definitions of the ext_authz v3 service, loaded from the vendored .proto
 * files in proto/ (see proto/README.md: each file's source repository, commit and licence; they
 * are copied, never retyped, and test/ext-authz/proto-descriptors.test.ts checks them against the
 * descriptors compiled into go-control-plane). protobufjs reads them at run time, so nothing is
 * generated or committed twice; loading takes ~0.2 s, once, and only when ext_authz is enabled.
 */
export interface EnvoyProtos {
  readonly root: protobuf.Root;
  readonly CheckRequest: protobuf.Type;
  readonly CheckResponse: protobuf.Type;
}

const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../proto');
export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';
/** The one file that names the service; its imports are found under PROTO_DIR. */
const EXTERNAL_AUTH_PROTO = 'envoy/service/auth/v3/external_auth.proto';

let loaded: EnvoyProtos | undefined;

export function envoyProtos(): EnvoyProtos {
  if (loaded) return loaded;
  // protobufjs bundles google/protobuf's well-known types except descriptor.proto, which it
  // ships as a file of its own; everything else comes from proto/.
  const bundled = join(dirname(createRequire(import.meta.url).resolve('protobufjs/package.json')), 'google/protobuf/descriptor.proto');
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target === 'google/protobuf/descriptor.proto' ? bundled : target.startsWith('google/protobuf/') ? target : join(PROTO_DIR, target);
  root.loadSync(EXTERNAL_AUTH_PROTO, { keepCase: true });
  root.resolveAll();
  loaded = {
    root,
    CheckRequest: root.lookupType('envoy.service.auth.v3.CheckRequest'),
    CheckResponse: root.lookupType('envoy.service.auth.v3.CheckResponse'),
  };
  return loaded;
}
