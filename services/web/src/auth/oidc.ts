import { UserManager, WebStorageStateStore } from "oidc-client-ts";

/** What the gateway's `/web-config.json` says: where to sign in. */
export interface WebConfig {
  authority: string;
  client_id: string;
}

export const CALLBACK_PATH = "/auth/callback";
export const SIGNED_OUT_PATH = "/da-dang-xuat";
export const SESSION_ENDED_PATH = "/phien-ket-thuc";

export async function loadConfig(): Promise<WebConfig> {
  const reply = await fetch("/web-config.json", { headers: { Accept: "application/json" } });
  if (!reply.ok) throw new Error(`web-config.json: ${reply.status}`);
  return (await reply.json()) as WebConfig;
}

/**
 * Authorization code with PKCE (S256) against the issuer (Keycloak, or the dev issuer); tokens are kept in
 * sessionStorage (the tab's session, as oidc-client-ts needs them), renewed with the refresh token before expiry.
 */
export function createUserManager(config: WebConfig, origin: string = window.location.origin): UserManager {
  return new UserManager({
    authority: config.authority,
    client_id: config.client_id,
    redirect_uri: `${origin}${CALLBACK_PATH}`,
    post_logout_redirect_uri: `${origin}${SIGNED_OUT_PATH}`,
    response_type: "code",
    scope: "openid profile",
    loadUserInfo: false,
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}
