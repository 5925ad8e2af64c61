/**
 * Where each IdP puts a user's roles, for `authz-sidecar init --idp <name>`. The claim names are the IdPs'
 * documented ones; `notes` say what must be switched on at the IdP for the roles to reach the sidecar.
 */
export type IdpPresetName = 'keycloak' | 'auth0' | 'entra' | 'okta' | 'generic';

export interface IdpPreset {
  readonly name: IdpPresetName;
  readonly title: string;
  /** `claims.roleClaims`; undefined when the claim name is the user's choice and must be given. */
  readonly roleClaims: readonly string[] | undefined;
  /** `claims.enrich`, when the IdP's userinfo cannot carry roles for an API's token. */
  readonly enrich?: 'never';
  readonly issuerExample: string;
  readonly notes: readonly string[];
}

export const IDP_PRESETS: Readonly<Record<IdpPresetName, IdpPreset>> = {
  keycloak: {
    name: 'keycloak',
    title: 'Keycloak',
    // realm_access.roles: the built-in "realm roles" mapper; roles: a flat claim from a custom mapper
    // (the end-to-end realm, scripts/keycloak/realm-authz.json, uses this one).
    roleClaims: ['realm_access.roles', 'roles'],
    issuerExample: 'https://keycloak.example.com/realms/<realm>',
    notes: [
      'Keycloak puts roles in userinfo only when the role mapper has "Add to userinfo" on; turn "Add to access token" off to keep the token small.',
      'userinfo answers only tokens requested with scope=openid (403 otherwise).',
      'Client roles live at resource_access.<client-id>.roles: add that path with --roles-claim if you use them.',
    ],
  },
  auth0: {
    name: 'auth0',
    title: 'Auth0',
    // "roles" is a name Auth0 reserves for custom claims, so a post-login Action must use a namespaced one.
    roleClaims: undefined,
    issuerExample: 'https://<tenant>.auth0.com/ (with the trailing slash)',
    notes: [
      "Auth0 has no roles claim by default: a post-login Action sets one, namespaced, for example api.idToken.setCustomClaim('https://example.com/roles', event.authorization?.roles ?? []); custom claims on the ID token are also answered by /userinfo. Pass that name with --roles-claim.",
      'Auth0 limits /userinfo to 5 calls per minute per user (burst 10): keep one sidecar cache per user warm, and do not lower claims.cacheTtlSeconds.',
    ],
  },
  entra: {
    name: 'entra',
    title: 'Microsoft Entra ID',
    roleClaims: ['roles'],
    // Entra's userinfo (Microsoft Graph) answers only Graph tokens, and never with app roles.
    enrich: 'never',
    issuerExample: 'https://login.microsoftonline.com/<tenant-id>/v2.0',
    notes: [
      "Entra ID's userinfo endpoint is Microsoft Graph's: it accepts only tokens for Graph and returns no roles, so roles must travel in your API's access token as app roles (claim roles); claims.enrich is set to never.",
      'v2.0 issuers need accessTokenAcceptedVersion: 2 in the API app registration; v1 tokens carry iss https://sts.windows.net/<tenant-id>/.',
      'Security groups (claim groups, object IDs) stop at 200 per token; prefer app roles assigned to groups.',
    ],
  },
  okta: {
    name: 'okta',
    title: 'Okta',
    roleClaims: ['groups'],
    issuerExample: 'https://<org>.okta.com/oauth2/default',
    notes: [
      'Add a groups claim (value type Groups, with a filter) to your custom authorization server, included in the ID token so that userinfo answers it; the org authorization server cannot add groups to access tokens.',
      'Route roles are then Okta group names.',
    ],
  },
  generic: {
    name: 'generic',
    title: 'any OIDC provider',
    roleClaims: ['roles'],
    issuerExample: 'https://idp.example.com',
    notes: [],
  },
};

export function isPresetName(name: string): name is IdpPresetName {
  return Object.hasOwn(IDP_PRESETS, name);
}
