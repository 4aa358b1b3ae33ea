import { render, screen } from "@testing-library/react";
import type { UserManager } from "oidc-client-ts";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { AuthContext } from "../../auth/AuthProvider";
import type { Person } from "../../auth/claims";
import { CLERK } from "../../test/render";
import { Landing } from "./Landing";

const OFFICER: Person = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: "000.00.00.H61", roles: ["officer"] };

function signedInAs(person: Person) {
  const Home = vi.fn(() => <p>Trang chủ</p>);
  render(
    <AuthContext.Provider value={{ manager: {} as UserManager, user: null, person, loading: false,
      signIn: async () => {}, signOut: async () => {}, signingOut: false, endSession: () => {} }}>
      <MemoryRouter initialEntries={["/"]}>
        <Routes>
          <Route index element={<Landing><Home /></Landing>} />
          <Route path="van-ban-den" element={<p>Văn bản đến</p>} />
        </Routes>
      </MemoryRouter>
    </AuthContext.Provider>,
  );
  return Home;
}

describe("the first screen", () => {
  it("takes the clerk straight to Văn bản đến without rendering the home screen (its code is not even fetched)", async () => {
    const home = signedInAs(CLERK);
    expect(await screen.findByText("Văn bản đến")).toBeInTheDocument();
    expect(home).not.toHaveBeenCalled();
  });

  it("shows anyone else the home screen", async () => {
    signedInAs(OFFICER);
    expect(await screen.findByText("Trang chủ")).toBeInTheDocument();
  });
});
