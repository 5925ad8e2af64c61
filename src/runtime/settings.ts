import { authzenSettings, type AuthzenSettings } from '../authzen/authzen-settings.ts';
import type { Config } from '../config/config.ts';
import { loadConfig, type LoadConfigOptions } from '../config/load-config.ts';
import { claimsSettings, type ClaimsSettings } from '../claims/claims-settings.ts';
import { decisionLogSettings, type DecisionLogSettings } from '../decision-log/decision-log-settings.ts';
import { extAuthzSettings } from '../ext-authz/ext-authz-settings.ts';
import { httpSettings } from '../http/http-settings.ts';
import { policySettings, type PolicySettings } from '../policy/policy-settings.ts';
import { checkTokenSettings } from '../token/token-settings.ts';
import { tokensSettings, type TokensSettings } from '../tokens/tokens-settings.ts';

/**
 * A configuration checked as a whole and ready to build components from: the spec-typed Config
 * (each key checked on its own by src/config/) plus, from each component's own settings
 * function, the rules across its keys and the values derived from them, computed once here
 * rather than per decision (OPA's validate-and-inject-defaults, section by section).
 */
export interface Settings {
  readonly config: Config;
  readonly claims: ClaimsSettings;
  readonly policy: PolicySettings;
  readonly decisionLog: DecisionLogSettings;
  readonly authzen: AuthzenSettings;
  /** Outbound tokens; undefined when `tokens.clientId` is unset (off). */
  readonly tokens: TokensSettings | undefined;
}

/** Applies every component's rules to a loaded Config; throws `config_error` naming the key. */
export function settle(config: Config): Settings {
  checkTokenSettings(config);
  httpSettings(config);
  extAuthzSettings(config);
  return Object.freeze({
    config,
    claims: claimsSettings(config),
    policy: policySettings(config),
    decisionLog: decisionLogSettings(config),
    authzen: authzenSettings(config),
    tokens: tokensSettings(config),
  });
}

/** loadConfig (file, environment, spec) then settle: what `serve`, `check` and the tests start from. */
export function loadSettings(options: LoadConfigOptions = {}): Settings {
  return settle(loadConfig(options));
}
