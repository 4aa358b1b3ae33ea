import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { User, UserManager } from "oidc-client-ts";
import { personOf, type Person } from "./claims";
import { SESSION_ENDED_PATH } from "./oidc";

export interface AuthState {
  manager: UserManager;
  user: User | null;
  person: Person | null;
  /** True until the stored session has been read. */
  loading: boolean;
  signIn: (returnTo?: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** True from the click on Đăng xuất until the browser leaves for the issuer's end-session page: the session is
   * being forgotten on purpose, so nothing may start a sign-in meanwhile (it raced the sign-out's navigation). */
  signingOut: boolean;
  /** The session is over (refresh refused, token expired, the API said 401): forget it and say so. */
  endSession: () => void;
}

export const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ manager, children }: { manager: UserManager; children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);
  const [signingOut, setSigningOut] = useState(false);

  const endSession = useCallback(() => {
    void manager.removeUser().finally(() => {
      setUser(null);
      if (window.location.pathname !== SESSION_ENDED_PATH) window.location.assign(SESSION_ENDED_PATH);
    });
  }, [manager]);

  useEffect(() => {
    let active = true;
    void manager.getUser().then((stored) => {
      if (!active) return;
      setUser(stored && !stored.expired ? stored : null);
      setLoading(false);
    });
    const loaded = (next: User) => setUser(next);
    const unloaded = () => setUser(null);
    manager.events.addUserLoaded(loaded);
    manager.events.addUserUnloaded(unloaded);
    manager.events.addAccessTokenExpired(endSession);
    manager.events.addSilentRenewError(endSession);
    return () => {
      active = false;
      manager.events.removeUserLoaded(loaded);
      manager.events.removeUserUnloaded(unloaded);
      manager.events.removeAccessTokenExpired(endSession);
      manager.events.removeSilentRenewError(endSession);
    };
  }, [manager, endSession]);

  const value = useMemo<AuthState>(
    () => ({
      manager,
      user,
      person: user ? personOf(user.access_token) : null,
      loading,
      signIn: (returnTo?: string) => manager.signinRedirect({ state: { returnTo: returnTo ?? "/" } }),
      signOut: async () => {
        const idToken = user?.id_token;
        setSigningOut(true);
        await manager.removeUser();
        await manager.signoutRedirect({ id_token_hint: idToken });
      },
      signingOut,
      endSession,
    }),
    [manager, user, loading, signingOut, endSession],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
