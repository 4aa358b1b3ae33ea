import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { User, UserManager } from "oidc-client-ts";
import { RequireAuth } from "../features/session/SessionPages";
import { AuthProvider, useAuth } from "./AuthProvider";

/** A UserManager as far as AuthProvider uses it: one stored user, its events, and the two redirects recorded. */
function fakeManager() {
  const unloaded: Array<() => void> = [];
  let stored: User | null = { access_token: "t", id_token: "id-đăng-xuất", expired: false, profile: {} } as unknown as User;
  const manager = {
    getUser: vi.fn(async () => stored),
    removeUser: vi.fn(async () => { stored = null; unloaded.forEach((listener) => listener()); }),
    signinRedirect: vi.fn(async () => {}),
    signoutRedirect: vi.fn(() => new Promise<void>(() => {})),  // the browser leaves: it never resolves here
    events: {
      addUserLoaded: vi.fn(), removeUserLoaded: vi.fn(),
      addUserUnloaded: vi.fn((listener: () => void) => unloaded.push(listener)), removeUserUnloaded: vi.fn(),
      addAccessTokenExpired: vi.fn(), removeAccessTokenExpired: vi.fn(),
      addSilentRenewError: vi.fn(), removeSilentRenewError: vi.fn(),
    },
  };
  return manager;
}

function SignOutButton() {
  const { signOut } = useAuth();
  return <button onClick={() => void signOut()}>Đăng xuất</button>;
}

describe("signing out", () => {
  it("goes to the issuer's end-session page and starts no sign-in while the user is forgotten", async () => {
    const manager = fakeManager();
    render(
      <AuthProvider manager={manager as unknown as UserManager}>
        <RequireAuth><SignOutButton /></RequireAuth>
      </AuthProvider>,
    );
    await userEvent.click(await screen.findByRole("button", { name: "Đăng xuất" }));
    await act(async () => { await Promise.resolve(); });
    expect(manager.removeUser).toHaveBeenCalled();
    expect(manager.signoutRedirect).toHaveBeenCalledWith({ id_token_hint: "id-đăng-xuất" });
    expect(manager.signinRedirect).not.toHaveBeenCalled();  // it raced the sign-out's navigation
  });

  it("a session that ends otherwise still leads to the login page", async () => {
    const manager = fakeManager();
    manager.getUser.mockResolvedValueOnce(null);
    render(
      <AuthProvider manager={manager as unknown as UserManager}>
        <RequireAuth><SignOutButton /></RequireAuth>
      </AuthProvider>,
    );
    await vi.waitFor(() => expect(manager.signinRedirect).toHaveBeenCalledTimes(1));
  });
});
