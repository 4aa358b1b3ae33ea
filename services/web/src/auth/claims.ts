/** What the access token says about the person (Keycloak's token shape: `realm_access.roles`, `agency`). */
export type Role = "clerk" | "leader" | "head" | "officer" | "archivist" | "admin";

export interface Person {
  username: string;
  /** The account's subject (the token's ``sub``): how the workflow names a person (a delegation's deputy). */
  subject?: string;
  name: string;
  agency: string;
  roles: Role[];
}

const ROLES: readonly Role[] = ["clerk", "leader", "head", "officer", "archivist", "admin"];

/** The claims of a JWT's payload (not verified here: the gateway and every service verify the token). */
export function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) return {};
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The person an access token names; unknown roles are dropped. */
export function personOf(accessToken: string): Person {
  const claims = decodeJwt(accessToken);
  const realm = (claims.realm_access ?? {}) as { roles?: unknown };
  const roles = Array.isArray(realm.roles) ? realm.roles.filter((r): r is Role => ROLES.includes(r as Role)) : [];
  return {
    username: String(claims.preferred_username ?? ""),
    subject: String(claims.sub ?? ""),
    name: String(claims.name ?? claims.preferred_username ?? ""),
    agency: String(claims.agency ?? ""),
    roles,
  };
}
