import { readBundle } from './read-bundle.ts';
import { createPolicyEngine, type EngineOptions, type PolicyEngine } from './policy-engine.ts';
import type { BundleVerifier } from './verify-bundle-signature.ts';
import { SidecarError } from '../errors/sidecar-error.ts';

/**
 * Archive bytes → a ready engine: read, verify the signature (when a verifier is configured),
 * compile, check builtins and entrypoint. Every failure is a `bundle_error` naming the cause.
 * Without a verifier a signed bundle is refused, as OPA does, so forgetting to configure
 * verification cannot silently skip it.
 */
export async function loadBundle(archive: Buffer, options: EngineOptions & { readonly verifier: BundleVerifier | undefined }): Promise<PolicyEngine> {
  const bundle = readBundle(archive);
  if (options.verifier) await options.verifier(bundle.files);
  else if (bundle.files.has('/.signatures.json')) {
    throw new SidecarError('bundle_error', 'bundle is signed but no verification key is configured (set policy.signing.keyFile)', { expose: true });
  }
  return createPolicyEngine(bundle, options);
}
