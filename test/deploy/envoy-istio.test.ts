import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/bundles.ts';
import { goTool, runGoTool } from '../helpers/go-tools.ts';

/**
 * The shipped Envoy and Istio configurations, validated against Envoy's own schema
 * (go-control-plane: protojson into a Bootstrap, then ValidateAll of every message, typed_config
 * included) and Istio's API types (istio.io/api), by tools/extauthz. Each check is shown to fail
 * on a broken copy, so a pass means something.
 */
const ENVOY = join(ROOT, 'deploy/envoy/envoy.yaml');
const MESH = join(ROOT, 'deploy/istio/mesh-config.yaml');
const POLICY = join(ROOT, 'deploy/istio/authorization-policy.yaml');

describe('deploy/envoy and deploy/istio against Envoy\'s and Istio\'s own types', () => {
  const extauthz = goTool('extauthz');
  const copy = (file: string, edit: (text: string) => string): string => {
    const out = join(tempDir(), file.split('/').pop()!);
    const text = readFileSync(file, 'utf8');
    const edited = edit(text);
    assert.notEqual(edited, text, 'the edit changed the file');
    writeFileSync(out, edited);
    return out;
  };

  it('deploy/envoy/envoy.yaml is a valid Envoy v3 Bootstrap with a gRPC and an HTTP ext_authz filter', async () => {
    const r = await runGoTool(extauthz, ['validate-envoy', ENVOY]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid Envoy v3 Bootstrap .*ext_authz filters: \[grpc http\]/);
  });

  for (const [name, edit, why] of [
    ['failure_mode_allow: true', (t: string) => t.replace('              failure_mode_allow: false', '              failure_mode_allow: true'), /fail closed/],
    ['a misspelled field', (t: string) => t.replace('path_prefix: /ext-authz', 'path_prefx: /ext-authz'), /path_prefx/],
    ['a typed_config of an unknown type', (t: string) => t.replace('envoy.extensions.filters.http.router.v3.Router', 'envoy.extensions.filters.http.router.v3.Routr'), /Routr/],
    ['a port out of range (Validate())', (t: string) => t.replace('port_value: 9191', 'port_value: 70000'), /PortValue|port_value|70000/],
    ['a grpc_service without a target (Validate() inside an Any)', (t: string) => t.replace('envoy_grpc: { cluster_name: authz_sidecar_grpc }', 'envoy_grpc: { cluster_name: "" }'), /ClusterName|cluster_name/],
  ] as const) {
    it(`refuses a copy with ${name}`, async () => {
      const r = await runGoTool(extauthz, ['validate-envoy', copy(ENVOY, edit)]);
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stderr, why);
    });
  }

  it('deploy/istio: a CUSTOM AuthorizationPolicy whose provider the mesh defines, with its ServiceEntry', async () => {
    const r = await runGoTool(extauthz, ['validate-istio', MESH, POLICY]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1 AuthorizationPolicy, extension providers .*authz-sidecar-grpc/);
  });

  for (const [name, file, edit, why] of [
    ['a policy naming an undefined provider', POLICY, (t: string) => t.replace('name: authz-sidecar-grpc', 'name: authz-sidecar-typo'), /no mesh extensionProviders entry/],
    ['an unknown field in the policy', POLICY, (t: string) => t.replace('notPaths:', 'notPathz:'), /notPathz/],
    ['a provider that fails open', MESH, (t: string) => t.replace('failOpen: false', 'failOpen: true'), /failOpen off/],
    ['an HTTP provider without its pathPrefix', MESH, (t: string) => t.replace('        pathPrefix: /ext-authz\n', ''), /pathPrefix/],
    ['a provider service no ServiceEntry defines', MESH, (t: string) => t.replace('hosts: ["authz-sidecar.local"]', 'hosts: ["other.local"]'), /no ServiceEntry/],
  ] as const) {
    it(`refuses ${name}`, async () => {
      const files = file === MESH ? [copy(MESH, edit), POLICY] : [MESH, copy(POLICY, edit)];
      const r = await runGoTool(extauthz, ['validate-istio', ...files]);
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stderr, why);
    });
  }
});
